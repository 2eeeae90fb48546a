"""Issue 12 items 1 and 5: read what the spreadsheet stores, the way a clerk types it.

Files are built with openpyxl the way Excel stores what a clerk types (``95%`` → 0.95 with a
``0%``/``0.00%`` format; numbers pasted as text, full-width digits, thousands separators,
trailing spaces and units), some re-saved by LibreOffice before xltool reads them. Golden
values come from the seeds (DOMAIN.md), never from the code under test.
"""
import datetime
import re
import shutil
from decimal import Decimal

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from xltool import process, workbooks
from xltool.core import reader
from xltool.core.calc.targets import compute_target_form
from xltool.core.calc.scoring import DEFAULT_CONFIG
from xltool.io import xlsx
from xltool.io.calamine import read_grid_fast

WB = ROOT / "workbooks"
SE_PENSION = WB / "002_01_绩效自评表_企业职工基本养老保险基金支出.xlsx"
REGION = WB / "004_01_喀什地区全地区_附表.xlsx"
needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")


def _indicator_cells(path):
    """(sheet name, {indicator row: (target cell, actual cell)}) of a self-evaluation workbook."""
    (read,) = workbooks.read_workbook(path)
    out = {}
    for key, (sheet, r, c) in read.cells.items():
        if key.startswith("ind.") and key.endswith((".target", ".actual")):
            out.setdefault(int(key.split(".")[1]), {})[key.rsplit(".", 1)[1]] = (r, c)
    return read, sheet, out


def _retype_percent_actuals(src, dst):
    """Every actual written "…执行率92.85%" retyped as Excel stores a typed 92.85%: 0.9285, '0.00%'."""
    read, sheet, cells = _indicator_cells(src)
    wb = openpyxl.load_workbook(src)
    ws = wb[sheet]
    retyped = 0
    for i, ind in enumerate(read.instance.indicators):
        m = re.search(r"率(\d+(?:\.\d+)?)%$", ind.actual.strip())
        if m:
            r, c = cells[i]["actual"]
            ws.cell(r, c).value = Decimal(m.group(1)) / 100
            ws.cell(r, c).number_format = "0.00%" if "." in m.group(1) else "0%"
            retyped += 1
    wb.save(dst)
    return retyped


def _judgements(path):
    (read,) = workbooks.read_workbook(path)
    computed, _ = compute_target_form(read, DEFAULT_CONFIG)
    return read, {k: v for k, v in computed.items() if k.endswith((".judgement", ".rate"))}


def test_percent_formatted_actuals_are_percentages(tmp_path):
    """Seed 002 fund 1: 基金支出预算执行率 92.85% against 95%–105% is 未达标 (DOMAIN F3), typed or as text."""
    typed = tmp_path / "typed.xlsx"
    assert _retype_percent_actuals(SE_PENSION, typed) >= 2
    text_read, text_calc = _judgements(SE_PENSION)
    typed_read, typed_calc = _judgements(typed)
    assert typed_calc == text_calc
    actuals = [ind.actual for ind in typed_read.instance.indicators]
    assert "92.85%" in actuals
    i = actuals.index("92.85%")
    assert typed_calc[f"ind.{i}.judgement"] == "未达标"


@pytest.mark.libreoffice
@needs_lo
def test_percent_formats_survive_a_libreoffice_resave(tmp_path):
    typed = tmp_path / "typed.xlsx"
    _retype_percent_actuals(SE_PENSION, typed)
    (resaved,) = libreoffice.recalc([typed], tmp_path / "lo")
    assert _judgements(resaved)[1] == _judgements(SE_PENSION)[1]
    assert "92.85%" in [ind.actual for ind in workbooks.read_workbook(resaved)[0].instance.indicators]


def _self_evaluation(tmp_path, rows, **header):
    path = tmp_path / "se.xlsx"
    workbooks.write_template("self-evaluation", path, 2024)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for label, value in header.items():
        for row in ws.iter_rows(max_row=10):
            for cell in row:
                if cell.value == label:
                    ws.cell(cell.row, cell.column + 1).value = value
    first = next(r for r in range(1, 30) if ws.cell(r, 1).value == "一级指标") + 1
    for n, row in enumerate(rows):
        for c, value in enumerate(row, start=1):
            if isinstance(value, tuple):      # (value, number format)
                ws.cell(first + n, c).value, ws.cell(first + n, c).number_format = value
            elif value is not None:
                ws.cell(first + n, c).value = value
    wb.save(path)
    return path, first


def test_weights_typed_as_percent_are_points(tmp_path):
    path, _ = _self_evaluation(tmp_path, [("产出指标", "数量指标", "发放率", "≥95%", "正向", (Decimal("0.96"), "0%"),
                                           (Decimal("0.2"), "0%"))])
    (read,) = workbooks.read_workbook(path)
    ind = read.instance.indicators[0]
    assert (ind.actual, ind.weight) == ("96%", Decimal(20))


