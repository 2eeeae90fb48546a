"""区域绩效目标表 derived from the 附表 (DOMAIN.md F1), and XT140 target ↔ budget consistency."""
import copy
from decimal import Decimal

import pytest

from conftest import ROOT
from xltool import workbooks
from xltool.core import funds
from xltool.core.calc.consistency import check_targets_against_budget
from xltool.core.calc.derive import derive_figures, indicator_figure, judge
from xltool.core.model import Indicator, RegionalTarget
from xltool.derive import check_target_files, derive_targets, read_budget

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
REGION_TARGETS = sorted(WB.glob("004_0[3-6]_*.xlsx"))
BENJI_TARGETS = sorted(WB.glob("004_0[7-9]_*.xlsx"))
D = Decimal

# the amounts printed in seed 004's target tables: 资金情况, 费收入, 待遇支出 (亿元)
PUBLISHED = {
    "resident_pension": ("11.28", "7.11", "3.59", "7.06"),
    "public_pension": ("42.36", "37.93", "41.95", "37.76"),
    "employee_medical": ("29.12", "26.00", "28.44", "25.60"),   # 支出 printed as 26
    "resident_medical": ("44.09", "44.09", "15.92", "39.22"),
}


@pytest.fixture(scope="module")
def books():
    return {"region": read_budget(REGION).instance, "benji": read_budget(BENJI).instance}


def targets(paths):
    return [workbooks.read_workbook(p)[0].instance for p in paths]


def test_figures_of_seed_004(books):
    figures = derive_figures(books["region"])
    assert list(figures) == ["resident_pension", "public_pension", "employee_medical", "resident_medical"]
    for key, amounts in PUBLISHED.items():
        f = figures[key]
        assert (f["income_yi"], f["expenditure_yi"], f["premium_yi"], f["benefit_yi"]) == tuple(D(a) for a in amounts)
    rp = figures["resident_pension"]
    assert (rp["premium_share"], rp["benefit_share"], rp["other_share"], rp["months"]) == (
        D("31.84"), D("99.29"), D("0.71"), D("72.69"))
    rm = figures["resident_medical"]   # 大病保险支出 is itemised: (440913 − 392207 − 45726) / 440913
    assert rm["other"] == 2980 and rm["other_share"] == D("0.68") and rm["months"] == D("10.92")


def test_benji_budgets_three_funds(books):
    figures = derive_figures(books["benji"])
    assert list(figures) == ["public_pension", "employee_medical", "resident_medical"]
    for key in figures:
        f = figures[key]
        assert (f["income_yi"], f["expenditure_yi"], f["premium_yi"], f["benefit_yi"]) == tuple(
            D(a) for a in PUBLISHED[key])


def test_indicator_names_map_to_figures():
    assert indicator_figure("社会保险费收入") == "premium_yi"
    assert indicator_figure("医疗保险费收入") == "premium_yi"
    assert indicator_figure("医疗保险待遇支出") == "benefit_yi"
    assert indicator_figure("社会保险费收入占基金收入比重") == "premium_share"
    assert indicator_figure("医疗保险待遇支出占基金支出比重") == "benefit_share"
    assert indicator_figure("其他支出占基金支出比重") == "other_share"
    assert indicator_figure("基金静态可支付月数") == "months"
    assert indicator_figure("利息收益率") is None and indicator_figure("参保人员满意度") is None


@pytest.mark.parametrize("budget,target_paths,entity", [(REGION, REGION_TARGETS, "喀什地区"),
                                                         (BENJI, BENJI_TARGETS, "喀什地区本级")])
def test_derived_tables_equal_the_published_ones(budget, target_paths, entity, tmp_path):
    results = derive_targets(budget, tmp_path, target_paths)
    assert all(r.path is not None and r.path.exists() for r in results)
    assert len(results) == len(target_paths)
    published = {funds.find_fund(t.fund).key: t for t in targets(target_paths)}
    for r in results:
        assert r.path.name == f"{entity}_区域绩效目标表_{r.name}.xlsx"
        (read,) = workbooks.read_workbook(r.path)
        written = read.instance
        clerk = published[r.fund]
        assert written.region == entity and written.year == 2023
        assert (written.income_yi, written.expenditure_yi) == (D(PUBLISHED[r.fund][0]), D(PUBLISHED[r.fund][1]))
        assert written.income_yi == clerk.income_yi and written.expenditure_yi == clerk.expenditure_yi
        # the clerk's indicator rows are carried over unchanged
        assert [(i.level3, i.target) for i in written.indicators] == [(i.level3, i.target) for i in clerk.indicators]
        amounts = {j.figure: j.measured for j in r.judgements if j.figure in ("premium_yi", "benefit_yi")}
        assert (amounts["premium_yi"], amounts["benefit_yi"]) == (D(PUBLISHED[r.fund][2]), D(PUBLISHED[r.fund][3]))


