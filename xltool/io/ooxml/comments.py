"""Cell notes (legacy comments) of one sheet: the comments part plus its VML drawing.

Existing notes are kept as they are (rich text included) unless xltool changes
that very cell; a new note gets a VML shape so that Excel shows it on hover.
"""
from __future__ import annotations

import re
from html import unescape

from xltool.io.ooxml.package import (CT_COMMENTS, CT_VML, NS_MAIN, REL_COMMENTS, REL_THREADED, REL_VML, XML_HEAD,
                                  Package, Unsupported, attrs, xml_text)
from xltool.io.ooxml.sheet import SheetPart, parse_ref

_COMMENT = re.compile(r"<comment\b([^>]*)>(.*?)</comment>", re.S)
_SHAPE = re.compile(r"<v:shape\b(?:(?!<v:shape\b).)*?</v:shape>", re.S)
_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel">'
             '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
             '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype></xml>')


def _plain(body: str) -> str:
    return "".join(unescape(t) for t in re.findall(r"<t\b[^>]*>(.*?)</t>", body, re.S))


class SheetNotes:
    """The notes of one sheet: ``get``/``put``/``remove`` by cell reference, then ``save``."""

    def __init__(self, package: Package, sheet_part: str):
        self.package, self.sheet_part = package, sheet_part
        rels = package.rels(sheet_part)
        self.comments_part = next((r["Part"] for r in rels if r.get("Type") == REL_COMMENTS), None)
        self.vml_part = next((r["Part"] for r in rels if r.get("Type") == REL_VML), None)
        self.threaded: set[str] = set()
        for rel in rels:
            if rel.get("Type") == REL_THREADED and package.has(rel.get("Part", "")):
                self.threaded |= {attrs(t)["ref"] for t in re.findall(r"<threadedComment\b[^>]*>", package.text(rel["Part"]))}
        self.authors: list[str] = []
        self.items: dict[str, str] = {}      # ref → the <comment> element
        if self.comments_part and package.has(self.comments_part):
            text = package.text(self.comments_part)
            self.authors = [unescape(a) for a in re.findall(r"<author>(.*?)</author>", text, re.S)]
            for m in _COMMENT.finditer(text):
                self.items[attrs(f"<c{m.group(1)}>")["ref"]] = m.group(0)
        self.added: set[str] = set()
        self.removed: set[str] = set()
        self.dirty = False

    def get(self, ref: str) -> tuple[str, str] | None:
        """(text, author) of the note on a cell."""
        item = self.items.get(ref)
        if item is None:
            return None
        author_id = int(attrs(item[:item.find(">") + 1]).get("authorId", 0))
        author = self.authors[author_id] if author_id < len(self.authors) else ""
        return _plain(item), author

    def refs(self) -> list[str]:
        return list(self.items)

    def put(self, ref: str, text: str, author: str) -> bool:
        """Set a note; False (nothing done) on a cell holding a threaded comment, which Excel owns."""
        if ref in self.threaded:
            return False
        if author not in self.authors:
            self.authors.append(author)
        if ref not in self.items:
            self.added.add(ref)
        self.removed.discard(ref)
        self.dirty = True
        space = ' xml:space="preserve"' if "\n" in text or text != text.strip() else ""
        self.items[ref] = (f'<comment ref="{ref}" authorId="{self.authors.index(author)}"><text>'
                           f"<t{space}>{xml_text(text)}</t></text></comment>")
        return True

    def remove(self, ref: str) -> None:
        if ref in self.items and ref not in self.threaded:
            del self.items[ref]
            self.dirty = True
            if ref in self.added:
                self.added.discard(ref)
            else:
                self.removed.add(ref)

    def save(self, sheet: SheetPart, sizes: dict[str, tuple[int, int]]) -> None:
        """Write the comments part and VML back (creating them and their links when new)."""
        if not self.dirty:
            return
        package = self.package
        if not self.comments_part:
            self.comments_part = package.free_name("xl/comments{}.xml")
            package.add_rel(self.sheet_part, REL_COMMENTS, self.comments_part)
            package.content_type(self.comments_part, CT_COMMENTS)
        authors = "".join(f"<author>{xml_text(a)}</author>" for a in self.authors)
        package.put(self.comments_part, f'{XML_HEAD}<comments xmlns="{NS_MAIN}"><authors>{authors}</authors>'
                                        f'<commentList>{"".join(self.items.values())}</commentList></comments>')
        self._save_vml(sheet, sizes)

    def _save_vml(self, sheet: SheetPart, sizes) -> None:
        package = self.package
        if self.vml_part and package.has(self.vml_part):
            vml = package.text(self.vml_part)
        else:
            if not self.vml_part:
                self.vml_part = package.free_name("xl/drawings/vmlDrawing{}.vml")
                rid = package.add_rel(self.sheet_part, REL_VML, self.vml_part)
                if sheet.has_element("legacyDrawing"):
                    raise Unsupported("a legacy drawing without its part")
                sheet.legacy_drawing = rid
                package.default_type("vml", CT_VML)
            vml = _VML_HEAD.format(block=_free_block(package))
        removed = {parse_ref(ref) for ref in self.removed}
        vml = _SHAPE.sub(lambda m: "" if _shape_cell(m.group(0)) in removed else m.group(0), vml)
        next_id = max((int(n) for n in re.findall(r'id="_x0000_s(\d+)"', vml)),
                      default=_block_of(vml) * 1024) + 1
        shapes = []
        for ref in sorted(self.added):
            r, c = parse_ref(ref)
            width, height = sizes.get(ref, (240, 120))
            shapes.append(_shape(next_id, r, c, width, height))
            next_id += 1
        at = vml.rfind("</xml>")
        package.put(self.vml_part, vml[:at] + "".join(shapes) + vml[at:])


def _shape_cell(shape: str) -> tuple[int, int] | None:
    if 'ObjectType="Note"' not in shape:
        return None
    row = re.search(r"<x:Row>\s*(\d+)\s*</x:Row>", shape)
    col = re.search(r"<x:Column>\s*(\d+)\s*</x:Column>", shape)
    return (int(row.group(1)) + 1, int(col.group(1)) + 1) if row and col else None


def _block_of(vml: str) -> int:
    m = re.search(r'<o:idmap\b[^>]*\bdata="(\d+)', vml)
    return int(m.group(1)) if m else 1


def _free_block(package: Package) -> int:
    used = [_block_of(package.text(n)) for n in package.parts if n.endswith(".vml")]
    return max(used, default=0) + 1


def _shape(shape_id: int, r: int, c: int, width: int, height: int) -> str:
    anchor = f"{c}, 15, {max(r - 2, 0)}, 2, {c + 3}, 15, {max(r - 2, 0) + max(height // 20, 4)}, 2"
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
            f'margin-top:2pt;width:{width}pt;height:{height}pt;z-index:{shape_id % 1024};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>")

