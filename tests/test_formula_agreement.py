"""Issue 12 items 2–4: live formulas in every computed cell, proved against LibreOffice.

For every form family with computed cells, the seed workbooks and 20 templates filled at
random the way a clerk types (numbers, percent-formatted numbers, numbers stored as text,
full-width digits, units, grade phrases, blanks; a seeded RNG, so the test is deterministic;
every fourth file re-saved by LibreOffice before xltool reads it) are recomputed by xltool;
LibreOffice then recalculates every formula from scratch (tests/libreoffice.py forces it)
and each computed cell must hold the value xltool wrote, cell for cell. Two LibreOffice runs
in all (one re-save batch, one recalculation batch).
"""
import random
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from xltool import marks, process, workbooks
from xltool.core import layout, model
from xltool.core.formulas import VALUE_HELPERS
from xltool.core.regional_formulas import VALUE_HELPERS as F1_VALUE_HELPERS

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")]

FILLS = 20
FAMILIES = (model.SELF_EVALUATION, model.PROJECT_TARGET, model.BUDGET_TABLES, model.REGIONAL_TARGET)
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

# 指标值 as the seeds write them, with actuals a clerk might type for each (None = blank)
TARGETS = [
    ("≥95%", "pct"), ("105%≤≥95%", "pct"), ("≤0.1%", "pct"), ("100%", "pct"), ("70%-85%", "pct"),
    ("32.85万人", "num"), ("≥216786人", "num"), ("=12次", "num"), ("≤0人", "num"), ("<=84.33", "num"),
    ("3.59亿元±5%", "num"), ("=0", "num"), ("0.37万人", "num"), ("不低于150元/月", "num"),
    ("符合国家规定", "text"), ("按时报送", "text"), ("每月25日前", "text"),
]
GRADES = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")


def _text_number(rng, number) -> str:
    text = str(number)
    return rng.choice([text, text.translate(FULLWIDTH), f"{text} ", f" {text}",
                       f"{int(number):,}" if number == int(number) else text])


def _actual(rng, kind, target, complete=False):
    """A 实际完成值 typed as a clerk types it: (value, number format or None).
    ``complete``: always something xltool can score (so that 总分 and 等级 come out)."""
    roll = rng.random()
    if roll < 0.1 and not complete:
        return None, None
    if kind == "text" or roll < 0.2:
        return rng.choice(GRADES if complete else GRADES + ("已按时完成", "基本达成")), None
    if kind == "pct":
        pct = Decimal(rng.randint(0, 1300)) / 10
        how = rng.random()
        if how < 0.45:
            return pct / 100, rng.choice(["0%", "0.00%", "0.0%"])      # typed 95% in Excel
        if how < 0.6:
            return f"{pct}%", None                                       # text "95%"
        if how < 0.75:
            return f"实际完成{pct}%", None
        return pct, None                                                 # a bare 95: in the target's unit
    number = Decimal(rng.randint(0, 400000)) / rng.choice([1, 1, 10, 100])
    how = rng.random()
    if how < 0.5:
        return number, None
    if how < 0.7 or complete:
        return _text_number(rng, number), None
    unit = "".join(ch for ch in target if "\u4e00" <= ch <= "\u9fff" or ch == "/") or ""
    return f"{number}{unit}", None


def _put(ws, r, c, value, number_format=None):
    cell = ws.cell(r, c)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format


def _weight(rng, complete=False):
    """A 分值 typed as a clerk types it: (value, number format or None); ``20%`` typed in Excel is 0.2
    with a percent format and means 20 points."""
    roll = rng.random()
    if roll < 0.12 and not complete:
        return None, None
    weight = rng.choice([5, 8, 10, 10, 15, 20, 2.5, 30])
    if roll < 0.3:
        return _text_number(rng, weight), None
    if roll < 0.5:
        return Decimal(str(weight)) / 100, rng.choice(["0%", "0.0%", "0.00%"])
    return weight, None