def test_dates_are_dates(tmp_path):
    path, _ = _self_evaluation(tmp_path, [("产出指标", "时效指标", "年底前完成", "2020/12/31", None,
                                           datetime.datetime(2020, 12, 25))])
    (read,) = workbooks.read_workbook(path)
    assert read.instance.indicators[0].actual == "2020/12/25"


def test_text_numbers_in_a_self_evaluation_are_read_and_reported(tmp_path):
    """预算数/执行数 of seed 002 fund 1 (1410942 / 1281199 → 90.80%) pasted as text."""
    path, first = _self_evaluation(tmp_path, [("产出指标", "质量指标", "发放率", "≥95%", None, "９６％", "２０")],
                                   **{"预算数": "1,410,942 ", "执行数": "１２８１１９９"})
    result = process.evaluate_file(path)
    (evaluation,) = result.evaluations
    assert evaluation.computed["execution_rate"] == Decimal("90.80")
    warned = {f.cell for f in result.findings if f.rule == "XT121"}
    assert warned == {"B6", "F6", f"F{first}", f"G{first}"}
    ind = evaluation.read.instance.indicators[0]
    assert (ind.actual, ind.weight) == ("96%", Decimal(20))


def test_remote_engine_reads_a_bare_fraction_against_a_percentage_target(tmp_path):
    path, first = _self_evaluation(tmp_path, [("产出指标", "质量指标", "发放率", "≥95%", None, Decimal("0.96"), 20),
                                              ("产出指标", "数量指标", "人数", "≥30人", None, 1, 20)])
    grid = xlsx.read_grid(path)
    grid.formats_known = False          # what xlwings' remote engine sends: values only
    (read,) = reader.read_book(grid)
    assert [i.actual for i in read.instance.indicators] == ["96%", "1"]
    (notice,) = read.notices
    assert notice[:2] == ("XT122", "info") and notice[4:] == (first, 6)


def _retype_as_text(src, dst, how):
    """Input amounts of the 附表 retyped as text the way clerks paste them; returns {sheet!A1: text}."""
    (read,) = workbooks.read_workbook(src)
    wb = openpyxl.load_workbook(src)
    changed = {}
    inputs = [(k, v) for k, v in read.cells.items()
              if k.startswith("income_exec.") and k.endswith((".0", ".1")) and not k.startswith("income_exec.total")]
    for n, (key, (sheet, r, c)) in enumerate(inputs):
        cell = wb[sheet].cell(r, c)
        if isinstance(cell.value, (int, float)) and cell.value and n % 2 == 0:
            cell.value = how[len(changed) % len(how)](int(cell.value))
            cell.data_type = "s"
            changed[f"{sheet}!{cell.coordinate}"] = cell.value
    wb.save(dst)
    return changed


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TEXT_FORMS = (str, lambda n: str(n).translate(FULLWIDTH), lambda n: f"{n} ", lambda n: f"{n:,}", lambda n: f"{n}万元")


def test_text_numbers_in_budget_tables(tmp_path):
    """Seed 004 表二: text amounts are read as their numbers (totals as published) and each is a warning."""
    texty = tmp_path / "texty.xlsx"
    changed = _retype_as_text(REGION, texty, TEXT_FORMS)
    assert len(changed) >= 8
    plain, text = process.evaluate_file(REGION), process.evaluate_file(texty)
    assert plain.evaluations[0].computed == text.evaluations[0].computed
    warned = {f.location for f in text.findings if f.rule == "XT121"}
    assert warned == set(changed)


@pytest.mark.libreoffice
@needs_lo
def test_text_numbers_become_numbers_and_libreoffice_totals_agree(tmp_path):
    """After write-back Excel's SUM counts them: LibreOffice's 合计 equals xltool's (表二 2022 预计执行 合计 1207152)."""
    texty = tmp_path / "texty.xlsx"
    changed = _retype_as_text(REGION, texty, TEXT_FORMS)
    out = tmp_path / "out.xlsx"
    result = process.recompute_file(texty, out)
    wb = openpyxl.load_workbook(out)
    for location, text in changed.items():
        sheet, coord = location.split("!")
        cell = wb[sheet][coord]
        assert isinstance(cell.value, (int, float)), location
        assert text in cell.comment.text
    (lo,) = libreoffice.recalc([out], tmp_path / "lo")
    values = openpyxl.load_workbook(lo, data_only=True)
    (evaluation,) = result.evaluations
    sheet, r, c = evaluation.read.cells["income_exec.total.1"]
    assert values[sheet].cell(r, c).value == 1207152 == evaluation.computed["income_exec.total.1"]
    for key, value in evaluation.computed.items():     # every 合计 of the table, cell for cell
        if key.startswith("income_exec.") and key.endswith((".0", ".1")) and value is not None:
            sheet, r, c = evaluation.read.cells[key]
            assert values[sheet].cell(r, c).value == value, key
    # run again: the text is still in the note, no more warnings
    again = process.recompute_file(out, tmp_path / "again.xlsx")
    assert not [f for f in again.findings if f.rule == "XT121"]
    wb = openpyxl.load_workbook(tmp_path / "again.xlsx")
    for location, text in changed.items():
        sheet, coord = location.split("!")
        assert text in wb[sheet][coord].comment.text


