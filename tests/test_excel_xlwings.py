"""The Excel buttons on xlwings' remote engine, and the desktop add-in build.

Each seed workbook is sent as the JSON book an xlwings client sends
(``tests/xlwings_payload.py``); the macros run on ``xw.Book(json=...)`` and the
actions they queue (``book.json()``) must do what the file path does: the same
values in the same cells, fills and notes on the cells with findings, a 校验结果
sheet, marks that 清除标记 undoes.
"""
import copy
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from conftest import ROOT
from xlwings_payload import apply_actions, cell_actions, payload_from_xlsx, written_cells

# xlwings' remote engine (xw.Book(json=...)) is licensed: the noncommercial key enables it for the tests.
# xlwings reads the key when it is first imported, so it is set before the import.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
if not xw.__pro__:
    pytest.skip("xlwings' remote engine is not enabled (XLWINGS_LICENSE_KEY)", allow_module_level=True)

from xltool.excel import addin  # noqa: E402
from xltool import excel, marks, process
from xltool.io import xlsx
from xltool.core import layout, reader  # noqa: E402
from xltool.core.findings import SEVERITY_ORDER  # noqa: E402
from xltool.excel.adapter import XlwingsBook, excel_value, fill_hex, rectangles, role_cells  # noqa: E402

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
CLIENTS = ("VBA", "Office.js")
ONE_OF_EACH = [next(p for p in SEEDS if word in p.name) for word in ("区域", "支出绩效", "自评", "项目", "附表")]
VBA_FUNCS = addin.vba_procedures((Path(xw.__file__).parent / "addin" / "Remote.bas").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected():
    cache = {}

    def get(path):
        if path not in cache:
            cache[path] = process.evaluate_file(path)
        return cache[path]
    return get


def open_book(payload):
    return xw.Book(json=copy.deepcopy(payload))   # the remote engine keeps (and edits) the dict it is given


def run(payload, macro):
    book = open_book(payload)
    try:
        result = macro(book, alert=False)
        return result, book.json()["actions"]
    finally:
        book.close()


def formula_cells(path):
    wb = openpyxl.load_workbook(path)
    try:
        return {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"}
    finally:
        wb.close()


def excel_expected(key, value):
    """What the file path puts into a computed cell, as a plain Python value."""
    if marks.is_percent_key(key) and isinstance(value, Decimal):
        value = value / 100
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def plain(value):
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def by_cell(findings):
    out = {}
    for f in findings:
        if f.sheet and f.cell:
            out.setdefault((f.sheet, f.cell), []).append(f)
    return out


def worst(group):
    return min(group, key=lambda f: SEVERITY_ORDER[f.severity]).severity


# --- importing is cheap ---------------------------------------------------------------------


def test_importing_the_macros_imports_no_xlwings_pandas_numpy():
    code = ("import sys, json, xltool.excel, xltool.excel.adapter, xltool.excel.addin, xltool.web.officejs; "
            "print(json.dumps([m for m in ('xlwings', 'pandas', 'numpy', 'openpyxl') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert json.loads(out.stdout) == []


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:6])
def test_the_open_book_reads_like_the_file(path, client):
    book = open_book(payload_from_xlsx(path, client))
    try:
        grid = XlwingsBook(book).read()
    finally:
        book.close()
    file_grid = xlsx.read_grid(path)
    assert [s.name for s in grid.sheets] == [s.name for s in file_grid.sheets]
    assert [s.hidden for s in grid.sheets] == [s.hidden for s in file_grid.sheets]
    for sheet in grid.sheets:
        assert sheet.cells == file_grid.sheet(sheet.name).cells, sheet.name
    got, want = reader.read_book(grid), reader.read_book(file_grid)
    assert [r.cells for r in got] == [r.cells for r in want]     # merged labels found without merge data
    assert [r.instance for r in got] == [r.instance for r in want]
    for name in ("xlt_input", "xlt_computed"):
        local = {k: v for k, v in file_grid.names.items() if k.endswith("!" + name)}
        assert {k: grid.names.get(k) for k in local} == local


def test_sent_merges_and_formulas_are_used():
    path = next(p for p in SEEDS if "项目绩效目标表" in p.name)
    book = open_book(payload_from_xlsx(path, "Office.js", extras=True))
    try:
        xb = XlwingsBook(book)
        grid = xb.read()
        assert sorted(grid.sheets[0].merges) == sorted(xlsx.read_grid(path).sheets[0].merges)
        assert {(grid.sheets[0].name, f"{openpyxl.utils.get_column_letter(c)}{r}")
                for r, c in xb.formula_cells(grid.sheets[0].name)} == formula_cells(path)
    finally:
        book.close()


# --- 重算 / 校验 -------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:6])
def test_recompute_writes_what_the_file_path_computes(path, client, expected):
    want = expected(path)
    payload = payload_from_xlsx(path, client)
    result, actions = run(payload, excel.recompute)
    assert result.ok, result.message
    written = written_cells(payload, actions)
    formulas = formula_cells(path)
    form_sheets = {s["name"] for s in payload["sheets"]} - {layout.META_SHEET}
    computed_cells = set()
    for evaluation in want.evaluations:
        for key, value in evaluation.computed.items():
            sheet, r, c = evaluation.read.cells[key]
            cell = (sheet, f"{openpyxl.utils.get_column_letter(c)}{r}")
            computed_cells.add(cell)
            if cell in formulas:
                assert cell not in written, f"{cell} holds a formula and must be left to Excel"
            else:
                assert plain(written[cell]) == excel_expected(key, value), (key, cell)
    assert {cell for cell in written if cell[0] in form_sheets} <= computed_cells   # nothing else touched
    assert result.written == len(computed_cells - formulas)
    # percentages get a percent format
    pct = {(s, c) for s, c, args in cell_actions(payload, actions, "setNumberFormat")}
    for evaluation in want.evaluations:
        for key in evaluation.computed:
            sheet, r, c = evaluation.read.cells[key]
            cell = (sheet, f"{openpyxl.utils.get_column_letter(c)}{r}")
            if marks.is_percent_key(key) and cell not in formulas:
                assert any(s == sheet for s, _ in pct)
    assert_marks(payload, actions, want.findings, client, result)


def assert_marks(payload, actions, findings, client, result):
    """Fills, notes, the findings sheet and the mark rows for a run with these findings."""
    assert [f.to_dict() for f in result.findings] == [f.to_dict() for f in findings]
    groups = by_cell(findings)
    fills = {}
    for sheet, cell, args in cell_actions(payload, actions, "setRangeColor"):
        fills[(sheet, cell)] = args[0]
    for cell, group in groups.items():
        assert fills.get(cell) == "#" + marks.MARK_FILLS[worst(group)], cell
    notes = {(sheet, cell): args[1] for sheet, cell, args in cell_actions(payload, actions, "addNote")}
    if client == "Office.js":
        assert notes == {cell: "\n\n".join(f.note_text() for f in group) for cell, group in groups.items()}
    else:
        assert notes == {}
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    written = written_cells(payload, actions)
    if findings:
        assert marks.FINDINGS_SHEET in added
        rows = {}
        for (sheet, cell), value in written.items():
            if sheet == marks.FINDINGS_SHEET:
                rows[cell] = plain(value)
        assert [rows[f"{col}1"] for col in "ABCDEF"] == list(marks.FINDINGS_HEADER)
        for n, f in enumerate(findings, start=2):
            assert [rows[f"{col}{n}"] for col in "ABCDEF"] == [
                f.rule, {"error": "错误", "warning": "警告", "info": "提示"}[f.severity], f.location, f.message,
                f.expected, f.found]
        assert f"A{len(findings) + 2}" not in rows
    else:
        assert marks.FINDINGS_SHEET not in added
    marked = {plain(v) for (sheet, cell), v in written.items() if sheet == layout.META_SHEET and cell.startswith("B")
              and written.get((sheet, "A" + cell[1:])) == "mark"}
    assert marked == {f"{s}!{c}" for s, c in groups}
    assert result.marked == len(groups)
    if client == "VBA":   # everything queued is something the VBA client (Remote.bas) can run
        assert {a["func"] for a in actions} <= VBA_FUNCS
        assert all(args[0] is not None for _, _, args in cell_actions(payload, actions, "setRangeColor"))


@pytest.mark.parametrize("client", CLIENTS)
def test_check_marks_but_writes_no_values(client, expected):
    path = next(p for p in SEEDS if "附表" in p.name)
    payload = payload_from_xlsx(path, client)
    result, actions = run(payload, excel.check)
    written = written_cells(payload, actions)
    assert not [cell for cell in written if cell[0] not in (layout.META_SHEET, marks.FINDINGS_SHEET)]
    assert_marks(payload, actions, expected(path).findings, client, result)
    assert "校验完成" in result.message and "错误" in result.message


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("path", [p for p in ONE_OF_EACH if process.evaluate_file(p).findings],
                         ids=lambda p: p.name[:6])
def test_clear_marks_undoes_a_run(path, client, expected):
    findings = expected(path).findings
    payload = payload_from_xlsx(path, client)
    roles = role_cells(xlsx.read_grid(path).names)   # the template fills by role: the remote engine's guess
    _, actions = run(payload, excel.recompute)
    marked = apply_actions(payload, actions)

    # running again: the old marks are undone first, the original fills are the recorded ones
    again, actions2 = run(marked, excel.check)
    assert [a["args"][1] for a in actions2 if a["func"] == "addSheet"] == [marks.FINDINGS_SHEET]
    assert any(a["func"] == "sheetDelete" for a in actions2)
    twice = apply_actions(marked, actions2)
    meta = next(s for s in twice["sheets"] if s["name"] == layout.META_SHEET)["values"]
    assert sum(1 for row in meta if row and row[0] == "mark") == again.marked

    result, actions3 = run(twice, excel.clear_marks)
    assert result.cleared == len(by_cell(findings)) and "已清除" in result.message
    fills = {(s, c): args[0] for s, c, args in cell_actions(twice, actions3, "setRangeColor")}
    for (sheet, cell) in by_cell(findings):
        role = roles.get(sheet, {}).get(openpyxl.utils.cell.coordinate_to_tuple(cell))
        want = "#" + xlsx.FILLS[role].fgColor.rgb[-6:] if role in xlsx.FILLS else None
        if want is None and client == "VBA":
            want = "#FFFFFF"   # the VBA client cannot remove a fill
        assert fills[(sheet, cell)] == want, (sheet, cell)
    deleted = {(s, c) for s, c, _ in cell_actions(twice, actions3, "deleteNote")}
    assert deleted == (set(by_cell(findings)) if client == "Office.js" else set())
    assert [twice["sheets"][a["sheet_position"]]["name"] for a in actions3 if a["func"] == "sheetDelete"] == [
        marks.FINDINGS_SHEET]
    cleared = apply_actions(twice, actions3)
    meta = next(s for s in cleared["sheets"] if s["name"] == layout.META_SHEET)["values"]
    assert not [row for row in meta if row and row[0] == "mark"]
    assert [row[:2] for row in meta if row and row[0] not in (None, "")] == [
        [row[0], row[1]] for row in next(s for s in payload["sheets"] if s["name"] == layout.META_SHEET)["values"]
        if row and row[0] not in (None, "")]
    if client == "Office.js":
        assert all(not s.get("notes") for s in cleared["sheets"])

    # nothing left to clear
    result, actions4 = run(cleared, excel.clear_marks)
    assert result.cleared == 0 and not [a for a in actions4 if a["func"] != "alert"]


def test_a_workbook_without_meta_gets_a_hidden_one():
    path = next(p for p in SEEDS if "附表" in p.name)
    payload = payload_from_xlsx(path, "Office.js")
    index = next(i for i, s in enumerate(payload["sheets"]) if s["name"] == layout.META_SHEET)
    del payload["sheets"][index]
    payload["names"] = [n for n in payload["names"] if n["sheet_index"] != index]
    result, actions = run(payload, excel.check)
    assert result.marked
    added = [a for a in actions if a["func"] == "addSheet"]
    assert [a["args"][1] for a in added] == [layout.META_SHEET, marks.FINDINGS_SHEET]
    assert any(a["func"] == "setSheetVisibility" and a["args"] == ["Hidden"] for a in actions)
    assert actions[-1]["func"] == "activateSheet" and actions[-1]["args"] == [0]   # back on the clerk's sheet


def test_a_clerks_own_note_is_left_alone():
    path = next(p for p in SEEDS if "附表" in p.name)
    payload = payload_from_xlsx(path, "Office.js")
    (sheet, cell), _ = next(iter(by_cell(process.evaluate_file(path).findings).items()))
    target = next(s for s in payload["sheets"] if s["name"] == sheet)
    target["notes"].append({"address": cell})
    result, actions = run(payload, excel.check)
    assert (sheet, cell) not in {(s, c) for s, c, _ in cell_actions(payload, actions, "addNote")}
    marked = apply_actions(payload, actions)
    _, actions = run(marked, excel.clear_marks)
    assert (sheet, cell) not in {(s, c) for s, c, _ in cell_actions(marked, actions, "deleteNote")}


def test_an_unreadable_book_gets_a_message():
    payload = payload_from_xlsx(SEEDS[0], "VBA")
    payload["names"] = []
    payload["sheets"] = [{"name": "Sheet1", "values": [["hello"]], "pictures": [], "tables": []}]
    result, actions = run(payload, excel.check)
    assert not result.ok and "无法识别" in result.message
    assert [a["func"] for a in actions] == []
    book = open_book(payload)
    try:
        excel.check(book)
        assert book.json()["actions"][-1]["func"] == "alert"
        assert "无法识别" in book.json()["actions"][-1]["args"][0]
    finally:
        book.close()


# --- dispatch and the other buttons ---------------------------------------------------------


def test_dispatch_maps_every_button():
    payload = payload_from_xlsx(SEEDS[0], "VBA")
    for button in ("check", "xltool_recompute", "CLEAR_MARKS", "explain", "rollover", "about"):
        book = open_book(payload)
        try:
            result = excel.dispatch(button, book, alert=False)
        finally:
            book.close()
        assert result.message
    book = open_book(payload)
    try:
        result = excel.dispatch("nope", book)
        assert not result.ok and "未知" in result.message
        assert book.json()["actions"][-1]["func"] == "alert"
    finally:
        book.close()
    assert set(excel.BUTTONS) == {"check", "recompute", "clear_marks", "explain", "rollover", "about"}


# --- 生成说明, 结转下年, 关于: every button does its job --------------------------------------------

BUDGET = next(p for p in SEEDS if "全地区_附表" in p.name)
PROJECT = next(p for p in SEEDS if "项目绩效目标表" in p.name)
SELF_EVALUATION = next(p for p in SEEDS if "自评表" in p.name)


@pytest.fixture
def saved_in(tmp_path, monkeypatch):
    """A workbook saved in tmp_path and its payload. On the remote engine the output folder is the one the
    operator names (XLTOOL_OUTPUT_DIR): here the workbook's own folder, as on the desktop."""
    monkeypatch.setenv(excel.OUTPUT_DIR_ENV, str(tmp_path))

    def open_saved(path, client="VBA"):
        saved = tmp_path / path.name
        saved.write_bytes(path.read_bytes())
        return payload_from_xlsx(saved, client), saved
    return open_saved


def click(payload, key):
    """A click: the ribbon callback's entry point, message box on."""
    book = open_book(payload)
    try:
        result = excel.dispatch(key, book)
        return result, book.json()["actions"]
    finally:
        book.close()


def alerts(actions):
    return [a["args"][0] for a in actions if a["func"] == "alert"]


@pytest.mark.parametrize("client", CLIENTS)
def test_explain_writes_the_budget_explanation_next_to_the_book(tmp_path, client, saved_in):
    from xltool.explain import explain as explain_file   # what `xltool explain` runs

    payload, saved = saved_in(BUDGET, client)
    result, actions = click(payload, "explain")
    assert result.ok, result.message
    md, page = tmp_path / f"{saved.stem}_预算说明.md", tmp_path / f"{saved.stem}_预算说明.html"
    assert result.paths == [md, page] and alerts(actions) == [result.message]
    want = explain_file(BUDGET)
    assert md.read_text(encoding="utf-8") == want.markdown and page.read_text(encoding="utf-8") == want.html
    assert "收入" in want.markdown and "万元" in want.markdown

    again, _ = click(payload, "explain")   # nothing is overwritten
    assert again.paths[0] == tmp_path / f"{saved.stem}_预算说明(2).md" and md.read_text(encoding="utf-8") == want.markdown


@pytest.mark.libreoffice
@pytest.mark.skipif(not __import__("libreoffice").available(), reason="LibreOffice (soffice) not installed")
def test_explain_and_rollover_of_a_book_resaved_by_libreoffice(tmp_path, monkeypatch):
    """The 附表 as LibreOffice writes it (its own styles, shared strings, cached values) gives the same
    预算说明 and the same next-year blank as the seed itself."""
    import libreoffice
    from xltool.explain import explain as explain_file
    from xltool.workbooks import read_workbook

    (resaved,) = libreoffice.recalc([BUDGET], tmp_path / "lo")
    monkeypatch.setenv(excel.OUTPUT_DIR_ENV, str(tmp_path / "lo"))
    payload = payload_from_xlsx(resaved, "VBA")
    result, _ = click(payload, "explain")
    assert result.ok, result.message
    assert result.paths[0].read_text(encoding="utf-8") == explain_file(BUDGET).markdown
    result, _ = click(payload, "rollover")
    assert result.ok, result.message
    (seed,) = read_workbook(BUDGET)
    monkeypatch.setenv(excel.OUTPUT_DIR_ENV, str(tmp_path))
    (tmp_path / BUDGET.name).write_bytes(BUDGET.read_bytes())
    direct, _ = click(payload_from_xlsx(tmp_path / BUDGET.name, "VBA"), "rollover")
    (got,), (want,) = read_workbook(result.paths[0]), read_workbook(direct.paths[0])
    assert got.instance == want.instance and got.instance.year == seed.instance.year + 1


def test_explain_of_a_form_that_is_no_budget_says_so(tmp_path, saved_in):
    payload, _ = saved_in(PROJECT)
    result, actions = click(payload, "explain")
    assert not result.ok and "预算附表" in result.message and alerts(actions) == [result.message]
    assert list(tmp_path.iterdir()) == [tmp_path / PROJECT.name]


def test_through_the_service_nothing_is_written_where_the_client_says(tmp_path, monkeypatch):
    """On the remote engine the book's name is the client's word: without XLTOOL_OUTPUT_DIR (the service)
    the file buttons say why they cannot save, and a name with folders never chooses where files go."""
    monkeypatch.delenv(excel.OUTPUT_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "Documents").mkdir(parents=True)
    payload = payload_from_xlsx(BUDGET, "Office.js")
    payload["book"]["name"] = str(tmp_path / "elsewhere" / ".." / "附表.xlsx")
    for key in ("explain", "rollover"):
        result, actions = click(payload, key)
        assert not result.ok and "桌面版" in result.message and alerts(actions) == [result.message]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    monkeypatch.setenv(excel.OUTPUT_DIR_ENV, str(tmp_path / "out"))
    (tmp_path / "out").mkdir()
    payload["book"]["name"] = "..\\..\\系统/附:表.xlsx"
    result, _ = click(payload, "explain")
    assert result.ok and [p.parent for p in result.paths] == [tmp_path / "out"] * 2
    assert result.paths[0].name == "附_表_预算说明.md"


class DesktopBook:
    """What the desktop engine answers for a book's place (the one thing the remote engine cannot stand in for)."""
    class app:
        class engine:
            name = "excel"

    def __init__(self, fullname):
        self.fullname = self.name = fullname


def test_on_the_desktop_files_go_next_to_the_book_or_into_documents(tmp_path, monkeypatch):
    monkeypatch.delenv(excel.OUTPUT_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    (tmp_path / "项目").mkdir()
    assert excel._output_dir(DesktopBook(str(tmp_path / "项目" / "附表.xlsx"))) == tmp_path / "项目"
    assert excel._output_dir(DesktopBook("工作簿1")) == tmp_path / "Documents"          # never saved
    assert excel._output_dir(DesktopBook("https://d.docs.live.net/x/附表.xlsx")) == tmp_path / "Documents"


@pytest.mark.parametrize("path", [BUDGET, PROJECT], ids=["附表", "项目"])
def test_rollover_writes_next_years_blank_next_to_the_book(path, tmp_path, saved_in):
    from xltool.workbooks import read_workbook
    from xltool.yearcycle import rollover_paths   # what `xltool rollover` runs

    payload, saved = saved_in(path)
    (this,) = read_workbook(path)
    result, actions = click(payload, "rollover")
    assert result.ok, result.message
    (written,) = result.paths
    assert written == tmp_path / f"{saved.stem}_{this.instance.year + 1}年.xlsx"
    assert alerts(actions) == [result.message] and f"{this.instance.year + 1} 年" in result.message
    rollover_paths([path], this.instance.year + 1, tmp_path / "cli")
    (got,), (want,) = read_workbook(written), read_workbook(tmp_path / "cli" / path.name)
    assert got.form == this.form and got.instance == want.instance
    assert got.instance.year == this.instance.year + 1
    assert saved.read_bytes() == path.read_bytes()   # the open book's file is untouched
    again, _ = click(payload, "rollover")
    assert again.paths == [tmp_path / f"{saved.stem}_{this.instance.year + 1}年(2).xlsx"]


def test_rollover_of_a_self_evaluation_says_why_not(tmp_path, saved_in):
    payload, _ = saved_in(SELF_EVALUATION)
    result, actions = click(payload, "rollover")
    assert not result.ok and "不结转" in result.message and alerts(actions) == [result.message]
    assert list(tmp_path.iterdir()) == [tmp_path / SELF_EVALUATION.name]


def test_about_names_version_licence_and_log(tmp_path, monkeypatch):
    import xltool
    monkeypatch.setenv("XLTOOL_LOG", str(tmp_path / "log.txt"))
    result, actions = click(payload_from_xlsx(SEEDS[0], "VBA"), "about")
    assert result.ok and alerts(actions) == [result.message]
    assert xltool.__version__ in result.message and xw.__version__ in result.message
    assert "许可" in result.message and str(tmp_path / "log.txt") in result.message


@pytest.mark.parametrize("key", sorted(excel.BUTTONS))
def test_every_button_answers_without_a_placeholder(key, saved_in):
    payload, _ = saved_in(BUDGET, "Office.js")
    result, actions = click(payload, key)
    assert result.ok, result.message
    assert alerts(actions) == [result.message]
    for word in ("尚未", "敬请期待", "Traceback", "Error"):
        assert word not in result.message


def test_a_failure_is_a_chinese_message_box_and_the_traceback_goes_to_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("XLTOOL_LOG", str(tmp_path / "log.txt"))

    def broken(book, alert=True):
        raise KeyError("boom")
    monkeypatch.setitem(excel.BUTTONS, "check", ("校验", broken))
    result, actions = click(payload_from_xlsx(SEEDS[0], "VBA"), "check")
    assert not result.ok and alerts(actions) == [result.message]
    assert result.message.startswith("校验未完成") and "Traceback" not in result.message
    assert str(tmp_path / "log.txt") in result.message
    log = (tmp_path / "log.txt").read_text(encoding="utf-8")
    assert "Traceback" in log and "boom" in log


def test_a_file_error_is_a_message_box(tmp_path, monkeypatch, saved_in):
    payload, saved = saved_in(BUDGET)
    monkeypatch.setenv("XLTOOL_LOG", str(tmp_path / "log.txt"))
    import errno

    import xltool.explain

    def full(path, text):   # the disk is full: the write fails (an existing file is refused earlier, by name)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(xltool.explain, "_write", full)
    result, actions = click(payload, "explain")
    assert not result.ok and result.message.startswith("生成说明未完成") and alerts(actions) == [result.message]


# --- helpers ----------------------------------------------------------------------------------


def test_text_stays_text_and_numbers_are_floats():
    assert excel_value("=3人") == "'=3人"
    assert excel_value("104.22%") == "'104.22%"
    assert excel_value("2023-01-01") == "'2023-01-01"
    assert excel_value("TRUE") == "'TRUE"
    assert excel_value("达标") == "达标"
    assert excel_value(Decimal("1.5")) == 1.5 and excel_value(Decimal("3")) == 3
    assert excel_value(None) is None
    assert fill_hex("00FFF9E5") == "#FFF9E5" and fill_hex("") is None and fill_hex("FFC7CE") == "#FFC7CE"


def test_rectangles_cover_exactly():
    cells = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 5), (4, 5), (4, 6), (6, 1)}
    rects = rectangles(cells)
    covered = {(r, c) for r1, c1, r2, c2 in rects for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    assert covered == cells and sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in rects) == len(cells)
    assert (1, 1, 2, 2) in rects


