""".xls in, .xlsx out with the live formulas of its form's template, its print setup and names,
and a clear statement of what the conversion could not keep (issue 14, item 4).

The .xls files are written by LibreOffice ("MS Excel 97"), from a seed form, from the 附表 (the
workbook with the most formulas) and from a real host with a form grafted in (its own sheets
beside the form's).
"""
from decimal import Decimal

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from form_graft import graft
from xltool import marks, process, workbooks
from xltool.core import reader
from xltool.io import legacy as legacy_io

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")]
WB = ROOT / "workbooks"
BUDGET = next(WB.glob("004_01_*.xlsx"))


def _self_eval(folder):
    """Seed 002's first fund as imported today (the committed workbooks/ copy predates helper columns
    such as xlt分值（分）, which the template an .xls is rebuilt from now has)."""
    paths, _ = workbooks.import_seed(next((ROOT / "seeds").glob("002_*.txt")), folder)
    return next(p for p in paths if p.name.startswith("002_01_"))


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """name → (the .xlsx it was saved from, the .xls LibreOffice wrote)."""
    base = tmp_path_factory.mktemp("xls")
    self_eval = _self_eval(base / "seed")
    hosted = graft(ROOT / "tests" / "data" / "real" / "poi_Tables.xlsx", self_eval, base / "hosted.xlsx") and \
        base / "hosted.xlsx"
    sources = {"self_eval": self_eval, "budget": BUDGET, "hosted": hosted}
    xls = libreoffice.recalc(list(sources.values()), base / "xls", to="xls:MS Excel 97")
    return {name: (src, path) for (name, src), path in zip(sources.items(), xls)}


def formulas(path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"}


def names(path) -> set[tuple[str, int | None, str]]:
    wb = openpyxl.load_workbook(path)
    out = {(n, None, d.attr_text) for n, d in wb.defined_names.items()}
    for ws in wb.worksheets:
        out |= {(n, ws.title, d.attr_text) for n, d in ws.defined_names.items()}
        if ws.print_title_rows:
            out.add(("print_title_rows", ws.title, ws.print_title_rows))
    return out


@pytest.mark.parametrize("name", ["self_eval", "budget"])
def test_xls_output_has_the_templates_formulas_names_and_print_setup(legacy, name, tmp_path):
    src, xls = legacy[name]
    out = tmp_path / "out.xls"
    result = process.recompute_file(xls, out)
    out = out.with_suffix(".xlsx")
    assert out.exists()
    expected = formulas(src)
    if name == "budget":
        assert len(expected) == 150   # the 150 formulas of the 附表 template
    got = formulas(out)
    assert {k: v for k, v in got.items() if k[0] != marks.FINDINGS_SHEET} == expected
    assert names(src) <= names(out)
    for ws_src, ws_out in zip(openpyxl.load_workbook(src).worksheets, openpyxl.load_workbook(out).worksheets):
        assert ws_out.title == ws_src.title
        assert ws_out.page_setup.orientation == ws_src.page_setup.orientation
        assert ws_out.sheet_properties.pageSetUpPr.fitToPage == ws_src.sheet_properties.pageSetUpPr.fitToPage
        assert dict(ws_out.column_dimensions.items()).keys() >= dict(ws_src.column_dimensions.items()).keys()
    assert any("公式" in note and "未能保留" in note for note in result.notes)
    grid_in, grid_out = workbooks.open_grid(xls), workbooks.open_grid(out)
    typed_in = legacy_io.typed(reader.read_book(grid_in)[0], grid_in)
    assert len(typed_in) > 20 and any(v not in (None, "") for v in typed_in.values())
    assert legacy_io.typed(reader.read_book(grid_out)[0], grid_out) == typed_in   # nothing the clerk typed is lost


def test_formulas_of_the_converted_xls_are_live_in_libreoffice(legacy, tmp_path):
    """The clerk changes an input of the converted 附表; LibreOffice recomputes the total from the template's
    formula (a values-only conversion would leave the old total)."""
    _, xls = legacy["budget"]
    out = tmp_path / "budget.xlsx"
    (evaluation,) = process.recompute_file(xls, out).evaluations
    wb = openpyxl.load_workbook(out)
    key = next(k for k, (s, row, col) in evaluation.read.cells.items() if k.startswith("balance.in.")
               and k.endswith(".0") and isinstance(wb[s].cell(row, col).value, (int, float)))
    sheet, r, c = evaluation.read.cells[key]
    ts, tr, tc = evaluation.read.cells["balance.in.total.0"]
    before = Decimal(str(wb[sheet].cell(r, c).value))
    wb[sheet].cell(r, c).value = float(before + 1000)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    (recalculated,) = libreoffice.recalc([edited], tmp_path / "lo")
    old = Decimal(repr(openpyxl.load_workbook(out, data_only=True)[ts].cell(tr, tc).value))
    new = Decimal(repr(openpyxl.load_workbook(recalculated, data_only=True)[ts].cell(tr, tc).value))
    assert new - old == 1000


def test_a_host_xls_keeps_its_own_sheets_as_values_and_says_so(legacy, tmp_path):
    src, xls = legacy["hosted"]
    out = tmp_path / "hosted.xlsx"
    result = process.recompute_file(xls, out)
    grid_in, grid_out = workbooks.open_grid(xls), workbooks.open_grid(out)
    form_sheets = {s for s, _, _ in result.evaluations[0].read.cells.values()}
    for sheet in grid_in.sheets:
        if sheet.name in form_sheets or sheet.name == "_xltool":
            continue
        assert grid_out.sheet(sheet.name).cells == sheet.cells, sheet.name
    assert len(formulas(out)) >= len(formulas(legacy["self_eval"][0]))
    (note,) = [n for n in result.notes if "未能保留" in n]
    assert "数值" in note and "hosted.xls" in note
