"""Graft a form into a real workbook written by other software (tests only).

The form's sheet (values only, as any reader sees it) becomes a new worksheet part of the real
package, written with inline strings and no styles, so nothing of the real file's own parts
(sheets, images, charts, pivot tables, shared strings, styles) is changed: only workbook.xml,
its relationships and [Content_Types].xml gain an entry.
"""
from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from xltool.core.cellref import a1
from xltool.core.grid import SheetGrid

WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CHANGED = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")


def sheet_xml(sheet: SheetGrid) -> str:
    rows = {}
    for (r, c), value in sorted(sheet.cells.items()):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            cell = f'<c r="{a1(r, c)}"><v>{value}</v></c>'
        else:
            cell = f'<c r="{a1(r, c)}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
        rows.setdefault(r, []).append(cell)
    data = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()))
    merges = "".join(f'<mergeCell ref="{a1(r1, c1)}:{a1(r2, c2)}"/>' for r1, c1, r2, c2 in sheet.merges)
    merges = f'<mergeCells count="{len(sheet.merges)}">{merges}</mergeCells>' if sheet.merges else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{data}</sheetData>{merges}</worksheet>')


def graft(real: Path, sheet: SheetGrid, out: Path) -> Path:
    """real + the form sheet as its last worksheet → out."""
    with zipfile.ZipFile(real) as zin:
        names = zin.namelist()
        parts = {name: zin.read(name) for name in names}
    part = next(f"xl/worksheets/xltool_form{i}.xml" for i in range(1, 100) if f"xl/worksheets/xltool_form{i}.xml" not in parts)
    rid = "rIdXltoolForm"
    book = parts["xl/workbook.xml"].decode("utf-8")
    ids = [int(x) for x in re.findall(r'sheetId="(\d+)"', book)]
    prefix = re.search(r"xmlns:(\w+)=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"", book).group(1)
    entry = f'<sheet name="{escape(sheet.name)}" sheetId="{max(ids) + 1}" {prefix}:id="{rid}"/>'
    parts["xl/workbook.xml"] = book.replace("</sheets>", entry + "</sheets>", 1).encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rel = f'<Relationship Id="{rid}" Type="{WORKSHEET}" Target="{part[len("xl/"):]}"/>'
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", rel + "</Relationships>", 1).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/{part}" ContentType="{WORKSHEET_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>", 1).encode("utf-8")
    parts[part] = sheet_xml(sheet).encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in [*names, part]:
            zout.writestr(name, parts[name])
    return out
