"""The 项目支出绩效自评表's live formulas agree with xltool, proved by LibreOffice.

xltool writes its values as the formulas' cached values; LibreOffice, set to recalculate every
formula on load (``libreoffice.recalc``), must give the same value in every computed cell
(执行率, 得分, 总分, 等级, 资金来源合计 and the helper columns): on the imported sample, and on
templates filled at random the way a clerk types in Excel — numbers, percent-formatted numbers
(0.97 shown as 97%), numbers as text (full-width digits, thousands separators), values with
units (``1486人``, ``16.55万元``), grade phrases and blanks. A clerk who then types a new
实际完成值 sees the score change without xltool.
"""
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from xltool import process, workbooks
from xltool.core import model
from xltool.io import xlsx
from xltool.marks import cell_value

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")]

SAMPLE = ROOT / "tests" / "data" / "project_self_evaluation_sample.txt"
TEMPLATE = ROOT / "templates" / "project-self-evaluation.xlsx"
PHRASES = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _same(want, got) -> bool:
    if want in (None, "") or got in (None, ""):
        return want in (None, "") and got in (None, "")
    if isinstance(want, (Decimal, int)) and not isinstance(want, bool):
        return isinstance(got, (Decimal, int, float)) and abs(Decimal(str(want)) - Decimal(str(got))) < Decimal("1e-9")
    return str(want) == str(got)


def disagreements(results, lo_paths) -> list[str]:
    out = []
    for result, lo_path in zip(results, lo_paths):
        grid = xlsx.read_grid(lo_path)
        for evaluation in result.evaluations:
            for key, value in evaluation.computed.items():
                sheet, r, c = evaluation.read.cells[key]
                got = grid.sheet(sheet).get(r, c)
                if not _same(cell_value(key, value), got):
                    out.append(f"{lo_path.name} {key}: xltool {value!r}, LibreOffice {got!r}")
    return out


def test_sample_agrees_with_libreoffice(tmp_path):
    files, _ = workbooks.import_seed(SAMPLE, tmp_path / "imported")
    ours = [tmp_path / "ours" / p.name for p in files]
    results = [process.recompute_file(p, out) for p, out in zip(files, ours)]
    assert {k for r in results for k in r.evaluations[0].computed} >= {"funds.total.rate", "total_score", "grade"}
    lo = libreoffice.recalc(ours, tmp_path / "lo")
    assert disagreements(results, lo) == []


# --- random fills, typed as a clerk types ------------------------------------------------------

def _money(rng):
    return Decimal(rng.randint(1000, 500000)) / 100


def _typed_number(rng, value: Decimal):
    """A number as a clerk enters it: a number, or text (plain, full-width, thousands separators)."""
    style = rng.random()
    if style < 0.7:
        return value, None
    if style < 0.8:
        return str(value).translate(FULL), None
    if style < 0.9:
        return f"{value:,}", None
    return f"{value} ", None


def _percent(rng, low, high):
    return Decimal(rng.randint(int(low * 100), int(high * 100))) / 10000


def _indicator(rng):
    """(level3, target, actual cell value, number format or None)."""
    kind = rng.randrange(11)
    if kind == 0:
        return "资金拨付及时率", "≥95%", _percent(rng, 80, 110), rng.choice(("0%", "0.00%"))
    if kind == 1:
        return "政策知晓率", "≥90%", f"{rng.randint(80, 99)}%", None
    if kind == 2:
        return "待遇发放人数", "≥1500人", rng.choice((f"{rng.randint(1300, 1700)}人", Decimal(rng.randint(1300, 1700)))), None
    if kind == 3:
        return "补助发放次数", "=12次", Decimal(rng.choice((10, 11, 12, 13))), None
    if kind == 4:
        return "待遇核定投诉次数", "≤2次", rng.choice(("0次", "2次", "3次", "5次")), None
    if kind == 5:
        return "预算执行率", "95%-105%", _percent(rng, 85, 115), "0.00%"
    if kind == 6:
        return "每次发放成本", "≤17万元", f"{Decimal(rng.randint(1500, 2000)) / 100}万元", None
    if kind == 7:
        return "资金发放准确率", "≥100百分比", f"{rng.choice((97, 100))}百分比", None
    if kind == 8:
        return "新增参保人数", "≥0.37万人", f"{rng.randint(300, 4500)}人", None
    if kind == 9:
        return "受益人员满意度", "≥98%", str(rng.randint(90, 99)).translate(FULL), None
    return "参保群众生活水平", "有效提高", rng.choice(PHRASES + ("",)), None