def fill_self_evaluation(ws, plan, rng):
    cells = plan.by_field()
    budget = rng.randint(1, 2000000)
    executed = rng.choice([budget, int(budget * rng.uniform(0.3, 1.3)), None])
    for key, value in (("budget", rng.choice([budget, budget, _text_number(rng, budget), None, 0])),
                       ("executed", executed if rng.random() < 0.8 else _text_number(rng, executed or 5)),
                       ("execution_weight", rng.choice([None, 10, 10, 15])),
                       ("project", "测试项目"), ("department", "人社局")):
        _put(ws, cells[key].row, cells[key].col, value)
    rows = rng.randint(3, 16)
    complete = rng.random() < 0.4
    if complete:
        _put(ws, cells["budget"].row, cells["budget"].col, budget)
        _put(ws, cells["executed"].row, cells["executed"].col, int(budget * rng.uniform(0.5, 1.1)))
    for i in range(rows):
        target, kind = rng.choice([t for t in TARGETS if not complete or t[0] != "每月25日前"])
        r = cells[f"ind.{i}.target"].row
        col = {k: cells[f"ind.{i}.{k}"].col for k in ("level1", "level2", "level3", "target", "direction", "actual",
                                                       "weight", "scoring_rule", "score")}
        _put(ws, r, col["level1"], rng.choice(["产出指标", "效益指标", "满意度指标"]))
        _put(ws, r, col["level2"], rng.choice(["数量指标", "质量指标", "社会效益指标"]))
        _put(ws, r, col["level3"], rng.choice(["参保人数", "发放率", "上访率", "成本", "满意度", "及时率"]))
        _put(ws, r, col["target"], target)
        _put(ws, r, col["direction"], rng.choice([None, None, "正向", "反向"]))
        _put(ws, r, col["actual"], *_actual(rng, kind, target, complete))
        _put(ws, r, col["weight"], *_weight(rng, complete))
        _put(ws, r, col["scoring_rule"], rng.choice([None, None, "直接赋分", "按照正常比例赋分"]))
        if rng.random() < 0.1 and not complete:
            _put(ws, r, col["score"], rng.choice([3, 7.5]))        # a clerk's own score over the formula


def fill_project_target(ws, plan, rng):
    cells = plan.by_field()
    for key, value in (("unit", "人社局"), ("project", "测试项目"), ("total", rng.randint(1, 5000))):
        _put(ws, cells[key].row, cells[key].col, value)
    for i in range(rng.randint(2, 10)):
        r = cells[f"ind.{i}.target"].row
        _put(ws, r, cells[f"ind.{i}.level3"].col, f"指标{i}")
        _put(ws, r, cells[f"ind.{i}.target"].col, rng.choice(TARGETS)[0])
        _put(ws, r, cells[f"ind.{i}.weight"].col, *_weight(rng))
    if rng.random() < 0.3:
        cp = cells["weight_sum"]
        _put(ws, cp.row, cp.col, 88)                                    # typed over the 权重合计 formula


def fill_budget_tables(wb, plans, rng):
    for plan in plans:
        ws = wb[plan.name]
        for cp in plan.cells:
            if cp.style != "input":
                continue
            roll = rng.random()
            number = rng.randint(0, 900000)
            if roll < 0.2:
                continue
            _put(ws, cp.row, cp.col, _text_number(rng, number) if roll < 0.35 else number)
        if rng.random() < 0.3:                                          # a hand-typed 合计 over its formula
            cp = next(c for c in plan.cells if c.formula)
            _put(ws, cp.row, cp.col, 12345)


# F1 rows: (三级指标, 指标值 choices); the shares are derived from the amounts (亿元) in the other rows
F1_AMOUNTS = [("社会保险费收入", ("≥{a}亿元", "{a}亿元±5%", "≤{a}亿元", "{w}万元", "符合预算")),
              ("社会保险待遇支出", ("{a}亿元±5%", "≤{a}亿元", "≥{a}亿元", "{a}亿元"))]
F1_SHARES = [("社会保险费收入占基金收入比重", ("≥{p}%", "{p}%", ">{p}%", "≥{p}%")),
             ("社会保险待遇支出占基金支出比重", ("≥{p}%", "≥{p}%（不包括上解全国统筹调剂资金支出{e}亿元）",
                                            "≤{p}%", "90%-100%", "=0")),
             ("其他支出占基金支出比重", ("≤{p}%", "≤{p}%（不含上解支出{e}亿元）", "<{p}%", "≥{p}%", "按规定执行"))]


