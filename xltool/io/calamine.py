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


def read_grid_fast(path: str | os.PathLike, data: bytes | None = None) -> BookGrid:
    """The workbook at path, read from ``data`` (its bytes, read once by the caller) or from the file.

    The bytes pass ``safety.precheck`` (limits, .xls records included) before calamine sees them."""
    path = path if isinstance(path, Path) else Path(path)
    if data is None:
        data = safety.read_bytes(path)
    parts = safety.precheck(path, data, keep=True)   # the parts it read whole serve read_formats too
    import python_calamine as pc

    try:
        try:
            wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception:   # from bytes calamine reports XLM macro / dialog sheets as "cannot detect"
            if data[:2] != b"PK":
                raise
            try:
                stripped = _without_macro_sheets(data)
            except Exception:
                stripped = None
            if stripped is None:
                raise
            wb = pc.CalamineWorkbook.from_filelike(stripped)
    except Exception as exc:   # calamine's errors: a corrupt or unsupported file
        raise safety.UnsafeWorkbook(f"{path}：无法读取工作簿（{exc}）") from exc
    formats = {} if path.suffix.lower() == ".xls" else read_formats(io.BytesIO(data), parts)
    hidden = {m.name for m in wb.sheets_metadata if str(m.visible).split(".")[-1] != "Visible"}
    sheets = []
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        cells = {(r, c): value for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1)
                 for c, value in enumerate(row, start=1)   # full-area rows start at A1
                 if value is not None and value != ""}
        for rc in [rc for rc, value in cells.items() if isinstance(value, float)]:
            cells[rc] = exact_decimal(cells[rc])
        merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
        kinds, formulas = formats.get(name, ({}, None))
        sheets.append(SheetGrid(name, cells, merges, name in hidden, kinds, formulas))
    return BookGrid(sheets, {}, path.name)


def exact_decimal(value: float) -> Decimal:
    """A float calamine read as ``Decimal(repr(value))``, a whole number quantized to an exponent of 0.
    Most figures are whole: below 1e16 (where repr still writes "123.0") that is ``Decimal(int(value))``,
    without the text and the quantize; zero (-0.0 keeps its sign) and the rest the plain way."""
    if value.is_integer() and 0 < abs(value) < 1e16:
        return Decimal(int(value))
    out = Decimal(repr(value))
    return out.quantize(Decimal(1)) if out == out.to_integral() else out


def _without_macro_sheets(data: bytes) -> io.BytesIO:
    """The package with its XLM macro sheets and dialog sheets left out of the sheet list (calamine reads
    worksheets only; the sheets themselves stay in the file, and write-back keeps them byte for byte)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
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