def fill(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(path)
    ws = wb["项目绩效自评表"]
    ws["C4"], ws["C5"], ws["F5"] = f"随机样例项目{seed}", "样例主管部门", "样例实施单位"
    budget = _money(rng)
    parts = [budget, Decimal(0), Decimal(0)] if rng.random() < 0.6 else [budget - 100, Decimal(60), Decimal(40)]
    executed = (budget * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.01"))
    pattern = rng.randrange(3)   # 0 total typed, 1 total left 0 (the published error), 2 total only
    for col, amounts in (("C", parts), ("D", parts), ("E", [executed, Decimal(0), Decimal(0)])):
        total = sum(amounts)
        ws[f"{col}7"] = 0 if pattern == 1 else _typed_number(rng, total)[0]
        if pattern != 2:
            for r, amount in zip((8, 9, 10), amounts):
                ws[f"{col}{r}"] = _typed_number(rng, amount)[0] if amount else rng.choice((0, None))
    if rng.random() < 0.5:
        share = (budget / 3).quantize(Decimal("0.01"))
        ws["C12"], ws["D12"], ws["E12"] = share, share, budget - 2 * share + rng.choice((0, 0, 1))
    used = 0
    for r in range(19, 19 + rng.randint(3, 12)):
        level3, target, actual, fmt = _indicator(rng)
        ws[f"A{r}"] = "产出指标" if r == 19 else None
        ws[f"B{r}"] = "数量指标" if r == 19 else None
        ws[f"C{r}"], ws[f"D{r}"] = level3, target
        if actual not in ("", None):
            ws[f"E{r}"] = actual
            if fmt:
                ws[f"E{r}"].number_format = fmt
        weight = rng.choice((5, 10, 15, 20))
        how = rng.random()
        if how < 0.6:
            ws[f"F{r}"] = weight
        elif how < 0.8:               # typed as 20% in Excel: 0.2, percent-formatted, 20 points
            ws[f"F{r}"], ws[f"F{r}"].number_format = Decimal(weight) / 100, "0%" if weight in (5, 15) else "0.00%"
        else:
            ws[f"F{r}"] = str(weight)
        if rng.random() < 0.15:
            ws[f"T{r}"] = "直接赋分"
        if rng.random() < 0.3:
            ws[f"H{r}"] = "已分析原因，下年改进"
        used += 1
    if rng.random() < 0.3:            # the 预算执行率 分值 typed as 10%
        ws["F7"], ws["F7"].number_format = Decimal("0.1"), "0%"
    wb.save(path)


def test_random_fills_agree_with_libreoffice(tmp_path):
    sources, results = [], []
    for seed in range(24):
        src = tmp_path / "typed" / f"fill_{seed:02d}.xlsx"
        src.parent.mkdir(exist_ok=True)
        src.write_bytes(TEMPLATE.read_bytes())
        fill(src, seed)
        results.append(process.recompute_file(src, tmp_path / "ours" / src.name))
        sources.append(tmp_path / "ours" / src.name)
    scored = [r for r in results if r.evaluations[0].computed.get("total_score") is not None]
    assert len(scored) >= 10   # most fills score completely (a blank 定性 actual leaves 总分 open)
    assert any(f.rule == "XT150" for r in results for f in r.findings)        # total left at 0
    assert any(f.rule == "XT121" for r in results for f in r.findings)        # numbers typed as text
    lo = libreoffice.recalc(sources, tmp_path / "lo")
    assert disagreements(results, lo) == []


def test_a_new_actual_typed_in_the_spreadsheet_rescores_without_xltool(tmp_path):
    files, _ = workbooks.import_seed(SAMPLE, tmp_path / "imported")
    ours = tmp_path / "ours" / files[2].name
    process.recompute_file(files[2], ours)
    wb = openpyxl.load_workbook(ours)
    ws = wb["项目绩效自评表"]
    assert ws["C26"].value == "受益人员满意度" and ws["D26"].value == "≥95%"
    ws["E26"] = 0.9               # the clerk types 90% in Excel: 0.9, percent-formatted
    ws["E26"].number_format = "0%"
    ws["E20"] = "2900人"          # 补助享受人数 ≥3000人, text as before
    wb.save(ours)
    (lo,) = libreoffice.recalc([ours], tmp_path / "lo")
    values = openpyxl.load_workbook(lo, data_only=True)["项目绩效自评表"]
    assert values["G26"].value == pytest.approx(9.47)   # 10 × 90 / 95 = 9.4737
    assert values["G20"].value is None or values["G20"].value == ""   # text changed: open until a recompute
    assert values["G27"].value in (None, "")                          # 总分 waits for every score
    # xltool's recompute then agrees with what LibreOffice shows
    result = process.recompute_file(ours, tmp_path / "again" / ours.name)
    assert result.evaluations[0].computed["ind.7.score"] == Decimal("9.47")
    assert result.evaluations[0].computed["ind.1.score"] == Decimal("9.67")   # 10 × 2900 / 3000
    assert result.evaluations[0].read.instance.form == model.PROJECT_SELF_EVALUATION
