"""The openpyxl adapter: the only module that imports openpyxl.

- ``render(plan)`` turns a ``WorkbookPlan`` into an openpyxl workbook (styles,
  merges, widths, drop-downs, print setup, the hidden ``_xltool`` sheet and the
  defined names that mark input and computed cells).
- ``read_grid(path)`` turns a file into a ``BookGrid`` for the reader.
- ``save_atomic(wb, path)`` writes through a temporary file and a rename.
"""
from __future__ import annotations

import os
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xltool.io import atomic, safety
from xltool.marks import (COMPUTED_FILL, FINDINGS_PRINT, INPUT_FILL, NOT_MET_FONT)
from xltool.marks import (FINDINGS_SHEET, FINDINGS_WIDTHS, MARK_FILLS, NOTE_AUTHOR, NOTE_FLAG, ORIGINAL_AUTHOR,
                           PERCENT_FORMAT, by_cell, cell_value, findings_rows, form_parts, is_percent_key, note_size,
                           note_text, original_note, worst)
from xltool.core import layout
from xltool.core.cellref import a1, col_letter
from xltool.core.grid import BookGrid, SheetGrid
from xltool.io.numfmt import format_kind

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FILLS = {
    "input": PatternFill("solid", fgColor=INPUT_FILL),
    "computed": PatternFill("solid", fgColor=COMPUTED_FILL),
    "header": PatternFill("solid", fgColor="D9D9D9"),
}
FONT = "宋体"
STYLES = {
    "title": (Font(name="黑体", size=16, bold=True), Alignment(horizontal="center", vertical="center")),
    "subtitle": (Font(name=FONT, size=11), Alignment(horizontal="center", vertical="center")),
    "unit": (Font(name=FONT, size=10), Alignment(horizontal="right", vertical="center")),
    "header": (Font(name=FONT, size=10, bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "label": (Font(name=FONT, size=10), Alignment(vertical="center", wrap_text=True)),
    "input": (Font(name=FONT, size=10), Alignment(vertical="center", wrap_text=True)),
    "computed": (Font(name=FONT, size=10, color="1F4E79"), Alignment(vertical="center", wrap_text=True)),
}
ROLE_NAMES = {"input": "xlt_input", "computed": "xlt_computed"}


def set_value(cell, value) -> None:
    """Write a value; text is always text (``=3人`` must never become a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def empty_workbook() -> openpyxl.Workbook:
    """A workbook without any sheet (the caller adds them)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


def render(plan: layout.WorkbookPlan) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet_plan in plan.sheets:
        _render_sheet(wb, sheet_plan)
    _write_meta(wb, plan)
    return wb


def _render_sheet(wb, plan: layout.SheetPlan):
    ws = wb.create_sheet(plan.name)
    for cp in plan.cells:
        cell = ws.cell(cp.row, cp.col)
        if cp.formula:
            cell.value = cp.formula   # its value, if any, becomes the cached value (inject_cached)
        else:
            set_value(cell, "" if cp.value is None else cp.value)
            if cp.value is None or cp.value == "":
                cell.value = None
        font, align = STYLES.get(cp.style, STYLES["label"])
        cell.font, cell.alignment = font, align
        if cp.style not in ("title", "subtitle", "unit"):
            cell.border = BORDER
        if cp.style in FILLS:
            cell.fill = FILLS[cp.style]
        if cp.number_format:
            cell.number_format = cp.number_format
    for r1, c1, r2, c2 in plan.merges:
        if ws.cell(r1, c1).border.left.style:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    ws.cell(r, c).border = BORDER
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for c, width in plan.widths.items():
        ws.column_dimensions[col_letter(c)].width = width
    from xltool.core.rowfit import row_heights

    for r, height in row_heights(plan, fixed={1: 30, **plan.heights}).items():   # wrapped labels never overlap
        ws.row_dimensions[r].height = height
    not_met = ranges_for([(cp.row, cp.col) for cp in plan.cells if cp.field.endswith(".judgement")])
    if not_met:   # 未达标 in red, 达标 stays in the computed blue
        from openpyxl.formatting.rule import CellIsRule

        ws.conditional_formatting.add(" ".join(r.replace("$", "") for r in not_met),
                                      CellIsRule(operator="equal", formula=['"未达标"'],
                                                 font=Font(name=FONT, size=10, bold=True, color=NOT_MET_FONT)))
    for c in plan.hidden_cols:
        ws.column_dimensions[col_letter(c)].hidden = True
    for ref, choices in plan.validations:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=ref not in plan.free_lists, errorStyle="warning",
                            errorTitle="请从下拉列表选择", error="该值不在常用选项中，确认要使用吗？")
        dv.add(ref)
        ws.add_data_validation(dv)
    ws.page_setup.orientation = "landscape" if plan.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if plan.print_title_rows:
        ws.print_title_rows = plan.print_title_rows
    ws.freeze_panes = None
    for role, name in ROLE_NAMES.items():
        ref = ranges_for([(cp.row, cp.col) for cp in plan.cells if cp.role == role])
        if ref:
            quoted = f"'{plan.name}'"
            ws.defined_names[name] = DefinedName(name, attr_text=",".join(f"{quoted}!{r}" for r in ref))
    return ws


def ranges_for(cells: list[tuple[int, int]]) -> list[str]:
    """Compress cells into absolute rectangles, column runs merged across equal columns."""
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
    runs: list[tuple[int, int, int]] = []   # (col, r1, r2)
    for c, rows in sorted(by_col.items()):
        rows.sort()
        start = prev = rows[0]
        for r in rows[1:]:
            if r != prev + 1:
                runs.append((c, start, prev))
                start = r
            prev = r
        runs.append((c, start, prev))
    merged: list[list[int]] = []   # [c1, c2, r1, r2]
    for c, r1, r2 in sorted(runs, key=lambda t: (t[1], t[2], t[0])):
        if merged and merged[-1][2:] == [r1, r2] and merged[-1][1] == c - 1:
            merged[-1][1] = c
        else:
            merged.append([c, c, r1, r2])
    out = []
    for c1, c2, r1, r2 in merged:
        first = f"${col_letter(c1)}${r1}"
        out.append(first if (c1, r1) == (c2, r2) else f"{first}:${col_letter(c2)}${r2}")
    return out


def _write_meta(wb, plan: layout.WorkbookPlan) -> None:
    ws = wb.create_sheet(layout.META_SHEET)
    ws.sheet_state = "hidden"
    rows = [("key", "value"), *plan.meta.items()]
    for r, (key, value) in enumerate(rows, start=1):
        set_value(ws.cell(r, 1), key)
        set_value(ws.cell(r, 2), value)
    wb.defined_names["xlt_form"] = DefinedName("xlt_form", attr_text=f"'{layout.META_SHEET}'!$B$2")


def read_grid(path: str | os.PathLike, data_only: bool = True) -> BookGrid:
    safety.precheck(path)
    wb = openpyxl.load_workbook(path, data_only=data_only)
    try:
        return grid_from_workbook(wb, Path(path).name)
    finally:
        wb.close()


def grid_from_workbook(wb, source: str = "") -> BookGrid:
    sheets = []
    for ws in wb.worksheets:
        cells, formats = {}, {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None or value == "":
                    continue
                if isinstance(value, float):
                    value = Decimal(repr(value))
                cells[(cell.row, cell.column)] = value
                kind = format_kind(-1, cell.number_format)
                if kind:
                    formats[(cell.row, cell.column)] = kind
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(SheetGrid(ws.title, cells, merges, ws.sheet_state != "visible", formats))
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    for ws in wb.worksheets:
        for name, dn in ws.defined_names.items():
            names[f"{ws.title}!{name}"] = dn.attr_text
    return BookGrid(sheets, names, source)


def cached_values(plan: layout.WorkbookPlan) -> dict[str, dict[str, object]]:
    """Formula cells that also carry a value (a stated or recomputed figure) → that value."""
    out: dict[str, dict[str, object]] = {}
    for sheet in plan.sheets:
        for cp in sheet.cells:
            if cp.formula and cp.value not in (None, ""):
                value = cp.value / 100 if cp.number_format.endswith("%") else cp.value
                out.setdefault(sheet.name, {})[a1(cp.row, cp.col)] = value
    return out


def inject_cached(path: Path, cached: dict[str, dict[str, object]]) -> None:
    """Give formula cells a cached value (``<f>…</f><v>…</v>``) so that value readers see it."""
    from xltool.core.cellref import parse_a1
    from xltool.io.ooxml.package import Package
    from xltool.io.ooxml.sheet import SheetPart

    package = Package(path)
    for sheet, cells in cached.items():
        entry = package.sheet(sheet)
        part = SheetPart(package.text(entry.part))
        for coord, value in cells.items():
            part.set(*parse_a1(coord), value=value)
        package.put(entry.part, part.render())
    package.save(path)


def save_atomic(wb, path: str | os.PathLike, cached: dict | None = None) -> None:
    """Save through a temporary file in the same folder, then rename over the target."""
    with atomic.replacing(path) as tmp:
        wb.save(tmp)
        if cached:
            inject_cached(tmp, cached)


def write_plan(plan: layout.WorkbookPlan, path: str | os.PathLike) -> None:
    save_atomic(render(plan), path, cached_values(plan))


__all__ = ["render", "read_grid", "grid_from_workbook", "save_atomic", "write_plan", "set_value", "a1"]


def long_table_workbook(frame) -> openpyxl.Workbook:
    """A plain sheet from a DataFrame; all text stays text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(list(frame.columns))
    import pandas as pd

    for record in frame.itertuples(index=False):
        ws.append([None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else
                   (int(v) if type(v).__name__ in ("int64", "Int64") else v) for v in record])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.auto_filter.ref = ws.dimensions
    return wb


# --- write-back: computed values, marks (fill + note) and the findings sheet ---------------

def _meta_sheet(wb):
    if layout.META_SHEET in wb.sheetnames:
        return wb[layout.META_SHEET]
    ws = wb.create_sheet(layout.META_SHEET)
    ws.sheet_state = "hidden"
    set_value(ws.cell(1, 1), "key")
    set_value(ws.cell(1, 2), "value")
    return ws


def clear_marks(wb) -> int:
    """Remove xltool's fills, notes and findings sheet; the clerk's own fills come back."""
    meta = _meta_sheet(wb)
    cleared = 0
    keep = []
    for row in meta.iter_rows(min_row=2, values_only=True):
        if row and row[0] == "mark":
            sheet, _, coord = str(row[1]).rpartition("!")
            if sheet in wb.sheetnames:
                from openpyxl.comments import Comment

                cell = wb[sheet][coord]
                cell.fill = _recorded_fill(row)
                original = row[3] if len(row) > 3 and row[3] != NOTE_FLAG else None   # flag: no clerk note
                cell.comment = Comment(original, row[4] or "") if original else None
                cleared += 1
        elif row and row[0] is not None:
            keep.append(row[:2])
    meta.delete_rows(1, meta.max_row)
    for r, (key, value) in enumerate([("key", "value"), *[k for k in keep if k[0] != "key"]], start=1):
        set_value(meta.cell(r, 1), key)
        set_value(meta.cell(r, 2), value)
    for ws in wb.worksheets:   # notes left by a run whose meta was lost
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == NOTE_AUTHOR:
                    cell.comment = None
    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    return cleared


def _fill_xml(fill) -> str | None:
    """A cell's fill as its own ``<fill>`` XML (any kind: rgb, theme + tint, indexed, pattern), None for none."""
    from openpyxl.xml.functions import tostring

    if fill is None or (getattr(fill, "fill_type", None) is None and getattr(fill, "tagname", "") == "patternFill"):
        return None
    return tostring(fill.to_tree()).decode()


def _recorded_fill(row):
    """The fill a mark row recorded: its exact XML (6th column) when there, else the rgb (3rd)."""
    from openpyxl.styles.fills import Fill
    from openpyxl.xml.functions import fromstring

    if len(row) > 5 and row[5]:
        return Fill.from_tree(fromstring(row[5]))
    return PatternFill("solid", fgColor=row[2]) if row[2] else PatternFill()


def write_computed(wb, cells: dict[str, tuple[str, int, int]], computed: dict[str, object],
                   formulas: dict | None = None, typed: dict | None = None) -> dict:
    """Write recomputed values into computed cells; formula cells keep their formula (value cached);
    a computed cell that lost its formula gets it back, the clerk's value kept in a note."""
    from openpyxl.comments import Comment

    formulas, typed = formulas or {}, typed or {}
    cached: dict[str, dict[str, object]] = {}
    for key in [*computed, *(k for k in typed if k not in computed)]:
        sheet, r, c = cells[key]
        cell = wb[sheet].cell(r, c)
        number = cell_value(key, computed.get(key))
        if is_percent_key(key):
            cell.number_format = PERCENT_FORMAT
        if cell.data_type != "f" and key in formulas:
            cell.value = formulas[key]
            if key in typed:
                old = cell.comment if cell.comment is not None and cell.comment.author != NOTE_AUTHOR else None
                from xltool.core.findings import fmt

                value = typed[key]
                note = original_note("值", value if isinstance(value, str) else fmt(value), old.text if old else None)
                comment = Comment(note, old.author if old else ORIGINAL_AUTHOR)
                comment.width, comment.height = note_size(note)
                cell.comment = comment
        if cell.data_type == "f":
            if number is not None:
                cached.setdefault(sheet, {})[cell.coordinate] = number
        else:
            set_value(cell, number)
    return cached


def write_inputs(wb, inputs: dict) -> None:
    """A number typed as text becomes the number; the text is kept in a note xltool never removes."""
    from openpyxl.comments import Comment

    for (sheet, r, c), (number, text, percent) in inputs.items():
        cell = wb[sheet].cell(r, c)
        cell.value = number
        if percent:
            cell.number_format = PERCENT_FORMAT
        old = cell.comment if cell.comment is not None and cell.comment.author != NOTE_AUTHOR else None
        note = original_note("输入", text, old.text if old else None)
        comment = Comment(note, old.author if old else ORIGINAL_AUTHOR)
        comment.width, comment.height = note_size(note)
        cell.comment = comment


def mark(wb, findings) -> None:
    """A fill and one note per marked cell (several findings share the note), originals recorded."""
    from openpyxl.comments import Comment

    meta = _meta_sheet(wb)
    for (sheet, coord), group in by_cell(findings, wb.sheetnames).items():
        cell = wb[sheet][coord]
        original = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else ""
        clerk = cell.comment if cell.comment is not None and cell.comment.author != NOTE_AUTHOR else None
        exact = _fill_xml(cell.fill)
        meta.append(["mark", f"{sheet}!{coord}", original if isinstance(original, str) else "",
                     clerk.text if clerk else None, clerk.author if clerk else None, exact])
        cell.fill = PatternFill("solid", fgColor=MARK_FILLS[worst(group)])
        text = note_text(group, clerk.text if clerk else None)   # the clerk's note stays on top
        comment = Comment(text, NOTE_AUTHOR)
        comment.width, comment.height = note_size(text)
        cell.comment = comment


def findings_sheet(wb, findings) -> None:
    ws = wb.create_sheet(FINDINGS_SHEET)
    for row in findings_rows(findings):
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for c, width in enumerate(FINDINGS_WIDTHS, start=1):
        ws.column_dimensions[col_letter(c)].width = width
    for cell in ws[1]:
        cell.font, cell.fill = STYLES["header"][0], FILLS["header"]
    ws.auto_filter.ref = ws.dimensions
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = FINDINGS_PRINT["orientation"]
    ws.page_setup.paperSize = FINDINGS_PRINT["paper"]
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = FINDINGS_PRINT["fit_width"], FINDINGS_PRINT["fit_height"]
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "1:1"


def write_back(source, target, results) -> None:
    """Apply evaluations to a workbook and save it (atomically) at target.

    source: a path, or a ``safety.Named`` buffer (the bytes already read, with the file's name).
    results: [(cells, computed)] per form, and the resolved findings of the file.
    Refuses (``UnsafeWorkbook``) a workbook holding anything not on ``safety.FALLBACK_KEEPS``.
    """
    import io
    import zipfile

    forms, findings = results
    name = Path(getattr(source, "name", source))
    data = source.getvalue() if isinstance(source, io.BytesIO) else safety.read_bytes(source)
    safety.precheck(name, data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if b"http://purl.oclc.org/ooxml/spreadsheetml/main" in zf.read("xl/workbook.xml")[:2000]:
            raise safety.UnsafeWorkbook(f"{name}：这是严格 OOXML（Strict Open XML）格式的工作簿，无法按原格式写回，"
                                        "已拒绝写回（可使用 check 只校验，或在 Excel 中另存为普通 .xlsx 后再重算）")
        lost = safety.fallback_refusal(name, zf)
    if lost:
        raise safety.UnsafeWorkbook(f"{name}：工作簿包含{'、'.join(lost)}，写回会丢失这些内容，已拒绝写回"
                                    "（可使用 check 只校验，或去除后再重算）")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    try:
        clear_marks(wb)
        cached: dict[str, dict[str, object]] = {}
        for form in forms:
            cells, computed, inputs, formulas, typed = form_parts(form)
            write_inputs(wb, inputs)
            for sheet, values in write_computed(wb, cells, computed, formulas, typed).items():
                cached.setdefault(sheet, {}).update(values)
        mark(wb, findings)
        if findings:
            findings_sheet(wb, findings)
        wb.calculation.fullCalcOnLoad = True
        save_atomic(wb, target, cached)
    finally:
        wb.close()


def clear_file(source, target) -> int:
    wb = openpyxl.load_workbook(source)
    try:
        n = clear_marks(wb)
        save_atomic(wb, target)
        return n
    finally:
        wb.close()


def grid_to_xlsx(grid: BookGrid, target) -> None:
    """Values of a BookGrid (e.g. a legacy .xls read by calamine) as a new .xlsx."""
    with atomic.replacing(target) as tmp:
        tmp.write_bytes(grid_to_xlsx_bytes(grid))


def grid_to_xlsx_bytes(grid: BookGrid) -> bytes:
    """Values of a BookGrid as the bytes of a new .xlsx (nothing written to disk)."""
    import io

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in grid.sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for (r, c), value in sheet.cells.items():
            set_value(ws.cell(r, c), value)
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if sheet.hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
