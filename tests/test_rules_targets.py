"""Recomputation and rules of the target and evaluation forms (F1–F4): calc_targets, XT100, XT105–XT115.

Expectations are typed from the seeds and DOMAIN.md (F1 "Arithmetic", F3, F4, "Scoring"),
not from the code's output.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pytest

from conftest import ROOT
from xltool import workbooks
from xltool.io import xlsx
from xltool.core import layout, model
from xltool.core.calc.targets import compute_target_form, is_blank_form
from xltool.core.evaluate import evaluate
from xltool.core.reader import ReadForm
from xltool.core.calc.scoring import DEFAULT_CONFIG

D = Decimal
WB = ROOT / "workbooks"
MINE = {"XT100", "XT105", "XT106", "XT107", "XT108", "XT109", "XT111", "XT112", "XT113", "XT114", "XT115"}


@lru_cache(maxsize=None)
def _evaluations(prefix: str):
    (path,) = WB.glob(f"{prefix}_*.xlsx")
    grid = xlsx.read_grid(path)
    out = []
    for read in workbooks.read_workbook(path):
        stated = {k: grid.sheet(s).get(r, c) for k, (s, r, c) in read.cells.items()}
        out.append(evaluate(read, stated))
    return out


def ev(prefix: str):
    (evaluation,) = _evaluations(prefix)
    return evaluation


def rules(evaluation, code):
    return [f for f in evaluation.findings if f.rule == code]


def index_of(evaluation, level3: str) -> int:
    return next(i for i, ind in enumerate(evaluation.read.instance.indicators) if ind.level3 == level3)


# --------------------------------------------------------------------------- F3 seed 002

@pytest.mark.parametrize("prefix,rate,score", [("002_01", "90.80", "9.08"), ("002_02", "97.73", "9.77"),
                                               ("002_03", "83.29", "8.33"), ("002_04", "61.86", "6.19")])
def test_seed_002_execution_rate_and_score(prefix, rate, score):
    e = ev(prefix)
    assert e.computed["execution_rate"] == D(rate)          # 1281199/1410942 = 90.80% …
    assert e.computed["execution_score"] == D(score)        # 10 × 执行数/预算数
    # no 分值 in seed 002: no scores, no total, no grade
    assert e.computed.get("total_score") is None and e.computed.get("grade") is None
    assert not any(k.endswith(".score") and v is not None for k, v in e.computed.items())


def test_xt105_exactly_the_two_misreported_rates():
    found = {p: rules(ev(p), "XT105") for p in ("002_01", "002_02", "002_03", "002_04")}
    assert [len(found[p]) for p in sorted(found)] == [1, 0, 1, 0]     # 98% ≈ 97.73, 61.86 = 61.86 agree
    (a,), (b,) = found["002_01"], found["002_03"]
    assert (a.expected, a.found, a.severity) == ("90.80%", "92.85%", "warning")
    assert (b.expected, b.found) == ("83.29%", "84%")
    assert a.key == f"ind.{index_of(ev('002_01'), '基本养老支出预算执行率')}.actual"


@pytest.mark.parametrize("prefix,level3,expected,found,rate", [
    ("002_01", "参保缴费人数", "32.85万人", "32.68万人", "99.48"),
    ("002_01", "基本养老支出预算执行率", "95%–105%", "92.85%", None),
    ("002_03", "保障工伤待遇人数", "0.37万人", "745人", None),
    ("002_04", "基金支出预算执行率", "95%–105%", "61.86%", None),
])
def test_xt112_not_met(prefix, level3, expected, found, rate):
    e = ev(prefix)
    i = index_of(e, level3)
    assert e.computed[f"ind.{i}.judgement"] == "未达标"
    (f,) = [f for f in rules(e, "XT112") if f.key == f"ind.{i}.actual"]
    assert (f.expected, f.found, f.severity) == (expected, found, "warning")
    if rate:
        assert e.computed[f"ind.{i}.rate"] == D(rate) and f"{rate}%" in f.message


def test_seed_002_judgements():
    e = ev("002_01")
    judged = {ind.level3: e.computed.get(f"ind.{i}.judgement") for i, ind in enumerate(e.read.instance.indicators)}
    assert judged["保障退休待遇人数"] == "达标"                # 21.75 ≥ 21.72
    assert judged["基本养老收入预算执行率"] == "达标"          # 100.97% inside 95%–105%
    assert judged["养老保险待遇首次发放成功率"] == "达标"      # 实际≥95% judged by its limit
    assert judged["离退休人员上访率"] == "达标"                # <0.1% against ≤0.1%
    assert judged["养老金发放时效"] == "需人工判断"            # a deadline
    assert judged["让离退休人员安享晚年"] == "需人工判断"      # qualitative
    not_met = {(p, ev(p).read.instance.indicators[int(f.key.split(".")[1])].level3)
               for p in ("002_01", "002_02", "002_03", "002_04") for f in rules(ev(p), "XT112")}
    assert not_met == {
        ("002_01", "参保缴费人数"), ("002_01", "保障丧葬抚恤金发放人数"), ("002_01", "基本养老支出预算执行率"),
        ("002_02", "参保缴费人数"), ("002_02", "保障退休待遇人数"),
        ("002_03", "保障工伤待遇人数"), ("002_03", "劳动能力鉴定人数"), ("002_03", "基金支出预算执行率"),
        ("002_04", "享受稳定岗位补贴企业参加失业保险人数"), ("002_04", "享受技能提升补贴人数"),
        ("002_04", "基金支出预算执行率"),
    }


# --------------------------------------------------------------------------- F4 seed 003

def test_xt107_cost_only_project_2():
    for n in range(1, 10):
        found = rules(ev(f"003_{n:02d}"), "XT107")
        if n == 2:
            (f,) = found          # 52万 / 973人 / 12 = 44.54 元/人/月, stated 45.5
            assert (f.expected, f.found, f.severity) == ("44.54", "45.5", "error")
        else:
            assert found == [], n  # 5/12→0.42, 8.5/4→2.13, 1012/12→84.33, 349/12→29.08, 28.8万/200/12→120 …


def test_cost_derivations_of_seed_003():
    shown = {}
    for n in range(1, 10):
        (cost,) = compute_target_form(ev(f"003_{n:02d}").read, DEFAULT_CONFIG)[1]["costs"]
        shown[n] = cost.shown
    assert shown == {1: D("0.42"), 2: D("44.54"), 3: D("2.13"), 4: D("84.33"), 5: D("29.08"), 6: D("120.00"),
                     7: D("148.41"), 8: D("3.75"), 9: D("1000.00")}


def test_xt108_only_project_2_and_xt106_none():
    for n in range(1, 10):
        e = ev(f"003_{n:02d}")
        assert e.computed["weight_sum"] == 90                 # all nine projects: Σ weights = 90
        assert rules(e, "XT106") == []
        found = rules(e, "XT108")
        if n == 2:
            (f,) = found   # the 时效指标 row whose 三级 name is empty
            assert f.key == "ind.3.level3" and f.severity == "error"
            assert e.read.instance.indicators[3].level2 == "时效指标"
        else:
            assert found == [], n


# --------------------------------------------------------------------------- F1 seeds 000, 004

def test_seed_000_enterprise_pension_derived_shares():
    e = ev("000_01")
    fee, benefit, other = (index_of(e, n) for n in ("社会保险费收入占基金收入比重", "社会保险待遇支出占基金支出比重",
                                                  "其他支出占基金支出比重"))
    assert (e.computed[f"ind.{fee}.measured"], e.computed[f"ind.{fee}.judgement"]) == ("79.58%", "达标")
    # 584.35 / (663.47 − 50.04): the annotation excludes 上解全国统筹调剂资金支出
    assert (e.computed[f"ind.{benefit}.measured"], e.computed[f"ind.{benefit}.judgement"]) == ("95.26%", "达标")
    # 待遇支出 is itself a bound (≤584.35): 其他支出 cannot be derived
    assert e.computed.get(f"ind.{other}.measured") is None
    assert e.computed[f"ind.{other}.judgement"] == "需人工判断"
    (f,) = rules(e, "XT114")
    assert f.severity == "info" and "无法核实" in f.message and f.key.startswith(f"ind.{other}.")
    assert rules(e, "XT112") == []


def test_seed_004_rural_pension_other_share_is_an_upper_bound():
    e = ev("004_03")
    other = index_of(e, "其他支出占基金支出比重")
    assert e.computed[f"ind.{other}.measured"] == "0.70%"        # (7.11 − 7.06) / 7.11
    (f,) = rules(e, "XT114")
    assert f.severity == "warning" and "上限" in f.message and "附表" in f.message
    assert f.expected == "≤0.6%"
    assert e.computed[f"ind.{index_of(e, '社会保险费收入占基金收入比重')}.judgement"] == "达标"   # 3.59/11.28
    assert not [x for x in e.findings if x.severity == "error"]


def test_seed_004_public_pension_other_share_met():
    e = ev("004_04")   # (37.93 − 37.76) / 37.93 = 0.45% ≤ 0.5%
    other = index_of(e, "其他支出占基金支出比重")
    assert (e.computed[f"ind.{other}.measured"], e.computed[f"ind.{other}.judgement"]) == ("0.45%", "达标")


# --------------------------------------------------------------------------- which rules fire where

FIRING = {
    # F1: 其他支出占比 cannot be derived where 待遇支出 is a one-sided bound (info)
    "000_01": {"XT114"}, "000_02": {"XT114"}, "000_03": {"XT114"},
    # F2: nothing computed, every value parses, nothing missing
    "001_01": set(), "001_02": set(), "001_03": set(), "001_04": set(),
    # F3: 92.85% reported vs 90.80% computed; several indicators below target
    "002_01": {"XT105", "XT112"},
    # F3: 98% agrees with 97.73% at whole percent; 参保/退休人数 below target
    "002_02": {"XT112"},
    # F3: 84% reported vs 83.29%; 745人 < 0.37万人, 172 < 245, 84% outside 95–105
    "002_03": {"XT105", "XT112"},
    # F3: 61.86% agrees; three below target; 214人 vs 110人 = 194.55% (info note)
    "002_04": {"XT112", "XT113"},
    # F4: project 2 states 45.5元/人/月 (44.54 derived) and has a row with no 三级 name
    "003_01": set(), "003_02": {"XT107", "XT108"}, "003_03": set(), "003_04": set(), "003_05": set(),
    "003_06": set(), "003_07": set(), "003_08": set(), "003_09": set(),
    # F5 附表: none of these rules (other rule families check them)
    "004_01": set(), "004_02": set(),
    # F1 城乡居民养老: 0.70% > 0.6% but only an upper bound (warning)
    "004_03": {"XT114"},
    # F1 机关事业养老: every derived share is met
    "004_04": set(), "004_07": set(),
    # F1 medical funds: 待遇支出 is a ≤ bound, 其他支出 cannot be derived (info)
    "004_05": {"XT114"}, "004_06": {"XT114"}, "004_08": {"XT114"}, "004_09": {"XT114"},
}
ERRORS = {"003_02": {"XT107", "XT108"}}   # the only real inconsistencies DOMAIN.md names in F1–F4 seeds


def test_every_seed_workbook_is_listed():
    assert {p.name[:6] for p in WB.glob("*.xlsx")} == set(FIRING)


@pytest.mark.parametrize("prefix", sorted(FIRING))
def test_rules_firing_per_seed_workbook(prefix):
    evaluations = _evaluations(prefix)
    assert {f.rule for e in evaluations for f in e.findings if f.rule in MINE} == FIRING[prefix]
    if evaluations[0].read.form != model.BUDGET_TABLES:
        assert {f.rule for e in evaluations for f in e.findings if f.severity == "error"} == ERRORS.get(prefix, set())
        assert not is_blank_form(evaluations[0].read.instance)


# --------------------------------------------------------------------------- synthetic weighted F3

def _ind(level3, target, actual, weight, rule="按照正常比例赋分", level2="数量指标", deviation="", score=None):
    return model.Indicator(level1="产出指标", level2=level2, level3=level3, target=target, actual=actual,
                           weight=D(weight), scoring_rule=rule, deviation=deviation, score=score)


def _evaluation(budget="100", executed="100", indicators=None):
    inst = model.SelfEvaluation(year=2025, project="测试项目", department="测试部门", budget=D(budget),
                                executed=D(executed), indicators=indicators if indicators is not None else [
                                    _ind("参保人数", "≥100人", "100人", 20),
                                    _ind("上访率", "≤5%", "5%", 10, level2="质量指标"),
                                    _ind("基金支出预算执行率", "95%-105%", "100%", 10, level2="质量指标"),
                                    _ind("重复参保人数", "=0人", "0人", 10),
                                    _ind("社会效益", "有效提高", "达成年度指标", 20, "按评判等级赋分", "社会效益指标"),
                                    _ind("发放到位率", "=100%", "100%", 20, "直接赋分", "时效指标")])
    cells = {k: ("绩效自评表", c.row, c.col) for k, c in layout.plan_target_form(inst).by_field().items()}
    return evaluate(ReadForm(inst, cells), {})


def test_targets_met_give_100_and_excellent():
    e = _evaluation()
    assert e.computed["execution_rate"] == D("100.00") and e.computed["execution_score"] == D("10.00")
    assert [e.computed[f"ind.{i}.score"] for i in range(6)] == [D(20), D(10), D(10), D(10), D(20), D(20)]
    assert e.computed["total_score"] == D(100) and e.computed["grade"] == "优"
    assert {f.rule for f in e.findings} == set()


def score_of(target, actual, weight="10", rule="按照正常比例赋分", level3="指标", score=None):
    e = _evaluation(indicators=[_ind(level3, target, actual, weight, rule, score=score)])
    return e.computed["ind.0.score"]


@pytest.mark.parametrize("target,actual,level3,expected", [
    ("≥100人", "80人", "参保人数", "8.00"),          # 正向: 10 × 80/100
    ("32.85万人", "32.68万人", "参保人数", "9.95"),  # bare 正向: 10 × 32.68/32.85 = 9.948
    ("≥0.37万人", "745人", "待遇人数", "2.01"),      # units converted: 10 × 745/3700
    ("=100%", "90%", "到位率", "9.00"),               # = with target > 0 scores like 正向
    ("≤5%", "6%", "上访率", "8.00"),                  # 反向: 10 × (1 − 1/5)
    ("≤5%", "7.5%", "上访率", "5.00"),
    ("≤5%", "10%", "上访率", "0.00"),                 # ≥ 2 × target → 0
    ("5%", "6%", "上访率", "8.00"),                   # bare 反向 by name
    ("95%-105%", "90%", "执行率", "9.47"),            # range, below: 10 × 90/95
    ("105%≤≥95%", "110%", "执行率", "9.55"),          # range, above: 10 × 105/110
    ("95%-105%", "101%", "执行率", "10.00"),
    ("=0人", "0人", "重复参保人数", "10.00"),         # target 0: full iff actual ≤ 0
    ("=0人", "1人", "重复参保人数", "0.00"),
    ("≤0人", "2人", "虚假参保人数", "0.00"),
    ("<=0", "0", "违规使用基金情况", "10.00"),
])
def test_proportional_scores(target, actual, level3, expected):
    assert score_of(target, actual, level3=level3) == D(expected)


@pytest.mark.parametrize("actual,score,expected", [
    ("达成年度指标", None, "10.00"),
    ("部分达成年度指标并具有一定效果", None, "7.00"),
    ("未达成年度指标且效果较差", None, "3.00"),
    ("部分达成年度指标并具有一定效果", D("7.5"), "7.50"),   # the clerk's score within [60%, 80%) stands
    ("部分达成年度指标并具有一定效果", D("9"), "7.00"),     # outside the band: the default
    ("有效提高", None, None),                                # qualitative, not a grade phrase: by hand
])
def test_qualitative_scores(actual, score, expected):
    assert score_of("有效提高", actual, rule="按评判等级赋分", score=score) == (D(expected) if expected else None)


def test_direct_scoring():
    assert score_of("=100%", "100%", rule="直接赋分") == D(10)
    assert score_of("=100%", "99%", rule="直接赋分") == D(0)
    assert score_of("≥95%", "达成年度指标", rule="直接赋分") == D(10)


def test_below_target_scores_total_and_deviation_warnings():
    e = _evaluation(budget="200", executed="150", indicators=[
        _ind("参保人数", "≥100人", "80人", 50),
        _ind("上访率", "≤5%", "6%", 20, deviation="个别群体集中上访，下年加强政策宣传"),
        _ind("社会效益", "有效提高", "部分达成年度指标并具有一定效果", 20, "按评判等级赋分"),
    ])
    assert e.computed["execution_rate"] == D("75.00") and e.computed["execution_score"] == D("7.50")
    scores = [e.computed[f"ind.{i}.score"] for i in range(3)]
    assert scores == [D(40), D(16), D(14)]
    assert e.computed["total_score"] == D("77.50") and e.computed["grade"] == "中"
    assert {f.key for f in rules(e, "XT113") if f.severity == "warning"} == {"ind.0.deviation", "ind.2.deviation"}
    assert rules(e, "XT106") == []      # 50 + 20 + 20 = 90


def test_execution_score_is_capped():
    e = _evaluation(budget="100", executed="120")
    assert e.computed["execution_rate"] == D("120.00") and e.computed["execution_score"] == D("10.00")


@pytest.mark.parametrize("total,grade", [("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"),
                                         ("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差")])
def test_grade_boundaries(total, grade):
    assert DEFAULT_CONFIG.grade(D(total)) == grade


def test_grade_from_a_total_on_a_boundary():
    # execution 10 + 80 of 90 = 90 → 优; one more point lost → 良
    inds = [_ind("参保人数", "≥100人", "100人", 80), _ind("满意度", "≥100%", "0%", 10)]
    assert _evaluation(indicators=inds).computed["total_score"] == D(90)
    assert _evaluation(indicators=inds).computed["grade"] == "优"
    inds[0] = _ind("参保人数", "≥100人", "99人", 80)
    e = _evaluation(indicators=inds)
    assert e.computed["total_score"] == D("89.20") and e.computed["grade"] == "良"


def test_weights_not_90_and_budget_zero_are_errors():
    e = _evaluation(indicators=[_ind("参保人数", "≥100人", "100人", 50), _ind("上访率", "≤5%", "5%", 35)])
    (f,) = rules(e, "XT106")
    assert (f.severity, f.expected, f.found, f.key) == ("error", "90", "85", "total_score")
    e = _evaluation(budget="0", executed="5769")
    (f,) = rules(e, "XT115")
    assert f.severity == "error" and f.key == "budget"
    assert e.computed["execution_rate"] is None and e.computed["execution_score"] is None
    assert e.computed["total_score"] is None


def test_missing_fields_and_unparseable_values():
    e = _evaluation(indicators=[_ind("参保人数", "≥100人", "", 45), _ind("补助标准", "≥5斤", "6斤", 45)])
    assert [f.key for f in rules(e, "XT109")] == ["ind.0.actual"]
    assert {f.key for f in rules(e, "XT111")} == {"ind.1.target", "ind.1.actual"}
    assert all(f.severity == "warning" and f.found in ("≥5斤", "6斤") for f in rules(e, "XT111"))


def test_blank_template_gives_one_info_and_nothing_else(tmp_path):
    for form in model.FORM_IDS:
        path = workbooks.write_template(form, tmp_path / f"{form}.xlsx", 2025)
        grid = xlsx.read_grid(path)
        for read in workbooks.read_workbook(path):
            assert is_blank_form(read.instance)
            stated = {k: grid.sheet(s).get(r, c) for k, (s, r, c) in read.cells.items()}
            findings = evaluate(read, stated).findings
            assert [(f.rule, f.severity) for f in findings] == [("XT100", "info")], form
            assert findings[0].message.startswith("表单为空白")


def test_partly_filled_form_reports_missing_fields():
    inst = model.ProjectTarget(year=2025, project="测试项目")
    read = ReadForm(inst, {k: ("项目绩效目标表", c.row, c.col)
                           for k, c in layout.plan_target_form(inst).by_field().items()})
    findings = evaluate(read, {}).findings
    assert {f.key for f in findings if f.rule == "XT109"} == {"unit", "total"}
    assert not [f for f in findings if f.rule == "XT100"]


def test_regional_table_without_its_derived_indicators():
    from conftest import ROOT
    from xltool import workbooks as wbs
    (read,) = wbs.read_workbook(next((ROOT / "workbooks").glob("004_03_*.xlsx")))
    read.instance.indicators = [i for i in read.instance.indicators if "可支付月数" not in i.level3]
    findings = evaluate(read, {}).findings
    assert [f.expected for f in findings if f.rule == "XT116"] == ["基金静态可支付月数"]
