"""Number formats on the xlwings desktop path (issue 12), tested as far as honesty allows without Excel.

There is no Excel here, and no stand-in pretends to be one. What is tested:

- ``io.numfmt.format_kind``, the pure function that turns a format code into PERCENT / DATE / None,
  on every format code stored in the real workbooks of ``tests/data/real`` (written by Excel,
  LibreOffice and other libraries; origins in its SOURCES.md), in a workbook LibreOffice saved after
  a clerk typed percentages and dates, and on the codes Excel's ``Range.NumberFormat`` reports for the
  built-in formats (ECMA-376 Part 1, §18.8.30);
- ``excel.read.block_formats``, the pure block-wise reading: given a callable with the contract of
  ``Range.NumberFormat`` (the block's format when its cells share it, Null/None otherwise — Microsoft's
  documentation of the property), it finds every numeric cell's format with fewer calls than one per
  cell. The callable here answers from the formats openpyxl reads out of the same real files.

Not tested: the COM / AppleScript call itself (``sheet.range(...).number_format`` against a running
Excel), which README states.
"""
from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from html import unescape
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from test_clerk_typing import _self_evaluation
from xltool import workbooks
from xltool.core.grid import DATE, PERCENT
from xltool.excel.read import block_formats, format_kinds
from xltool.io.numfmt import format_kind

REAL = ROOT / "tests" / "data" / "real"

# Every format code stored in tests/data/real (and LibreOffice's own for a typed 95% / 2020-12-31),
# classified by reading the code (what a clerk would see the cell display).
KINDS = {
    "General": None, "0": None, "0.00": None, "0.0": None, "0.##": None, "#,##0": None, "@": None,
    "0.0%": PERCENT, "0%": PERCENT, "0.00%": PERCENT,
    "yyyy\\-mm\\-dd": DATE, "mmm\\ d\\,\\ yyyy": DATE, "mm/dd": DATE, "mm/dd/yyyy": DATE, "d\\-mmm": DATE,
    "[hh]:mm:ss": None, "h:mm:ss\\ AM/PM": None,          # durations and times of day are not dates
    '"$"#,##0': None, '"$"#,##0.00': None, '"$"00': None, '\\("$"00\\)': None, '"Super!  "00': None,
    '" Excellent"': None, '" Very Good"': None, '" Good"': None, '" Fair"': None, '" Poor"': None,
    "\\$#,##0;[Red]\\$#,##0": None, '0.00"°"': None,
    "[$$-409]#,##0.00;[$$-409][Red]-#,##0.00": None,
    '_(* #,##0_);_(* \\(#,##0\\);_(* "-"??_);_(@_)': None,
    '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)': None,
    '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)': None,
    "YYYY/MM/DD": DATE, "YYYY\\-MM\\-DD": DATE, "MM/DD/YY": DATE, "0.00E+00": None, "#,##0.00": None,
}

# What Excel's Range.NumberFormat reports for the built-in formats (en-US), ECMA-376 §18.8.30
BUILTIN = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
           14: "m/d/yyyy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
           20: "h:mm", 21: "h:mm:ss", 22: "m/d/yyyy h:mm", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 49: "@"}
BUILTIN_KIND = {9: PERCENT, 10: PERCENT, 14: DATE, 15: DATE, 16: DATE, 17: DATE, 22: DATE}


def stored_codes(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml").decode("utf-8") if "xl/styles.xml" in zf.namelist() else ""
    return {unescape(code) for code in re.findall(r'<numFmt\b[^>]*?formatCode="([^"]*)"', styles)}


def real_books() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.suffix in (".xlsx", ".xlsm") and "strict" not in p.name
                  and "pass_protected" not in p.name)


@pytest.fixture(scope="module")
def clerk_resaved(tmp_path_factory):
    """A self-evaluation template where a clerk typed 95% / 2020-12-31 / 0.2, re-saved by LibreOffice."""
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    import datetime

    tmp = tmp_path_factory.mktemp("resaved")
    path, _ = _self_evaluation(tmp, [("产出指标", "质量指标", "发放率", "≥95%", "正向", (Decimal("0.95"), "0%"),
                                      (Decimal("0.2"), "0.00%")),
                                     ("产出指标", "时效指标", "年底前完成", "2020/12/31", None,
                                      (datetime.datetime(2020, 12, 31), "yyyy/mm/dd"))])
    (resaved,) = libreoffice.recalc([path], tmp / "lo")
    return resaved