# --- the HTTP service (xltool.web.officejs) ------------------------------------------------------------


TOKEN = "test-token-" + "x" * 32


@pytest.fixture(scope="module")
def server():
    from xltool.web.server import ServerThread, Settings

    with ServerThread(Settings(token=TOKEN)) as srv:
        yield srv.url


def http(method, url, body=None, token=TOKEN, headers=None):
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode("utf-8")
    sent = {"Content-Type": "application/json"} if data else {}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_service_runs_a_button(server):
    path = next(p for p in SEEDS if "附表" in p.name)
    payload = payload_from_xlsx(path, "Office.js")
    status, kind, body = http("POST", f"{server}/xlwings/check", payload)
    assert status == 200 and kind.startswith("application/json")
    actions = json.loads(body)["actions"]
    book = open_book(payload)
    try:
        excel.check(book)
        direct = json.loads(json.dumps(book.json(), default=str))["actions"]
    finally:
        book.close()
    assert actions == direct
    assert actions[-1]["func"] == "alert" and "校验完成" in actions[-1]["args"][0]
    assert {(s, c) for s, c, _ in cell_actions(payload, actions, "addNote")} == set(by_cell(
        process.evaluate_file(path).findings))


def test_service_refuses_what_it_cannot_run(server):
    assert http("POST", f"{server}/xlwings/format_disk", {"book": {}, "sheets": []})[0] == 404
    assert http("POST", f"{server}/xlwings/check", [1, 2])[0] == 400
    status, _, body = http("GET", f"{server}/nothing")
    assert status == 404 and "未找到" in body.decode("utf-8")


