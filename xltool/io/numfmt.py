"""Which cells of an xlsx package carry a percent (or date) number format, and which a formula.

Read cheaply beside calamine's value read: ``xl/styles.xml`` gives the
``cellXfs`` whose ``numFmtId`` is a percent or date format; only when a
workbook has such formats are its sheet parts scanned, and then only for the
``s="…"`` attribute of each ``<c>`` (no XML tree is built). The parts are scanned as bytes, not
decoded (the text decides only where a tag is not ASCII). Typing ``95%`` in
Excel, WPS or LibreOffice stores 0.95 with such a format, so the reader needs
it to read 95 %, not 0.95 %.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from functools import lru_cache
from html import unescape

from xltool.core.cellref import parse_a1
from xltool.core.grid import DATE, PERCENT

_PERCENT_BUILTIN = {9, 10}
_DATE_BUILTIN = {14, 15, 16, 17, 22}      # 18–21 and 45–47 are times of day / durations, not dates
_TIME_PARTS = re.compile(r"AM/PM|A/P|h+\W*m+|m+\W*s+", re.I)   # minutes sit next to hours or seconds


def format_kind(fmt_id: int, code: str) -> str | None:
    """PERCENT, DATE or None for a number format (built-in id, or its format code). The same answer
    from the id (the file path) and from the code Excel reports for it (the desktop path): a time of
    day or a duration (``h:mm``, ``[h]:mm:ss``) is not a date."""
    if fmt_id in _PERCENT_BUILTIN:
        return PERCENT
    if fmt_id in _DATE_BUILTIN:
        return DATE
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code or "")
    if "%" in bare:
        return PERCENT
    first = bare.split(";")[0]
    if re.search(r"[yYdDmM]", _TIME_PARTS.sub("", first)) and not re.search(r"[0#?]", first):
        return DATE
    return None


@lru_cache(maxsize=64)
def style_kinds(styles: str) -> dict[int, str]:
    """cellXfs index → PERCENT / DATE, for the formats that are one of them (parsed once per styles part:
    workbooks made from one template share it; callers must not change the dict)."""
    codes = {int(m.group(1)): unescape(m.group(2))
             for m in re.finditer(r'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', styles)}
    block = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
    out = {}
    for n, xf in enumerate(re.findall(r"<xf\b[^>]*", block.group(1) if block else "")):
        m = re.search(r'numFmtId="(\d+)"', xf)
        fmt_id = int(m.group(1)) if m else 0
        kind = format_kind(fmt_id, codes.get(fmt_id, ""))
        if kind:
            out[n] = kind
    return out


def _sheet_parts(zf) -> dict[str, str]:
    """Sheet name → part name; ``zf``: an open package, or anything with its ``read(name)``."""
    return _parts_of(zf.read("xl/workbook.xml").decode("utf-8"), zf.read("xl/_rels/workbook.xml.rels").decode("utf-8"))


@lru_cache(maxsize=64)
def _parts_of(book: str, rels: str) -> dict[str, str]:
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            t = target.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    out = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'\b(?:\w+:)?id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            out[unescape(name.group(1))] = targets[rid.group(1)]
    return out


_REF = re.compile(r'\br="([A-Z]+\d+)"')
_STYLE = re.compile(r'\bs="(\d+)"')


_cell = lru_cache(maxsize=8192)(parse_a1)   # the same few hundred coordinates in every workbook


def _formula_cells(xml: str) -> set[tuple[int, int]]:
    """The cells whose content (up to their ``</c>``) holds an ``<f``, found from each ``<f`` back to the
    ``<c`` tag it is in (a sheet has far fewer formulas than cells)."""
    out = set()
    find, rfind = xml.find, xml.rfind
    at = find("<f")
    while at >= 0:
        start = rfind("<c", 0, at)
        while start >= 0:
            after = xml[start + 2:start + 3]
            if not (after.isalnum() or after == "_"):
                break
            start = rfind("<c", 0, start)     # <cols>, <cfRule>: not a cell
        if start >= 0:
            end = find(">", start, at)
            if end >= 0 and xml[end - 1] != "/" and find("</c>", end, at) < 0:
                cell = _tag_cell(xml[start:end])
                if cell is not None:
                    out.add(cell)
        at = find("<f", at + 2)
    return out


# On the part's bytes reversed, one match per "<f" (its "f<"; the rest is looked at ahead, so that every "<f"
# gets its own match): group 1, what lies between the "<f" and the last "<" before it; when that "<" does
# not open a cell (it is followed by "c" and then no letter, digit or "_": "<c " or "<c>", not "<cols" or
# "<cfRule"), group 2 runs on back to the "<" that does, which is the "<c" ``_formula_cells`` goes back to.
_F_BACK = re.compile(rb"f<(?=([^<]*+)<(?:(?<=[^\w]c<)|((?:[^<]*+<(?<![^\w]c<))*+[^<]*+<(?<=[^\w]c<))))")
_TEXT = object()   # the bytes cannot decide: a tag, or the character after its "<c", is not ASCII


def _settle(seg: bytes, back: bytes):
    """The cell one "<f" makes a formula cell (or None), from what ``_F_BACK`` saw before it, exactly as
    ``_formula_cells`` decides on the text; ``_TEXT`` when only the text can tell (on bytes ``\\w`` and
    ``\\b`` know no letters beyond ASCII)."""
    before = (back[::-1] + b"<" if back else b"<") + seg[::-1]   # from its "<c" up to the "<f"
    if len(before) > 2 and before[2] > 127:
        return _TEXT
    end = before.find(b">")
    if end < 0 or before[end - 1] == 47 or before.find(b"</c>", end) >= 0:   # 47: "/", a closed cell
        return None
    tag = before[:end]
    if not tag.isascii():
        return _TEXT
    ref = _REF_B.search(tag)
    return _cell(ref.group(1).decode()) if ref else None


class _Settled(dict):
    """What ``_settle`` said per ``_F_BACK`` match: the same few tags before the "<f" in every workbook made
    from one template (at most 4096 of at most 1 KB; a longer stretch back is worked out each time)."""

    def __missing__(self, key):
        cell = _settle(*key)
        if len(key[0]) + len(key[1]) <= 1024:
            if len(self) >= 4096:
                self.clear()
            self[key] = cell
        return cell


_settled = _Settled()


def _formula_cells_bytes(data: bytes) -> set[tuple[int, int]] | None:
    """``_formula_cells`` on the part's bytes, without decoding it (one C-level scan instead of a Python
    step per "<f"); None when a tag is not ASCII where it matters (then the text decides)."""
    found = {_settled[key] for key in _F_BACK.findall(data[::-1])}
    if _TEXT in found:
        return None
    found.discard(None)
    return found


def formula_cells(data: bytes) -> set[tuple[int, int]]:
    """``_formula_cells`` of a sheet part (UTF-8 bytes): on the bytes, or on the text where they cannot tell."""
    found = _formula_cells_bytes(data)
    return _formula_cells(data.decode("utf-8")) if found is None else found


@lru_cache(maxsize=8192)
def _tag_cell(tag: str) -> tuple[int, int] | None:
    """The cell an opening ``<c …`` tag (up to its ``>``) names by its first ``r="…"``; the same few hundred
    tags in every workbook made from one template."""
    ref = _REF.search(tag)
    return _cell(ref.group(1)) if ref else None


_REF_B, _STYLE_B = re.compile(_REF.pattern.encode()), re.compile(_STYLE.pattern.encode())


@lru_cache(maxsize=8192)
def _styled_tag(tag: bytes, head: bytes, styled: re.Pattern) -> tuple[str | None, int | None]:
    """(ref text, style index) of a styled tag found on bytes (its group 1: ``head``), as ``_styled_parts``
    reads them; worked out once per distinct tag (the same few in every workbook made from one template)."""
    ref, style = _styled_parts(tag, head, styled)
    text = ref.group(1) if ref else None
    return (text.decode() if isinstance(text, bytes) else text), (int(style.group(1)) if style is not None else None)


def _styled_parts(tag: bytes, head: bytes, styled: re.Pattern):
    """(ref match, style match) of a styled tag found on bytes, exactly as on the text: an ASCII tag reads
    the same either way; any other is matched again as text (None, None when the text pattern disagrees)."""
    if tag.isascii():
        return _REF_B.search(head), _STYLE_B.search(head)
    again = styled.fullmatch(tag.decode("utf-8"))
    if again is None:
        return None, None
    head = again.group(1)
    return _REF.search(head), _STYLE.search(head)


@lru_cache(maxsize=64)
def _styled(ids: tuple[int, ...]) -> re.Pattern:
    """The opening tags of cells carrying one of the cellXfs indexes ``ids`` (group 1: the attributes)."""
    return re.compile(r'<c\b([^>]*?\bs="(?:%s)"[^>]*?)/?>' % "|".join(map(str, ids)))


@lru_cache(maxsize=64)
def _style_attrs(ids: tuple[int, ...]) -> re.Pattern:
    """The ``s="…"`` attributes ``_styled(ids)`` looks for, on bytes: a literal start, so the scan skips ahead."""
    return re.compile(rb's="(?:%s)"' % "|".join(map(str, ids)).encode())


_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")   # \w on bytes


def _styled_tags(data: bytes, ids: tuple[int, ...]):
    """(whole tag, attributes) of each match of ``_styled(ids)``'s pattern on ``data``'s bytes,
    in order, found from the rare ``s="…"`` with a wanted index back to the tag it is in instead of trying
    the pattern at every ``<c``. A match is the first ``<c`` not followed by a word character after the
    ``>`` before such an attribute (preceded by a non-word character), up to the first ``>`` after it."""
    find, rfind = data.find, data.rfind
    last = -1
    for m in _style_attrs(ids).finditer(data):
        at = m.start()
        if at and data[at - 1] in _WORD:
            continue
        end = find(b">", m.end())
        if end < 0:
            break
        start = find(b"<c", rfind(b">", 0, at) + 1, at)
        while start >= 0 and data[start + 2] in _WORD:
            start = find(b"<c", start + 1, at)
        if start < 0 or start == last:
            continue
        last = start
        yield data[start:end + 1], data[start + 2:end - 1 if data[end - 1] == 47 else end]


class _Package:
    """The package's parts: from ``parts`` (what ``safety.precheck(keep=True)`` read already) where
    there, else from the zip, opened only when a part is not there."""

    def __init__(self, path, parts):
        self.path, self.parts, self.zf = path, parts, None

    def read(self, name: str) -> bytes:
        data = self.parts.get(name) if self.parts is not None else None
        if data is None:
            if self.zf is None:
                self.zf = zipfile.ZipFile(self.path)
            data = self.zf.read(name)
        return data

    def names(self) -> set[str]:
        if self.parts is not None:
            return self.parts.names
        self.zf = zipfile.ZipFile(self.path) if self.zf is None else self.zf
        return set(self.zf.namelist())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.zf is not None:
            self.zf.close()


def read_formats(path, parts=None) -> dict[str, tuple[dict[tuple[int, int], str], set[tuple[int, int]]]]:
    """Sheet name → ({(row, col): PERCENT / DATE}, {formula cells}).

    Only the cells that matter are looked at one by one: those whose style is a percent or date
    format and those holding a formula; the scan for them is one regular expression per sheet.
    ``parts``: the parts ``safety.precheck(keep=True)`` read (``safety.Parts``), used instead of
    reading them again. Anything unexpected (a legacy .xls, a strict or odd package) gives {}: the
    formats are an aid to reading, never a reason to refuse a workbook.
    """
    try:
        with _Package(path, parts) as zf:
            names = zf.names()
            kinds = style_kinds(zf.read("xl/styles.xml").decode("utf-8")) if "xl/styles.xml" in names else {}
            ids = tuple(sorted(kinds))
            styled = _styled(ids) if kinds else None
            out = {}
            for sheet, part in _sheet_parts(zf).items():
                if part not in names:
                    continue
                data = zf.read(part)
                if not data.isascii():
                    data.decode("utf-8")   # a part that is not UTF-8 gives {}, as it always did
                cells = {}
                if styled is not None:
                    for tag, head in _styled_tags(data, ids):
                        ref, style = _styled_tag(tag, head, styled)
                        kind = kinds.get(style) if style is not None else None
                        if ref and kind:
                            cells[_cell(ref)] = kind
                out[sheet] = (cells, formula_cells(data))
            return out
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, OSError):
        return {}