def _yi(rng, value):
    """An amount in 亿元 as a clerk types it: a number, text, full-width, or blank."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.3:
        return _text_number(rng, value)
    return value


def fill_regional_target(ws, plan, rng):
    cells = plan.by_field()
    income = Decimal(rng.randint(100, 90000)) / 100
    spending = Decimal(rng.randint(100, 90000)) / 100
    _put(ws, cells["income_yi"].row, cells["income_yi"].col, _yi(rng, income))
    _put(ws, cells["expenditure_yi"].row, cells["expenditure_yi"].col,
         _yi(rng, spending) if rng.random() > 0.05 else 0)
    _put(ws, cells["fund"].row, cells["fund"].col, "城乡居民基本养老保险")
    rows = [*F1_AMOUNTS, *F1_SHARES]
    rng.shuffle(rows)
    rows += [("参保人数", ("≥216786人",)), ("基金静态可支付月数", ("≥12个月",))]
    for i, (name, shapes) in enumerate(rows):
        if rng.random() < 0.08:
            continue                                                     # the row left out
        base = spending if "支出" in name else income
        amount = (base * Decimal(rng.randint(50, 1000)) / 1000).quantize(Decimal("0.01"))
        target = rng.choice(shapes).format(a=amount, w=amount * 10000, p=rng.choice([0.6, 30, 79, 95, 99, 5]),
                                           e=rng.choice([1, 0.5, 50.04]))
        r = cells[f"ind.{i}.target"].row
        _put(ws, r, cells[f"ind.{i}.level1"].col, "产出指标")
        _put(ws, r, cells[f"ind.{i}.level3"].col, name)
        _put(ws, r, cells[f"ind.{i}.target"].col, target)
        if rng.random() < 0.1:
            _put(ws, r, cells[f"ind.{i}.measured"].col, "12.34%")             # typed over the formula


def make_fills(folder: Path) -> list[Path]:
    out = []
    for form in FAMILIES:
        for n in range(FILLS):
            rng = random.Random(f"{form}-{n}")
            path = folder / f"{form}-{n:02d}.xlsx"
            workbooks.write_template(form, path, 2024)
            plans = layout.plan_workbook(layout.blank_instance(form, 2024)).sheets
            wb = openpyxl.load_workbook(path)
            if form == model.BUDGET_TABLES:
                fill_budget_tables(wb, plans, rng)
            elif form == model.SELF_EVALUATION:
                fill_self_evaluation(wb[plans[0].name], plans[0], rng)
            elif form == model.REGIONAL_TARGET:
                fill_regional_target(wb[plans[0].name], plans[0], rng)
            else:
                fill_project_target(wb[plans[0].name], plans[0], rng)
            wb.save(path)
            out.append(path)
    return out


def _agree(key, ours, theirs) -> bool:
    if ours is None:
        return theirs in (None, "")
    if isinstance(ours, bool) or isinstance(ours, str):
        return theirs == ours
    if not isinstance(theirs, (int, float)) or isinstance(theirs, bool):
        return False
    if marks.is_percent_key(key):
        return Decimal(repr(theirs * 100)).quantize(Decimal("0.01")) == ours
    return abs(Decimal(repr(theirs)) - Decimal(ours)) < Decimal("0.000001")


@pytest.fixture(scope="module")
def agreement(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agree")
    fills = make_fills(tmp / "filled")
    resave = fills[::4]
    for original, resaved in zip(resave, libreoffice.recalc(resave, tmp / "resaved")):
        shutil.move(resaved, original)                                  # re-saved by LibreOffice first
    seeds = sorted(p for p in (ROOT / "workbooks").glob("00[0-4]_*.xlsx")
                   if workbooks.read_workbook(p)[0].form in FAMILIES)
    inputs = [*fills, *seeds]
    outs, results = [], []
    for n, path in enumerate(inputs):
        target = tmp / "xltool" / f"{n:03d}_{path.name}"
        results.append(process.recompute_file(path, target))
        outs.append(target)
    recalculated = libreoffice.recalc(outs, tmp / "lo")
    return list(zip(inputs, outs, recalculated, results))


def test_every_computed_cell_agrees_with_libreoffice(agreement):
    checked = {form: 0 for form in model.FORM_IDS}
    files = {form: 0 for form in model.FORM_IDS}
    for source, ours, theirs, result in agreement:
        formulas = openpyxl.load_workbook(ours)
        values = openpyxl.load_workbook(theirs, data_only=True)
        for evaluation in result.evaluations:
            manual = {k for k, v in evaluation.computed.items() if k not in evaluation.formulas}
            files[evaluation.read.form] += 1
            for key, value in evaluation.computed.items():
                sheet, r, c = evaluation.read.cells[key]
                if key.rsplit(".", 1)[-1] in (*VALUE_HELPERS, *F1_VALUE_HELPERS):
                    continue                                           # helper values: xltool's, no formula
                cell = formulas[sheet].cell(r, c)
                if key in manual:
                    assert cell.data_type != "f" or value is None, (source.name, key)
                    continue
                assert cell.data_type == "f", f"{source.name} {sheet}!{cell.coordinate} ({key}) has no formula"
                lo = values[sheet].cell(r, c).value
                assert _agree(key, value, lo), (f"{source.name} {sheet}!{cell.coordinate} ({key}): "
                                                f"xltool {value!r}, LibreOffice {lo!r}")
                checked[evaluation.read.form] += 1
    assert all(files[form] >= FILLS for form in FAMILIES), files
    assert checked[model.SELF_EVALUATION] > 1500 and checked[model.BUDGET_TABLES] > 3000, checked
    assert checked[model.PROJECT_TARGET] >= FILLS
    assert checked[model.REGIONAL_TARGET] > 10 * FILLS, checked


def test_fills_exercise_what_they_should(agreement):
    """The random fills reach every branch worth proving: scores below full, 定性 grades, text numbers."""
    seen = {"未达标": 0, "需人工判断": 0, "XT121": 0, "XT123": 0, "grade": 0, "percent": 0, "manual": 0,
            "F1 fee": 0, "F1 benefit": 0, "F1 other": 0, "F1 达标": 0, "F1 未达标": 0}
    for _source, _ours, _theirs, result in agreement:
        for f in result.findings:
            if f.rule in seen:
                seen[f.rule] += 1
        for evaluation in result.evaluations:
            values = list(evaluation.computed.values())
            seen["未达标"] += values.count("未达标")
            seen["需人工判断"] += values.count("需人工判断")
            seen["grade"] += sum(v in ("优", "良", "中", "差") for v in values)
            if evaluation.read.form == model.REGIONAL_TARGET:
                kinds = [v for k, v in evaluation.computed.items() if k.endswith(".h_kind") and
                         evaluation.computed.get(k.replace("h_kind", "measured"))]
                for kind in ("fee", "benefit", "other"):
                    seen[f"F1 {kind}"] += kinds.count(kind)
                seen["F1 达标"] += values.count("达标")
                seen["F1 未达标"] += values.count("未达标")
            seen["percent"] += sum(ind.actual.endswith("%") for ind in getattr(evaluation.read.instance, "indicators", ()))
            seen["manual"] += sum(k not in evaluation.formulas for k in evaluation.computed
                                  if k.endswith(".score"))
    print(seen)
    assert all(n > 0 for n in seen.values()), seen


def test_a_clerks_value_over_a_computed_cell(agreement):
    """Item 4: the formula comes back, the cell is marked (XT123) and the clerk's value is in the note,
    named by its printed label, never by an internal key."""
    found = {form: 0 for form in model.FORM_IDS}
    for _source, ours, _theirs, result in agreement:
        wb = openpyxl.load_workbook(ours)
        for f in result.findings:
            if f.rule != "XT123":
                continue
            cell = wb[f.sheet][f.cell]
            assert cell.data_type == "f"
            assert f.found in cell.comment.text, cell.comment.text
            assert "【XT123" in cell.comment.text
            assert not any(word in f.message for word in ("income_", "expenditure_", "surplus_", "balance.", "ind."))
            found[result.evaluations[0].read.form] += 1
    assert all(found[form] for form in FAMILIES), found


def test_a_new_actual_typed_in_excel_changes_the_score_at_once(tmp_path):
    """Seed 002 fund 4 (失业保险), 基金支出预算执行率 against 105%≤≥95%, 分值 10: typed 90% in the
    spreadsheet (no xltool run) LibreOffice shows 10 × 90 / 95 = 9.47, 未达标, 94.74%; typed 100%: 10, 达标."""
    (src,) = (ROOT / "workbooks").glob("002_04_*.xlsx")
    recomputed = tmp_path / "se.xlsx"
    wb = openpyxl.load_workbook(src)
    (read,) = workbooks.read_workbook(src)
    i = next(n for n, ind in enumerate(read.instance.indicators) if "支出预算执行率" in ind.actual)
    sheet, r, c = read.cells[f"ind.{i}.weight"]
    wb[sheet].cell(r, c).value = 10
    wb.save(recomputed)
    process.recompute_file(recomputed, recomputed)
    typed = []
    for n, pct in enumerate((Decimal("0.9"), Decimal("1"))):
        wb = openpyxl.load_workbook(recomputed)
        _, r, c = read.cells[f"ind.{i}.actual"]
        wb[sheet].cell(r, c).value, wb[sheet].cell(r, c).number_format = pct, "0%"
        typed.append(tmp_path / f"typed{n}.xlsx")
        wb.save(typed[-1])
    shown = []
    for path in libreoffice.recalc(typed, tmp_path / "lo"):
        ws = openpyxl.load_workbook(path, data_only=True)[sheet]
        shown.append(tuple(ws.cell(read.cells[f"ind.{i}.{k}"][1], read.cells[f"ind.{i}.{k}"][2]).value
                           for k in ("score", "judgement", "rate")))
    assert shown[0][:2] == (9.47, "未达标") and round(shown[0][2], 4) == 0.9474
    assert shown[1] == (10, "达标", 1)


def test_regional_target_shares_follow_the_amounts_a_clerk_changes(tmp_path):
    """Seed 004_03 (城乡居民养老, DOMAIN.md F1): 3.59 / 11.28 = 31.83% ≥ 30% 达标 and
    (7.11 − 7.06) / 7.11 = 0.70%, an upper bound above ≤0.6% (需人工判断). Typed in the spreadsheet
    without an xltool run, 收入预算金额 20 gives 3.59 / 20 = 17.95% 未达标 and 支出预算金额 7.20 gives
    (7.20 − 7.06) / 7.20 = 1.94%."""
    (src,) = (ROOT / "workbooks").glob("004_03_*.xlsx")
    (read,) = workbooks.read_workbook(src)
    written = workbooks.write_form(read.instance, tmp_path / "f1.xlsx")
    (form,) = workbooks.read_workbook(written)
    names = [ind.level3 for ind in form.instance.indicators]
    fee, other = names.index("社会保险费收入占基金收入比重"), names.index("其他支出占基金支出比重")
    wb = openpyxl.load_workbook(written)
    sheet, r, c = form.cells["income_yi"]
    wb[sheet].cell(r, c).value = 20
    _, r, c = form.cells["expenditure_yi"]
    wb[sheet].cell(r, c).value = 7.2
    wb.save(tmp_path / "typed.xlsx")
    wb = openpyxl.load_workbook(written)   # a floor instead: 0.70% is only an upper bound, so never 达标
    _, r, c = form.cells[f"ind.{other}.target"]
    wb[sheet].cell(r, c).value = "≥0.6%"
    wb.save(tmp_path / "floor.xlsx")
    shown = []
    for path in libreoffice.recalc([written, tmp_path / "typed.xlsx", tmp_path / "floor.xlsx"], tmp_path / "lo"):
        ws = openpyxl.load_workbook(path, data_only=True)[sheet]
        shown.append(tuple(ws.cell(*form.cells[f"ind.{i}.{k}"][1:]).value
                           for i in (fee, other) for k in ("measured", "judgement")))
    assert shown[0] == ("31.83%", "达标", "0.70%", "需人工判断")
    assert shown[1] == ("17.95%", "未达标", "1.94%", "需人工判断")
    assert shown[2] == ("31.83%", "达标", "0.70%", "需人工判断")

