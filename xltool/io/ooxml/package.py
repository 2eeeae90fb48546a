"""An xlsx package held as its parts: read once, edit a few parts as text, write once.

Only what the write-back patcher needs: parts, relationships, content types and
the workbook's sheet list. Parsing goes through defusedxml; edits are textual so
that every part, namespace declaration and extension we do not touch is kept
byte for byte (an ElementTree round trip would drop unused prefixes that
``mc:Ignorable`` still names, which Excel reports as corruption).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from xltool.io import safety

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_SHEET = f"{NS_REL}/worksheet"
REL_COMMENTS = f"{NS_REL}/comments"
REL_VML = f"{NS_REL}/vmlDrawing"
REL_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Strict OOXML (ISO/IEC 29500 strict) names the same things under other URIs
STRICT = {"http://schemas.openxmlformats.org/spreadsheetml/2006/main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
          NS_REL: "http://purl.oclc.org/ooxml/officeDocument/relationships"}

KEEP = object()   # "leave as it is", for a cell's value or a format's fill
ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')
_REL = re.compile(r"<Relationship\b[^>]*?/?>", re.S)
_SHEET = re.compile(r"<sheet\b[^>]*?/>", re.S)


class Unsupported(Exception):
    """The package uses a form the patcher does not edit (the caller falls back to a full rewrite)."""


def attrs(tag: str) -> dict[str, str]:
    """Attributes of one start tag, values unescaped."""
    return {k: unescape(v) for k, v in ATTR.findall(tag)}


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text: str) -> str:
    """Escape text for element content (and double-quoted attributes); drop XML-illegal characters."""
    text = str(text)
    if text.isalnum() and text.isascii():   # a cell reference, a style index, a number: nothing to escape
        return text
    text = _ILLEGAL.sub("", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;"))   # a raw CR would be read back as LF


@dataclass
class SheetEntry:
    name: str
    sheet_id: int
    rid: str
    part: str
    state: str = "visible"


class Package:
    def __init__(self, path: str | Path):
        with zipfile.ZipFile(path) as zf:
            if not getattr(path, "checked", False):   # bytes already prechecked need no second scan
                safety.check_parts(Path(getattr(path, "name", path)), zf)   # no zip bomb is read into memory
            self.infos = {info.filename: info for info in zf.infolist()}
            self.parts: dict[str, bytes] = {name: zf.read(name) for name in self.infos}
        if "xl/workbook.xml" not in self.parts or "xl/_rels/workbook.xml.rels" not in self.parts:
            raise Unsupported("the workbook part is not xl/workbook.xml")
        book = self.text("xl/workbook.xml")
        if not re.search(r"<workbook\b", book):
            raise Unsupported("workbook.xml uses a namespace prefix")
        self.strict = STRICT[NS_MAIN] in book[:book.find(">", book.find("<workbook")) + 1]
        self.sheets = self._sheet_entries(book)

    # --- parts ---------------------------------------------------------------------
    def text(self, name: str) -> str:
        return self.parts[name].decode("utf-8")

    def has(self, name: str) -> bool:
        return name in self.parts

    def put(self, name: str, text: str) -> None:
        """Set a part's text; in a strict package, what xltool wrote goes into strict namespaces."""
        if self.strict:
            for transitional, strict in STRICT.items():
                text = text.replace(transitional, strict)
        self.parts[name] = text.encode("utf-8")

    def delete(self, name: str) -> None:
        self.parts.pop(name, None)
        self.infos.pop(name, None)

    def free_name(self, pattern: str) -> str:
        """The first unused part name for a pattern such as ``xl/worksheets/sheet{}.xml``
        (part names are case-insensitive: ``Sheet1.xml`` takes ``sheet1.xml``, and its relationships too)."""
        used = {name.lower() for name in self.parts}
        n = 1
        while pattern.format(n).lower() in used or self.rels_name(pattern.format(n)).lower() in used:
            n += 1
        return pattern.format(n)

    # --- relationships ---------------------------------------------------------------
    @staticmethod
    def rels_name(part: str) -> str:
        folder, name = posixpath.split(part)
        return posixpath.join(folder, "_rels", name + ".rels")

    def rels(self, part: str) -> list[dict[str, str]]:
        """Relationships of a part, each with its resolved ``Part`` name (for internal targets)."""
        name = self.rels_name(part)
        if name not in self.parts:
            return []
        out = []
        for tag in _REL.findall(self.text(name)):
            rel = attrs(tag)
            if rel.get("Type", "").startswith(STRICT[NS_REL]):   # read as transitional, written back as strict
                rel["Type"] = NS_REL + rel["Type"][len(STRICT[NS_REL]):]
            if rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                rel["Part"] = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
            out.append(rel)
        return out

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        name = self.rels_name(part)
        text = self.text(name) if name in self.parts else \
            f'{XML_HEAD}<Relationships xmlns="{NS_PKG_REL}"></Relationships>'
        used = {r["Id"] for r in self.rels(part)}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        target = posixpath.relpath(target_part, posixpath.dirname(part))
        tag = f'<Relationship Id="rId{n}" Type="{rel_type}" Target="{xml_text(target)}"/>'
        self.put(name, _insert_before_close(text, "Relationships", tag))
        return f"rId{n}"

    def remove_rel(self, part: str, rid: str) -> None:
        name = self.rels_name(part)
        text = self.text(name)
        text = _REL.sub(lambda m: "" if attrs(m.group(0)).get("Id") == rid else m.group(0), text)
        self.put(name, text)

    # --- content types ---------------------------------------------------------------
    def content_type(self, part: str, ctype: str) -> None:
        name = "[Content_Types].xml"
        text = self.text(name)
        if f'PartName="/{part}"' not in text:
            self.put(name, _insert_before_close(text, "Types", f'<Override PartName="/{part}" ContentType="{ctype}"/>'))

    def default_type(self, ext: str, ctype: str) -> None:
        name = "[Content_Types].xml"
        text = self.text(name)
        if not re.search(rf'<Default\b[^>]*Extension="{ext}"', text, re.I):
            self.put(name, _insert_before_close(text, "Types", f'<Default Extension="{ext}" ContentType="{ctype}"/>'))

    def drop_content_type(self, part: str) -> None:
        name = "[Content_Types].xml"
        self.put(name, re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", self.text(name)))

    # --- sheets ----------------------------------------------------------------------
    def _sheet_entries(self, book: str) -> list[SheetEntry]:
        targets = {r["Id"]: r.get("Part", "") for r in self.rels("xl/workbook.xml")}
        out = []
        for tag in _SHEET.findall(book):
            a = attrs(tag)
            rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), "")
            out.append(SheetEntry(a["name"], int(a.get("sheetId", 0)), rid, targets.get(rid, ""), a.get("state", "visible")))
        return out

    def sheet(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)

    def add_sheet(self, name: str, xml: str, hidden: bool = False) -> SheetEntry:
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.put(part, xml)
        rid = self.add_rel("xl/workbook.xml", REL_SHEET, part)
        self.content_type(part, CT_SHEET)
        sheet_id = max((s.sheet_id for s in self.sheets), default=0) + 1
        state = ' state="hidden"' if hidden else ""
        tag = f'<sheet name="{xml_text(name)}" sheetId="{sheet_id}"{state} r:id="{rid}"/>'
        book = declare_r(self.text("xl/workbook.xml"), "workbook")
        self.put("xl/workbook.xml", _insert_before_close(book, "sheets", tag))
        entry = SheetEntry(name, sheet_id, rid, part, "hidden" if hidden else "visible")
        self.sheets.append(entry)
        return entry

    def remove_sheet(self, name: str) -> None:
        entry = self.sheet(name)
        index = self.sheets.index(entry)
        book = self.text("xl/workbook.xml")
        book = _SHEET.sub(lambda m: "" if attrs(m.group(0)).get("name") == name else m.group(0), book)
        book = _shift_local_ids(book, index)
        count = len(self.sheets) - 1
        book = re.sub(r'\b(activeTab|firstSheet)="(\d+)"',
                      lambda m: f'{m.group(1)}="{min(int(m.group(2)), max(count - 1, 0))}"', book)
        self.put("xl/workbook.xml", book)
        self.remove_rel("xl/workbook.xml", entry.rid)
        for rel in self.rels(entry.part):   # a generated sheet owns nothing shared
            if rel.get("Type") in (REL_COMMENTS, REL_VML) and "Part" in rel:
                self.delete(rel["Part"])
                self.drop_content_type(rel["Part"])
        self.delete(self.rels_name(entry.part))
        self.delete(entry.part)
        self.drop_content_type(entry.part)
        self.sheets.remove(entry)

    def set_defined_name(self, name: str, local_id: int | None, value: str, hidden: bool = False) -> None:
        """Add or replace one defined name (workbook-level when local_id is None)."""
        book = self.text("xl/workbook.xml")
        scope = "" if local_id is None else f' localSheetId="{local_id}"'

        def same(m):
            a = attrs(m.group(0))
            return a.get("name") == name and a.get("localSheetId") == (None if local_id is None else str(local_id))

        book = re.sub(r"<definedName\b[^>]*>.*?</definedName>", lambda m: "" if same(m) else m.group(0), book, flags=re.S)
        flag = ' hidden="1"' if hidden else ""
        tag = f'<definedName name="{name}"{scope}{flag}>{xml_text(value)}</definedName>'
        if re.search(r"<definedNames\s*/>", book):
            book = re.sub(r"<definedNames\s*/>", f"<definedNames>{tag}</definedNames>", book)
        elif "</definedNames>" in book:
            book = book.replace("</definedNames>", tag + "</definedNames>", 1)
        else:
            book = insert_before_first(book, _AFTER_DEFINED_NAMES, f"<definedNames>{tag}</definedNames>")
        self.put("xl/workbook.xml", book)

    def full_calc_on_load(self) -> None:
        book = self.text("xl/workbook.xml")
        m = re.search(r"<calcPr\b[^>]*?/?>", book)
        if m:
            tag = m.group(0)
            new = re.sub(r'\s*fullCalcOnLoad="[^"]*"', "", tag)
            new = re.sub(r"\s*(/?>)$", r' fullCalcOnLoad="1"\1', new)
            book = book.replace(tag, new, 1)
        else:
            book = insert_before_first(book, _AFTER_CALC_PR, '<calcPr calcId="191029" fullCalcOnLoad="1"/>')
        self.put("xl/workbook.xml", book)

    # --- output ----------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the package: parts in their order, each new part stamped like the workbook part, so that
        the same input gives the same bytes (no clock in the output)."""
        book = self.infos.get("xl/workbook.xml")
        stamp = book.date_time if book else (1980, 1, 1, 0, 0, 0)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.parts.items():   # fresh entries: no extra fields carried over
                old = self.infos.get(name)
                info = zipfile.ZipInfo(name, old.date_time if old else stamp)
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


_AFTER_CALC_PR = ("<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr", "<smartTagTypes",
                  "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst", "</workbook>")
_AFTER_DEFINED_NAMES = ("<calcPr", *_AFTER_CALC_PR)


def insert_before_first(text: str, markers, insert: str) -> str:
    """Insert before the first of several markers present (schema order of following siblings)."""
    positions = [p for p in (text.find(m) for m in markers) if p >= 0]
    if not positions:
        raise Unsupported(f"no place to insert {insert[:30]}")
    at = min(positions)
    return text[:at] + insert + text[at:]


def declare_r(text: str, root: str) -> str:
    """Make sure the root element declares the ``r:`` (relationships) prefix."""
    start = text.find(f"<{root}")
    end = text.find(">", start)
    if start < 0:
        raise Unsupported(f"no <{root}>")
    if "xmlns:r=" in text[start:end]:
        return text
    at = end - 1 if text[end - 1] == "/" else end
    return text[:at] + f' xmlns:r="{NS_REL}"' + text[at:]


def _insert_before_close(text: str, element: str, insert: str) -> str:
    empty = re.search(rf"<{element}\b([^>]*?)\s*/>", text)
    if empty:
        return text[:empty.start()] + f"<{element}{empty.group(1)}>{insert}</{element}>" + text[empty.end():]
    at = text.rfind(f"</{element}>")
    if at < 0:
        raise Unsupported(f"no </{element}>")
    return text[:at] + insert + text[at:]


def _shift_local_ids(book: str, removed: int) -> str:
    """Defined names scoped to the removed sheet go; later sheets' scopes move down by one."""
    def fix(m):
        tag = m.group(0)
        local = attrs(tag[:tag.find(">") + 1]).get("localSheetId")
        if local is None:
            return tag
        if int(local) == removed:
            return ""
        if int(local) > removed:
            return tag.replace(f'localSheetId="{local}"', f'localSheetId="{int(local) - 1}"', 1)
        return tag
    return re.sub(r"<definedName\b[^>]*>.*?</definedName>", fix, book, flags=re.S)
