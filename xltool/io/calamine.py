"""The python-calamine adapter: a fast, values-only BookGrid (check-only runs, legacy .xls)."""
from __future__ import annotations

import io
import os
import re
import zipfile
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
        try:
            wb = pc.CalamineWorkbook.from_path(str(path))
        except Exception as exc:
            if "macrosheet" not in str(exc).lower() and "dialogsheet" not in str(exc).lower():
                raise
            wb = pc.CalamineWorkbook.from_filelike(_without_macro_sheets(path))
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


def _without_macro_sheets(path: Path) -> io.BytesIO:
    """The package with its XLM macro sheets and dialog sheets left out of the sheet list (calamine reads
    worksheets only; the sheets themselves stay in the file, and write-back keeps them byte for byte)."""
    with zipfile.ZipFile(path) as zf:
        parts = {info: zf.read(info) for info in zf.infolist()}
    rels = next(data for info, data in parts.items() if info.filename == "xl/_rels/workbook.xml.rels").decode()
    skip = set()
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        a = dict(re.findall(r'([\w:]+)="([^"]*)"', tag))
        if re.search(r"macrosheet|dialogsheet", a.get("Type", ""), re.I):
            skip.add(a.get("Id"))

    def keep(m):
        ids = {v for k, v in re.findall(r'([\w:]+)="([^"]*)"', m.group(0).decode()) if k.endswith(":id")}
        return b"" if ids & skip else m.group(0)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheet\b[^>]*?/>", keep, data)
            zf.writestr(info, data)
    out.seek(0)
    return out
