"""The python-calamine adapter: a fast, values-only BookGrid (check-only runs, legacy .xls)."""
from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

from xltool.io import safety
from xltool.core.grid import BookGrid, SheetGrid


def read_grid_fast(path: str | os.PathLike, data: bytes | None = None) -> BookGrid:
    """The workbook at path, read from ``data`` (its bytes, read once by the caller) or from the file.

    The bytes pass ``safety.precheck`` (limits, .xls records included) before calamine sees them."""
    path = Path(path)
    if data is None:
        data = safety.read_bytes(path)
    safety.precheck(path, data)
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:   # calamine's errors: a corrupt or unsupported file
        raise safety.UnsafeWorkbook(f"{path}：无法读取工作簿（{exc}）") from exc
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
        sheets.append(SheetGrid(name, cells, merges, name in hidden))
    return BookGrid(sheets, {}, path.name)
