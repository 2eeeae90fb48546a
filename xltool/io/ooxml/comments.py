"""Cell notes (legacy comments) of one sheet: the comments part plus its VML drawing.

The comments part is edited in place: its root element (namespace declarations,
``mc:Ignorable``), every note xltool does not change and each note's own
attributes (``xr:uid``, ``shapeId``) stay as they were. xltool's text joins a
clerk's note as one more run after the clerk's runs, so a rich-text note stays
rich, and taking xltool's run out again gives back the clerk's element exactly.
The shapes live in the sheet's own ``legacyDrawing`` VML part (``vml.py``).
"""
from __future__ import annotations

import re
from html import unescape

from xltool.io.ooxml import vml
from xltool.io.ooxml.package import (CT_COMMENTS, NS_MAIN, REL_COMMENTS, REL_THREADED, XML_HEAD, Package, attrs,
                                     xml_text)
from xltool.io.ooxml.sheet import SheetPart, parse_ref

_COMMENT = re.compile(r"<comment\b([^>]*)>(.*?)</comment>", re.S)
_RUN = re.compile(r"<r>(?:(?!</r>).)*</r>", re.S)
OUR_RUN = "—— xltool ——"   # the separator marks.note_text puts between a clerk's note and xltool's


def _plain(body: str) -> str:
    body = re.sub(r"<rPh\b.*?</rPh>", "", body, flags=re.S)
    return "".join(unescape(t) for t in re.findall(r"<t\b[^>]*>(.*?)</t>", body, re.S))


def _with_attr(element: str, name: str, value: str) -> str:
    end = element.find(">")
    head = element[:end]
    if re.search(rf'\s{name}="[^"]*"', head):
        head = re.sub(rf'(\s{name})="[^"]*"', rf'\1="{value}"', head, count=1)
    else:
        head += f' {name}="{value}"'
    return head + element[end:]


def _our_run(element: str) -> re.Match | None:
    return next((m for m in _RUN.finditer(element) if _plain(m.group(0)).lstrip().startswith(OUR_RUN)), None)


class SheetNotes:
    """The notes of one sheet: ``get``/``put``/``annotate``/``restore``/``remove`` by cell reference, then ``save``."""

    def __init__(self, package: Package, sheet_part: str, sheet: SheetPart):
        self.package, self.sheet_part = package, sheet_part
        rels = package.rels(sheet_part)
        self.comments_part = next((r["Part"] for r in rels if r.get("Type") == REL_COMMENTS), None)
        self.drawing = vml.NoteDrawing(package, sheet_part, sheet)
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
        self.ours: set[str] = set()          # cells whose shape xltool (re)draws
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

    def _author(self, author: str) -> str:
        if author not in self.authors:
            self.authors.append(author)
        return str(self.authors.index(author))

    def put(self, ref: str, text: str, author: str) -> bool:
        """Set a plain note; False (nothing done) on a cell holding a threaded comment, which Excel owns."""
        if ref in self.threaded:
            return False
        space = ' xml:space="preserve"' if "\n" in text or text != text.strip() else ""
        body = f"<text><t{space}>{xml_text(text)}</t></text>"
        old = self.items.get(ref)
        if old is not None:   # the same note object: its own attributes (xr:uid, shapeId) stay
            head = _with_attr(old[:old.find(">") + 1], "authorId", self._author(author))
            self.items[ref] = f"{head}{body}</comment>"
        else:
            self.items[ref] = f'<comment ref="{ref}" authorId="{self._author(author)}">{body}</comment>'
            self.ours.add(ref)
        self.dirty = True
        return True

    def annotate(self, ref: str, text: str, author: str) -> bool:
        """Add xltool's text (starting with OUR_RUN after blank lines) as a run after a clerk's note."""
        if ref in self.threaded:
            return False
        old = self.items[ref]
        if _our_run(old):
            old = old.replace(_our_run(old).group(0), "", 1)
        run = f'<r><t xml:space="preserve">{xml_text(text)}</t></r>'
        at = min(p for p in (old.find("<rPh"), old.find("<phoneticPr"), old.rfind("</text>")) if p >= 0)
        self.items[ref] = _with_attr(old[:at] + run + old[at:], "authorId", self._author(author))
        self.dirty = True
        return True

    def restore(self, ref: str, text: str, author: str) -> None:
        """Give a clerk's note back: xltool's run taken out of it, or, without one, the recorded text."""
        old = self.items.get(ref)
        run = _our_run(old) if old else None
        if run:
            self.items[ref] = _with_attr(old.replace(run.group(0), "", 1), "authorId", self._author(author))
            self.dirty = True
        else:
            self.put(ref, text, author)

    def remove(self, ref: str) -> None:
        if ref in self.items and ref not in self.threaded:
            del self.items[ref]
            self.dirty = True

    def save(self, sheet: SheetPart, sizes: dict[str, tuple[int, int]]) -> None:
        """Write the comments part and VML back (creating them and their links when new)."""
        if not self.dirty:
            return
        package = self.package
        authors = "".join(f"<author>{xml_text(a)}</author>" for a in self.authors)
        items = "".join(self.items.values())
        if self.comments_part and package.has(self.comments_part):
            text = package.text(self.comments_part)
            text = _replace_block(text, "authors", authors)
            text = _replace_block(text, "commentList", items)
        else:
            if not self.comments_part:
                self.comments_part = package.free_name("xl/comments{}.xml")
                package.add_rel(self.sheet_part, REL_COMMENTS, self.comments_part)
            package.content_type(self.comments_part, CT_COMMENTS)
            text = (f'{XML_HEAD}<comments xmlns="{NS_MAIN}"><authors>{authors}</authors>'
                    f"<commentList>{items}</commentList></comments>")
        package.put(self.comments_part, text)
        notes = {parse_ref(ref) for ref in self.items}
        redraw = {parse_ref(ref) for ref in self.ours | set(sizes)}
        self.drawing.save(notes, redraw, {parse_ref(ref): size for ref, size in sizes.items()})


def _replace_block(text: str, name: str, inner: str) -> str:
    m = re.search(rf"<{name}\b([^>]*?)(?:/>|>.*?</{name}>)", text, re.S)
    if not m:
        at = text.find("<commentList") if name == "authors" and "<commentList" in text else text.rfind("</comments>")
        return text[:at] + f"<{name}>{inner}</{name}>" + text[at:]
    return text[:m.start()] + f"<{name}{m.group(1)}>{inner}</{name}>" + text[m.end():]
