"""``xl/styles.xml`` as lists of fonts, fills and cell formats, extended (never rewritten) by the patcher.

A cell's look is one index into ``cellXfs``. Marking a cell or giving it a
percent format derives a new format from the cell's own (same font, border,
alignment, protection) with one field changed; identical derivations share
one new entry.
"""
from __future__ import annotations

import re

from xltool.io.ooxml.package import KEEP, Unsupported, attrs

PERCENT = 10            # built-in "0.00%"
_PERCENT_BUILTIN = {9, 10}


def _block(text: str, name: str, item: str) -> tuple[re.Match, list[str]]:
    m = re.search(rf"<{name}\b[^>]*?(?:/>|>(.*?)</{name}>)", text, re.S)
    if not m:
        raise Unsupported(f"styles.xml has no <{name}>")
    items = re.findall(rf"<{item}\b[^>]*?(?:/>|>.*?</{item}>)", m.group(1) or "", re.S)
    return m, items


def rgb_of(fill: str | None) -> str:
    """The solid rgb of a recorded fill (rgb or ``<fill>`` XML), "" when it is not a solid rgb fill."""
    if not fill:
        return ""
    if not fill.startswith("<"):
        return fill
    if 'patternType="solid"' not in fill:
        return ""
    m = re.search(r'<fgColor\b[^>]*\brgb="([0-9A-Fa-f]{6,8})"', fill)
    return m.group(1) if m else ""


class Styles:
    PART = "xl/styles.xml"

    def __init__(self, text: str):
        if not re.search(r"<styleSheet\b", text):
            raise Unsupported("styles.xml uses a namespace prefix")
        self.text = text
        _, self.fonts = _block(text, "fonts", "font")
        _, self.fills = _block(text, "fills", "fill")
        _, self.xfs = _block(text, "cellXfs", "xf")
        self.formats = {int(a["numFmtId"]): a.get("formatCode", "")
                        for a in map(attrs, re.findall(r"<numFmt\b[^>]*?/?>", text))}
        self.added = False
        self._derived: dict[tuple, int] = {}

    def _xf(self, index: int) -> str:
        return self.xfs[index] if 0 <= index < len(self.xfs) else self.xfs[0]

    def _field(self, index: int, name: str) -> int:
        tag = re.match(r"<xf\b[^>]*", self._xf(index)).group(0)
        return int(attrs(tag + ">").get(name, 0))

    def fill_rgb(self, index: int) -> str:
        """The solid fill colour of a format, as stored (``FFRRGGBB``/``00RRGGBB``), else ""."""
        fill_id = self._field(index, "fillId")
        fill = self.fills[fill_id] if fill_id < len(self.fills) else ""
        if 'patternType="solid"' not in fill:
            return ""
        m = re.search(r'<fgColor\b[^>]*\brgb="([0-9A-Fa-f]{6,8})"', fill)
        return m.group(1) if m else ""

    def fill_xml(self, index: int) -> str:
        """The fill of a format exactly as stored (``<fill>…</fill>``), "" for none (fill 0)."""
        fill_id = self._field(index, "fillId")
        return self.fills[fill_id] if 0 < fill_id < len(self.fills) else ""

    def is_percent(self, index: int) -> bool:
        fmt = self._field(index, "numFmtId")
        return fmt in _PERCENT_BUILTIN or "%" in self.formats.get(fmt, "")

    def add_fill(self, rgb: str | None) -> int:
        """A fill given as an rgb (solid) or as its own ``<fill>`` XML (kept verbatim); None: no fill."""
        if not rgb:
            return 0
        if rgb.startswith("<"):
            return self._append(self.fills, rgb)
        rgb = rgb.upper() if len(rgb) == 8 else "FF" + rgb.upper()
        xml = f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor indexed="64"/></patternFill></fill>'
        return self._append(self.fills, xml)

    def add_font(self, xml: str) -> int:
        return self._append(self.fonts, xml)

    def _append(self, items: list[str], xml: str) -> int:
        if xml in items:
            return items.index(xml)
        items.append(xml)
        self.added = True
        return len(items) - 1

    def derive(self, index: int, fill=KEEP, number_format: int | None = None, font: int | None = None) -> int:
        """A cell format like ``index`` with the fill (an rgb, or None for none), number format or font changed."""
        key = (index, fill, number_format, font)
        if key in self._derived:
            return self._derived[key]
        xf = self._xf(index)
        changes = {}
        if fill is not KEEP:
            changes.update(fillId=self.add_fill(fill), applyFill=1)
        if number_format is not None:
            changes.update(numFmtId=number_format, applyNumberFormat=1)
        if font is not None:
            changes.update(fontId=font, applyFont=1)
        head = re.match(r"<xf\b[^>]*?(?=\s*/?>)", xf).group(0)
        new_head = head
        for name, value in changes.items():
            if re.search(rf'\s{name}="[^"]*"', new_head):
                new_head = re.sub(rf'(\s{name})="[^"]*"', rf'\1="{value}"', new_head)
            else:
                new_head += f' {name}="{value}"'
        new = new_head + xf[len(head):]
        if new == xf:
            result = index
        else:
            result = self._append(self.xfs, new)
        self._derived[key] = result
        return result

    def render(self) -> str:
        text = self.text
        for name, items in (("fonts", self.fonts), ("fills", self.fills), ("cellXfs", self.xfs)):
            m, _ = _block(text, name, name[:-1] if name != "cellXfs" else "xf")
            head = re.match(rf"<{name}\b[^>]*?(?=\s*/?>)", m.group(0)).group(0)
            head = re.sub(r'\scount="\d+"', "", head) + f' count="{len(items)}"'
            text = text[:m.start()] + f"{head}>{''.join(items)}</{name}>" + text[m.end():]
        return text
