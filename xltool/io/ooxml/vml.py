"""The VML drawing that shows a sheet's notes: the part the sheet's ``<legacyDrawing>`` names.

Never the header/footer part (``<legacyDrawingHF>``), which holds the header
picture: a sheet without its own legacy drawing gets a new part. After a
write-back there is exactly one note shape per note: shapes of notes xltool
wrote are drawn afresh, shapes whose note is gone are taken out, and new
shapes use the prefixes the part itself declares (openpyxl writes ``ns0:``…).
"""
from __future__ import annotations

import re

from xltool.io.ooxml.package import CT_VML, REL_VML, Package, Unsupported, attrs

NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"
_NEW_PART = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel">'
             '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout></xml>')


class NoteDrawing:
    def __init__(self, package: Package, sheet_part: str, sheet):
        self.package, self.sheet_part, self.sheet = package, sheet_part, sheet
        m = re.search(r"<legacyDrawing\b[^>]*?/?>", sheet.text)
        self.part = None
        if m:
            rid = next((v for k, v in attrs(m.group(0)).items() if k.endswith(":id")), None)
            self.part = next((r.get("Part") for r in package.rels(sheet_part) if r.get("Id") == rid), None)
            if not self.part or not package.has(self.part):
                raise Unsupported("a legacy drawing without its part")

    def save(self, notes: set[tuple[int, int]], redraw: set[tuple[int, int]], sizes: dict) -> None:
        """Leave one shape per note cell: ``redraw`` cells get a fresh shape (sized from ``sizes``)."""
        package = self.package
        if self.part is None:
            if not notes:
                return
            self.part = package.free_name("xl/drawings/vmlDrawing{}.vml")
            package.put(self.part, _NEW_PART.format(block=_free_block(package)))
            self.sheet.legacy_drawing = package.add_rel(self.sheet_part, REL_VML, self.part)
            package.default_type("vml", CT_VML)
        text = package.text(self.part)
        text, p = _prefixes(text)
        seen = set()

        def keep(m):
            cell = _shape_cell(m.group(0))
            if cell is None:
                return m.group(0)
            if cell not in notes or cell in redraw or cell in seen:
                return ""
            seen.add(cell)
            return m.group(0)

        text = _SHAPE.sub(keep, text)
        missing = sorted(notes - seen)
        if missing:
            if 'id="_x0000_t202"' not in text:
                missing_type = _SHAPETYPE.format(**p)
            else:
                missing_type = ""
            next_id = max((int(n) for n in re.findall(r'id="_x0000_s(\d+)"', text)),
                          default=_block_of(text) * 1024) + 1
            shapes = []
            for r, c in missing:
                width, height = sizes.get((r, c), (240, 120))
                shapes.append(_shape(p, next_id, r, c, width, height))
                next_id += 1
            at = text.rfind("</xml>")
            if at < 0:
                raise Unsupported("VML part without </xml>")
            text = text[:at] + missing_type + "".join(shapes) + text[at:]
        package.put(self.part, text)


def _prefixes(text: str) -> tuple[str, dict[str, str]]:
    """The prefixes (with their colon) the root declares for v, o and x; missing ones are declared."""
    m = re.search(r"<xml\b[^>]*>", text)
    if not m:
        raise Unsupported("VML part without an <xml> root")
    root = m.group(0)
    declared = {uri: prefix for prefix, uri in re.findall(r'xmlns:([\w.-]+)\s*=\s*"([^"]*)"', root)}
    out, add = {}, ""
    for key, uri in (("v", NS_V), ("o", NS_O), ("x", NS_X)):
        if uri in declared:
            out[key] = declared[uri] + ":"
        else:
            prefix = key if key not in declared.values() else f"xlt{key}"
            add += f' xmlns:{prefix}="{uri}"'
            out[key] = prefix + ":"
    if add:
        at = m.end() - (2 if root.endswith("/>") else 1)
        text = text[:at] + add + text[at:]
    return text, out


# a shape under any prefix: openpyxl may declare the VML namespace again on each element (ns0:, ns1:…)
_SHAPE = re.compile(r"<([\w.-]+):shape\b(?:(?!<[\w.-]+:shape\b).)*?</\1:shape>", re.S)


def _shape_cell(shape: str) -> tuple[int, int] | None:
    if 'ObjectType="Note"' not in shape:
        return None
    row = re.search(r"<(?:[\w.-]+:)?Row>\s*(\d+)\s*</(?:[\w.-]+:)?Row>", shape)
    col = re.search(r"<(?:[\w.-]+:)?Column>\s*(\d+)\s*</(?:[\w.-]+:)?Column>", shape)
    return (int(row.group(1)) + 1, int(col.group(1)) + 1) if row and col else None


def _block_of(text: str) -> int:
    m = re.search(r'<[\w.-]+:idmap\b[^>]*\bdata="(\d+)', text)
    return int(m.group(1)) if m else 1


def _free_block(package: Package) -> int:
    used = [_block_of(package.text(n)) for n in package.parts if n.endswith(".vml")]
    return max(used, default=0) + 1


_SHAPETYPE = ('<{v}shapetype id="_x0000_t202" coordsize="21600,21600" {o}spt="202" path="m,l,21600r21600,l21600,xe">'
              '<{v}stroke joinstyle="miter"/><{v}path gradientshapeok="t" {o}connecttype="rect"/></{v}shapetype>')


def _shape(p: dict[str, str], shape_id: int, r: int, c: int, width: int, height: int) -> str:
    v, o, x = p["v"], p["o"], p["x"]
    anchor = f"{c}, 15, {max(r - 2, 0)}, 2, {c + 3}, 15, {max(r - 2, 0) + max(height // 20, 4)}, 2"
    return (f'<{v}shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
            f'margin-top:2pt;width:{width}pt;height:{height}pt;z-index:{shape_id % 1024};visibility:hidden" '
            f'fillcolor="#ffffe1" {o}insetmode="auto"><{v}fill color2="#ffffe1"/>'
            f'<{v}shadow on="t" color="black" obscured="t"/><{v}path {o}connecttype="none"/>'
            f'<{v}textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></{v}textbox>'
            f'<{x}ClientData ObjectType="Note"><{x}MoveWithCells/><{x}SizeWithCells/>'
            f"<{x}Anchor>{anchor}</{x}Anchor><{x}AutoFill>False</{x}AutoFill>"
            f"<{x}Row>{r - 1}</{x}Row><{x}Column>{c - 1}</{x}Column></{x}ClientData></{v}shape>")