def test_service_manifest(server):
    assert http("GET", f"{server}/manifest.xml")[0] == 401   # the token is part of the manifest's address
    status, kind, body = http("GET", f"{server}/manifest.xml?token={TOKEN}")
    assert status == 200 and "xml" in kind
    root = ET.fromstring(body)
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
          "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
          "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}
    strings = {s.get("id"): s.get("DefaultValue") for s in root.iter(f"{{{ns['bt']}}}String")}
    tab = root.find(".//v:CustomTab", ns)
    assert strings[tab.find("v:Label", ns).get("resid")] == addin.TAB_LABEL
    controls = tab.findall(".//v:Control", ns)
    assert {c.get("id") for c in controls} == {f"xltool_{key}" for key in excel.BUTTONS}
    assert {c.find(".//v:FunctionName", ns).text for c in controls} == {"xltoolButton"}
    assert {strings[c.find("v:Label", ns).get("resid")] for c in controls} == {
        label for label, _ in excel.BUTTONS.values()}
    urls = [u.get("DefaultValue") for u in root.iter(f"{{{ns['bt']}}}Url")] + [
        i.get("DefaultValue") for i in root.iter(f"{{{ns['bt']}}}Image") if i.get("DefaultValue")]
    assert len(urls) == 4
    assert [u for u in urls if "commands.html" in u] == [f"{server}/commands.html?token={TOKEN}"]
    for url in urls:   # everything the manifest points to is served
        status, _, _ = http("GET", url)
        assert status == 200, url
    status, _, page = http("GET", f"{server}/commands.html")
    assert b"function xltoolButton" in page and b"/xlwings/" in page
    status, _, page = http("GET", f"{server}/xlwings/alert?prompt=%E6%A0%A1%E9%AA%8C&title=xltool&buttons=ok")
    assert status == 200 and "校验" in page.decode("utf-8")
