"""Issue 16, item 5: what the clerk sees and prints.

- mark fills distinct from the template's computed fill and from each other, also in grey-scale;
- 未达标 in red;
- every wrapped label fits its row (merged cells included) — measured with the real glyph widths of
  the CJK font LibreOffice uses here (Noto Sans CJK), not with xltool's own estimate;
- the forms, 校验结果 and 汇总.xlsx print on A4, one page wide, header rows repeated.
"""
import math
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import ROOT
from xltool import marks
from xltool.cli import app

TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
WB = ROOT / "workbooks"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def luminance(rgb: str) -> float:
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_fills_are_distinct_in_grey_scale():
    fills = {"computed": marks.COMPUTED_FILL, "input": marks.INPUT_FILL, **marks.MARK_FILLS}
    shades = {name: luminance(rgb) for name, rgb in fills.items()}
    for a in ("computed", "info", "warning", "error"):
        for b in ("computed", "info", "warning", "error", "input"):
            if a != b:
                assert abs(shades[a] - shades[b]) >= 12, (a, b, shades)
    # and the marks are far from the computed blue a clerk must not touch
    assert min(abs(shades[m] - shades["computed"]) for m in marks.MARK_FILLS) >= 20


def test_not_met_is_red():
    wb = openpyxl.load_workbook(ROOT / "templates" / "self-evaluation.xlsx")
    ws = wb.worksheets[0]
    rules = [(str(rng.sqref), rule) for rng in ws.conditional_formatting for rule in rng.rules]
    red = [(ref, rule) for ref, rule in rules if rule.formula == ['"未达标"'] and
           rule.dxf.font.color.rgb.endswith(marks.NOT_MET_FONT)]
    assert red, rules
    header = {c.value: c.column_letter for c in ws[next(r for r in range(1, 30) if ws.cell(r, 1).value == "一级指标")]}
    assert any(ref.startswith(header["是否达标"]) for ref, _ in red)


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    out = tmp_path_factory.mktemp("recomputed")
    sources = [next(WB.glob(f"{p}_*.xlsx")) for p in ("000_01", "001_01", "002_01", "003_02", "004_01", "004_03")]
    result = CliRunner().invoke(app, ["recompute", *map(str, sources), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    return sorted(out.glob("*.xlsx"))


def _measure():
    from PIL import ImageFont

    assert FONT.exists(), f"{FONT} missing: apt-get install -y fonts-noto-cjk (.ci/run installs it)"

    font = ImageFont.truetype(str(FONT), 100, index=2)   # Noto Sans CJK SC
    return lambda text, points: font.getlength(text) * points / 100 * 96 / 72   # pixels at 96 dpi


def _column_pixels(ws, letter):
    width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else None
    return math.floor((width or 8.43) * 7 + 5)


def overflowing_rows(path):
    """(sheet, cell, needed points, row points) for wrapped text taller than its row(s)."""
    measure = _measure()
    wb = openpyxl.load_workbook(path)
    problems = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == marks.FINDINGS_SHEET:
            continue
        spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.data_type == "f" or not cell.alignment.wrap_text:
                    continue
                if ws.column_dimensions[cell.column_letter].hidden:   # helper columns nobody sees
                    continue
                m = spans.get((cell.row, cell.column))
                cols = range(cell.column, (m.max_col if m else cell.column) + 1)
                rows = range(cell.row, (m.max_row if m else cell.row) + 1)
                width = sum(_column_pixels(ws, openpyxl.utils.get_column_letter(c)) for c in cols) - 6
                size = cell.font.sz or 11
                lines = sum(max(1, math.ceil(measure(part, size) / width)) for part in cell.value.split("\n"))
                needed = lines * size * 1.2
                have = sum(ws.row_dimensions[r].height or 15 for r in rows)
                if needed > have + 0.5:
                    problems.append((ws.title, cell.coordinate, round(needed, 1), have))
    return problems


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_labels_fit_their_rows(path):
    assert overflowing_rows(path) == []


def test_recomputed_seed_labels_fit_their_rows(recomputed):
    for path in recomputed:
        assert overflowing_rows(path) == [], path.name


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_page_setup(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows   # the table header repeats on every page


def test_findings_sheet_prints_landscape_one_page_wide(recomputed):
    for path in recomputed:
        wb = openpyxl.load_workbook(path)
        if marks.FINDINGS_SHEET not in wb.sheetnames:
            continue
        ws = wb[marks.FINDINGS_SHEET]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, path.name
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, path.name
        assert ws.print_title_rows.replace("$", "") == "1:1" and ws.freeze_panes == "A2", path.name


def test_findings_sheet_of_the_openpyxl_path(tmp_path):
    from xltool.core.findings import Finding
    from xltool.io import xlsx

    src = tmp_path / "a.xlsx"
    shutil.copy(next(WB.glob("004_01_*.xlsx")), src)
    wb = openpyxl.load_workbook(src)
    xlsx.findings_sheet(wb, [Finding("XT101", "error", "合计与明细不符", sheet="平衡表", cell="C5")])
    ws = wb[marks.FINDINGS_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows.replace("$", "") == "1:1"
