"""A legacy ``.xls`` becomes an ``.xlsx``: its form rebuilt from the form's template, the rest as values.

calamine reads the ``.xls`` (values only). When it holds one form that reads
back unchanged from the rebuilt workbook, the form's sheets are written from
the template layout (live formulas in every computed cell, print setup, defined
names, drop-downs, widths, the template's look) with the clerk's values; any
other sheet of the ``.xls`` follows with its values (merges and hidden state
kept). Otherwise every sheet is written as values. Either way the caller gets a
statement (Simplified Chinese) of what was kept and what could not be.
"""
from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from xltool.core import layout, reader
from xltool.core.cellref import a1
from xltool.core.grid import BookGrid

NOT_KEPT = "原文件的单元格格式（填充、字体、边框、列宽）、批注、图片与图表、宏"


def to_xlsx_bytes(grid: BookGrid, source: str | Path) -> tuple[bytes, list[str]]:
    """``grid`` (read from the .xls ``source``) as the bytes of an .xlsx, and the statement."""
    with tempfile.TemporaryDirectory(prefix="xltool-xls-") as folder:
        target = Path(folder) / (Path(source).stem + ".xlsx")
        notes = to_xlsx(grid, target, source)
        return target.read_bytes(), notes


def to_xlsx(grid: BookGrid, target: str | Path, source: str | Path) -> list[str]:
    """Write ``grid`` (read from the .xls ``source``) as the .xlsx ``target``; returns the statement."""
    from xltool.io.calamine import read_grid_fast

    name = Path(source).name
    form = _one_form(grid)
    if form is not None:
        plan = layout.plan_workbook(form.instance)
        form_sheets = {s for s, _, _ in form.cells.values()}
        others = [s for s in grid.sheets if s.name not in form_sheets and s.name != layout.META_SHEET]
        if not {s.name for s in others} & {s.name for s in plan.sheets}:
            _write(target, plan, others)
            new_grid = read_grid_fast(target)
            again = _one_form(new_grid)
            if again is not None and typed(again, new_grid) == typed(form, grid):
                rest = f"；其余工作表（{'、'.join(s.name for s in others)}）只保留数值，其中的公式未保留" if others else ""
                return [f"{name}：旧版 .xls 已转为 .xlsx，表单按模板重建：计算单元格为公式，打印设置、名称、下拉列表"
                        f"取自模板，所填内容原样保留{rest}。未能保留：{NOT_KEPT}。"]
    _write(target, None, [s for s in grid.sheets])
    why = "含多张表单" if form is None and _count(grid) > 1 else "表单无法按模板重建"
    return [f"{name}：旧版 .xls 只能按数值转为 .xlsx（{why}）：各单元格的数值和合并单元格已保留；"
            f"未能保留：公式（计算单元格只有数值）、名称、打印设置，以及{NOT_KEPT}。"]


def typed(read: reader.ReadForm, grid: BookGrid) -> dict[str, object]:
    """What the clerk typed: the value of every input cell of a form, by field key."""
    plan = layout.plan_workbook(read.instance)
    inputs = {cp.field for sheet in plan.sheets for cp in sheet.cells if cp.role == "input" and cp.field}
    return {key: grid.sheet(s).get(r, c) for key, (s, r, c) in read.cells.items() if key in inputs}


def _one_form(grid: BookGrid):
    try:
        forms = reader.read_book(grid)
    except reader.ReadError:
        return None
    return forms[0] if len(forms) == 1 else None


def _count(grid: BookGrid) -> int:
    try:
        return len(reader.read_book(grid))
    except reader.ReadError:
        return 0


def _write(target, plan, sheets) -> None:
    """The template's workbook (when a plan is given) plus sheets as values; numbers written exactly."""
    from xltool.io import xlsx

    if plan is not None:
        wb = xlsx.render(plan)
        cached = xlsx.cached_values(plan)
    else:
        wb = xlsx.empty_workbook()
        cached = {}
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        exact = cached.setdefault(ws.title, {})
        for (r, c), value in sheet.cells.items():
            xlsx.set_value(ws.cell(r, c), value)
            if (isinstance(value, Decimal) and value != value.to_integral_value()) or \
                    (isinstance(value, str) and value != value.strip()):
                # openpyxl writes 16 digits and drops a lone space; the patcher writes both exactly
                exact[a1(r, c)] = value
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if sheet.hidden:
            ws.sheet_state = "hidden"
    if plan is not None and layout.META_SHEET in wb.sheetnames:   # xltool's own sheet stays last
        wb.move_sheet(layout.META_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(layout.META_SHEET))
    xlsx.save_atomic(wb, target, {k: v for k, v in cached.items() if v})
