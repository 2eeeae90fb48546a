"""The python-calamine adapter: a fast, values-only BookGrid (check-only runs, legacy .xls)."""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from xltool.io import safety
from xltool.core.grid import BookGrid, SheetGrid
from xltool.io.numfmt import read_formats


def read_grid_fast(path: str | os.PathLike) -> BookGrid:
    path = Path(path)
    if path.suffix.lower() != ".xls":
        safety.precheck(path)
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:   # calamine's errors: a corrupt or unsupported file
        raise safety.UnsafeWorkbook(f"{path}：无法读取工作簿（{exc}）") from exc
    formats = {} if path.suffix.lower() == ".xls" else read_formats(path)
    hidden = {m.name for m in wb.sheets_metadata if str(m.visible).split(".")[-1] != "Visible"}
    sheets = []
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        r0, c0 = sheet.start or (0, 0)
        cells = {}
        for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=r0 + 1):
            for c, value in enumerate(row, start=c0 + 1):
                if value is None or value == "":
                    continue
                if isinstance(value, float):
                    value = Decimal(repr(value))
                    if value == value.to_integral():
                        value = value.quantize(Decimal(1))
                cells[(r, c)] = value
        merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
        sheets.append(SheetGrid(name, cells, merges, name in hidden, formats.get(name, {})))
    return BookGrid(sheets, {}, path.name)