def test_judgements_and_the_one_warning(tmp_path):
    results = derive_targets(REGION, tmp_path, REGION_TARGETS)
    verdicts = {(r.fund, j.name): (j.measured_text, j.verdict) for r in results for j in r.judgements}
    assert verdicts[("resident_pension", "社会保险费收入占基金收入比重")] == ("31.84%", "达标")
    assert verdicts[("resident_pension", "基金静态可支付月数")] == ("72.69个月", "达标")
    assert verdicts[("resident_pension", "其他支出占基金支出比重")] == ("0.71%", "需人工判断")
    assert verdicts[("resident_medical", "其他支出占基金支出比重")] == ("0.68%", "达标")
    assert sum(v[1] != "达标" for v in verdicts.values()) == 1
    findings = [f for r in results for f in r.findings]
    (warning,) = findings
    assert (warning.rule, warning.severity, warning.found, warning.expected) == ("XT140", "warning", "0.71%", "满足 ≤0.6%")
    assert "上限" in warning.message
    assert warning.file == "喀什地区_区域绩效目标表_城乡居民基本养老保险.xlsx" and warning.cell
    assert warning.related == [f"[{REGION.name}]支出安排!D8", f"[{REGION.name}]支出安排!D9"]
    # the measured column is in the written workbook
    from xltool.io import xlsx
    grid = xlsx.read_grid(results[0].path)
    assert "0.71%" in {str(v) for v in grid.sheets[0].cells.values()}


def test_new_tables_without_targets(tmp_path):
    results = derive_targets(BENJI, tmp_path)
    assert [r.fund for r in results] == ["public_pension", "employee_medical", "resident_medical"]
    for r in results:
        assert r.source is None and r.findings == []
        assert all(j.verdict == "达标" for j in r.judgements) and len(r.judgements) == 6
        (read,) = workbooks.read_workbook(r.path)
        assert read.instance.fund == r.name and read.instance.region == "喀什地区本级"
        names = [i.level3 for i in read.instance.indicators]
        assert "基金静态可支付月数" in names and "参保人员满意度" in names
    medical = {i.level3: i.target for i in results[1].target.indicators}
    assert medical["医疗保险费收入"] == "28.44亿元±5%"
    assert medical["基金静态可支付月数"] == "≥26个月"


def test_output_must_be_a_folder(tmp_path):
    with pytest.raises(workbooks.XltoolError):
        derive_targets(REGION, tmp_path / "out.xlsx")


# --- XT140 ------------------------------------------------------------------------------------

def test_seed_target_tables_agree_with_their_budget(books):
    region = check_targets_against_budget(targets(REGION_TARGETS), books["region"])
    benji = check_targets_against_budget(targets(BENJI_TARGETS), books["benji"])
    assert [(f.rule, f.severity, f.key) for f in region] == [("XT140", "warning", "ind.11.target")]
    assert benji == []


def test_files_are_matched_by_unit():
    findings = check_target_files(REGION_TARGETS + BENJI_TARGETS, [REGION, BENJI])
    assert [(f.file, f.severity) for f in findings] == [(REGION_TARGETS[0].name, "warning")]


def mutated(path, **changes):
    target = copy.deepcopy(targets([path])[0])
    for key, value in changes.items():
        setattr(target, key, value)
    return target


def test_amount_errors(books):
    target = mutated(REGION_TARGETS[0], income_yi=D("11.82"), expenditure_yi=D("7.12"))   # 7.12: within 0.01
    assert [target.indicators[i].level3 for i in (7, 9)] == ["社会保险费收入", "社会保险费收入占基金收入比重"]
    target.indicators[7].target = "3.95亿元±5%"
    target.indicators[9].target = "≥35%"
    findings = check_targets_against_budget([target], books["region"])
    got = {(f.key, f.severity, f.expected, f.found) for f in findings}
    assert ("income_yi", "error", "11.28", "11.82") in got
    assert ("ind.7.target", "error", "3.59亿元", "3.95亿元±5%") in got
    assert ("ind.9.target", "error", "满足 ≥35%", "31.84%") in got
    assert len(findings) == 4   # and the 其他支出 warning
    assert not any(f.key == "expenditure_yi" for f in findings)
    income = next(f for f in findings if f.key == "income_yi")
    assert income.related == ["income_plan.resident_pension.1"] and "112832" in income.message


def test_fund_not_budgeted(books):
    target = mutated(REGION_TARGETS[0], fund="城乡居民基本养老保险", region="喀什地区本级")
    (f,) = check_targets_against_budget([target], books["benji"])
    assert (f.rule, f.severity, f.key) == ("XT140", "error", "fund")


def test_benefit_share_with_exclusion_note():
    # seed 000 企业职工: 584.35 / (663.47 − 50.04) = 95.26% ≥ 95%
    target = RegionalTarget(fund="企业职工基本养老保险", indicators=[
        Indicator("产出指标", "质量指标", "社会保险待遇支出占基金支出比重", "≥ 95% (不包括上解全国统筹调剂资金支出50.04亿元)")])
    figures = {"benefit": D(5843500), "expenditure": D(6634700), "benefit_share": D("88.07")}
    (j,) = judge(target, figures)
    assert (j.measured, j.met, j.verdict) == (D("95.26"), True, "达标")
    assert "扣除 500400" in j.note