# --- item 5: reading robustness ----------------------------------------------------------


def _strip_meta(src, dst, edit=None):
    wb = openpyxl.load_workbook(src)
    del wb["_xltool"]
    if edit:
        edit(wb)
    wb.save(dst)


@pytest.mark.parametrize("header", ["2023年 预算数", "2023 年预算数", "2023年预算数"])
def test_budget_year_from_headers_with_or_without_spaces(tmp_path, header):
    def edit(wb):
        for ws in wb.worksheets:
            for row in ws.iter_rows(max_row=6):
                for cell in row:
                    if cell.value == "2023年预算数":
                        cell.value = header
    path = tmp_path / "b.xlsx"
    _strip_meta(REGION, path, edit)
    (read,) = workbooks.read_workbook(path)
    assert read.instance.year == 2023


def test_budget_year_from_titles_alone(tmp_path):
    def edit(wb):
        for ws in wb.worksheets:
            for row in ws.iter_rows(max_row=6):
                for cell in row:
                    if isinstance(cell.value, str) and "预算数" in cell.value and "年" in cell.value:
                        cell.value = "预算数"
    path = tmp_path / "b.xlsx"
    _strip_meta(REGION, path, edit)
    (read,) = workbooks.read_workbook(path)
    assert read.instance.year == 2023


@pytest.mark.parametrize("position", [0, 3])
def test_own_sheets_are_never_forms(tmp_path, position):
    out = tmp_path / "out.xlsx"
    process.recompute_file(REGION, out)
    wb = openpyxl.load_workbook(out)
    wb.move_sheet("校验结果", offset=position - wb.sheetnames.index("校验结果"))
    del wb["_xltool"]
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    assert wb.sheetnames[position] == "校验结果"
    before, after = process.evaluate_file(out), process.evaluate_file(moved)
    assert [e.read.form for e in after.evaluations] == ["budget-tables"]
    assert after.evaluations[0].computed == before.evaluations[0].computed


def test_weight_sum_goes_where_its_label_designates_not_into_a_blank_label_cell(tmp_path):
    """A clerk's layout with the 权重合计 label unmerged: the value goes into D, never into blank B."""
    src = WB / "003_01_项目绩效目标表_2022年-巴财企202238号关于拨付原水利水电医院退休人员待遇补差资.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    (row,) = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "权重合计"]
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == row:
            ws.unmerge_cells(str(rng))
    ws.cell(row, 4).value = None         # not computed yet: all of B:D blank
    path = tmp_path / "clerk.xlsx"
    wb.save(path)
    (read,) = workbooks.read_workbook(path)
    assert read.cells["weight_sum"][1:] == (row, 4)
    out = tmp_path / "out.xlsx"
    process.recompute_file(path, out)
    ws = openpyxl.load_workbook(out, data_only=True).worksheets[0]
    assert ws.cell(row, 2).value is None and ws.cell(row, 4).value == 90   # seed 003: weights sum to 90


def test_header_value_right_of_an_unmerged_label(tmp_path):
    path, _ = _self_evaluation(tmp_path, [], **{"预算数": 16244})
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == 6 and rng.min_col == 2:
            ws.unmerge_cells(str(rng))
    ws["B6"], ws["D6"] = None, 16244        # the clerk typed the figure further right
    ws["F6"] = 10049
    wb.save(path)
    (read,) = workbooks.read_workbook(path)
    assert (read.instance.budget, read.cells["budget"][1:]) == (Decimal(16244), (6, 4))


def test_latex_markup_is_normalised_on_import(tmp_path, seed_text):
    (seed,) = (ROOT / "seeds").glob("001_*.txt")
    files, _ = workbooks.import_seed(seed, tmp_path)
    texts = [v for f in files for ws in openpyxl.load_workbook(f).worksheets for row in ws.iter_rows()
             for v in (c.value for c in row) if isinstance(v, str)]
    assert not [t for t in texts if "$" in t or "\\" in t]
    assert any(t.replace(" ", "") == "≥95%" for t in texts)
    assert any(t.replace(" ", "") == "105%≤95%" for t in texts)


def test_calamine_reads_the_formats(tmp_path):
    typed = tmp_path / "typed.xlsx"
    _retype_percent_actuals(SE_PENSION, typed)
    fast, slow = read_grid_fast(typed), xlsx.read_grid(typed)
    both = set(fast.sheets[0].cells) & set(slow.sheets[0].cells)
    pick = lambda grid: {k: v for k, v in grid.sheets[0].formats.items() if k in both}   # noqa: E731
    assert pick(fast) and pick(fast) == pick(slow)
    shutil.rmtree(tmp_path / "lo", ignore_errors=True)