def test_every_real_format_code_is_classified():
    codes = set().union(*(stored_codes(p) for p in real_books()))
    assert len(codes) >= 30
    unknown = sorted(codes - set(KINDS))
    assert not unknown, f"format codes in tests/data/real not yet classified here: {unknown}"
    wrong = {code: format_kind(-1, code) for code in codes if format_kind(-1, code) != KINDS[code]}
    assert not wrong, wrong


@pytest.mark.libreoffice
def test_libreoffice_codes_for_what_a_clerk_typed(clerk_resaved):
    codes = stored_codes(clerk_resaved)
    kinds = {format_kind(-1, code) for code in codes}
    assert PERCENT in kinds and DATE in kinds
    for code in codes:
        assert format_kind(-1, code) == KINDS.get(code, format_kind(-1, code))
    (read,) = workbooks.read_workbook(clerk_resaved)
    ws = openpyxl.load_workbook(clerk_resaved)[read.cells["ind.0.actual"][0]]
    for key, kind in (("ind.0.actual", PERCENT), ("ind.0.weight", PERCENT), ("ind.1.actual", DATE)):
        assert format_kind(-1, ws.cell(*read.cells[key][1:]).number_format) == kind, key


def test_codes_excel_reports_for_builtin_formats():
    for fmt_id, code in BUILTIN.items():
        assert format_kind(-1, code) == BUILTIN_KIND.get(fmt_id), (fmt_id, code)     # the desktop path: code only
        assert format_kind(fmt_id, "") == BUILTIN_KIND.get(fmt_id), fmt_id           # the file path: id only


def sheet_formats(path: Path):
    """For each sheet: (numeric cells, {(r, c): format code of every cell in the used range}); a file
    openpyxl cannot load gives nothing."""
    try:
        wb = openpyxl.load_workbook(path)
    except Exception:   # e.g. chart parts openpyxl does not know
        return
    for ws in wb.worksheets:
        codes, numeric = {}, []
        for row in ws.iter_rows():
            for cell in row:
                if not hasattr(cell, "column"):
                    continue
                codes[(cell.row, cell.column)] = cell.number_format
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    numeric.append((cell.row, cell.column))
        if numeric:
            yield ws.title, numeric, codes


def number_format_contract(codes: dict, calls: list):
    """Range.NumberFormat's documented contract over the formats a real file stores: the common
    format of the block, or None when its cells disagree (a cell not stored is General)."""
    def read(r1, c1, r2, c2):
        calls.append((r1, c1, r2, c2))
        found = {codes.get((r, c), "General") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        return found.pop() if len(found) == 1 else None
    return read


def test_block_reading_finds_every_format_with_fewer_calls(clerk_resaved):
    books = [*real_books(), clerk_resaved, ROOT / "workbooks" / "004_01_喀什地区全地区_附表.xlsx"]
    total_calls = total_cells = 0
    kinds = set()
    for path in books:
        for sheet, numeric, codes in sheet_formats(path):
            kinds |= {format_kind(-1, codes[rc]) for rc in numeric}
            calls: list = []
            found = block_formats(numeric, number_format_contract(codes, calls))
            assert found == {rc: codes[rc] for rc in numeric}, (path.name, sheet)
            assert len(calls) <= 2 * len(numeric) + 1, (path.name, sheet)
            total_calls += len(calls)
            total_cells += len(numeric)
    assert total_cells > 500 and PERCENT in kinds     # (date cells come as datetimes, not numbers)
    assert total_calls * 3 < total_cells, (total_calls, total_cells)


def test_the_kinds_read_block_wise_equal_the_file_reader(clerk_resaved):
    """The desktop path (block-wise codes → kinds) gives the percent/date cells the file path gives."""
    from xltool.io.numfmt import read_formats

    by_file = read_formats(clerk_resaved)
    for sheet, numeric, codes in sheet_formats(clerk_resaved):
        desktop = format_kinds(block_formats(numeric, number_format_contract(codes, [])))
        assert desktop == {rc: k for rc, k in by_file[sheet][0].items() if rc in set(numeric)}, sheet
    (read,) = workbooks.read_workbook(clerk_resaved)
    ind = read.instance.indicators[0]
    assert (ind.actual, ind.weight) == ("95%", Decimal(20))
