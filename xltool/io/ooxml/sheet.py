"""One worksheet part: read a few cells, rewrite only those, splice them back.

Rows and cells are located once by pattern over ``<sheetData>``; a row is
re-rendered only when one of its cells changes, so the rest of the part
(formulas, shared strings, conditional formats, validations, extensions)
stays as it was. Text is written as inline strings, so the shared-string
table is never touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from xltool.core.cellref import a1, col_letter, parse_a1
from xltool.io.ooxml.package import KEEP, Unsupported, attrs, declare_r, insert_before_first, xml_text

_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>.*?</f>)", re.S)
# children of <worksheet> that follow <legacyDrawing> (schema order), for inserting it
AFTER_LEGACY_DRAWING = ("<legacyDrawingHF", "<drawingHF", "<picture", "<oleObjects", "<controls",
                        "<webPublishItems", "<tableParts", "<extLst", "</worksheet>")


def parse_ref(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference; one the patcher cannot read makes the package Unsupported."""
    try:
        return parse_a1(ref)
    except ValueError as exc:
        raise Unsupported(f"cell reference {ref!r}") from exc


@dataclass
class Cell:
    attrs: dict[str, str]
    inner: str            # content between <c> and </c> ("" for <c/>)
    raw: str              # the element as it stands, written back verbatim when unchanged

    @property
    def style(self) -> int:
        return int(self.attrs.get("s", 0))

    @property
    def formula(self) -> str:
        m = _FORMULA.search(self.inner)
        return m.group(0) if m else ""


def number_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return repr(float(value)) if len(value.as_tuple().digits) > 15 else format(value.normalize(), "f")
    return repr(value) if isinstance(value, float) else str(value)


def render_cell(ref: str, cell: Cell | None, value=KEEP, style: int | None = None, formula: str = "") -> str:
    """One ``<c>`` element: the old one with its value and/or style replaced (``formula``: a new formula)."""
    old = cell.attrs if cell else {}
    inner = cell.inner if cell else ""
    out = {"r": ref}
    if style is not None and style != 0:
        out["s"] = str(style)
    elif style is None and "s" in old:
        out["s"] = old["s"]
    if value is KEEP:
        if "t" in old:
            out["t"] = old["t"]
        body = inner
    else:
        formula = f"<f>{xml_text(formula[1:])}</f>" if formula else (cell.formula if cell else "")
        body, kind = _value_body(value, bool(formula))
        if kind:
            out["t"] = kind
        body = formula + body
    out.update((k, v) for k, v in old.items() if k not in ("r", "s", "t"))
    head = "".join(f' {k}="{xml_text(v)}"' for k, v in out.items())
    return f"<c{head}>{body}</c>" if body else f"<c{head}/>"


def _value_body(value, formula: bool) -> tuple[str, str]:
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        return f"<v>{number_text(value)}</v>", "b"
    if isinstance(value, (int, float, Decimal)):
        return f"<v>{number_text(value)}</v>", ""
    text = xml_text(value)
    if formula:
        return f"<v>{text}</v>", "str"
    raw = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value))   # as xml_text keeps it: '\x1b\r0' is '\r0'
    space = ' xml:space="preserve"' if raw != raw.strip() or "\n" in raw else ""
    return f"<is><t{space}>{text}</t></is>", "inlineStr"


class SheetPart:
    """A worksheet's XML with an index of its rows; edits are collected and spliced in by ``render``."""

    def __init__(self, text: str):
        if not re.search(r"<worksheet\b", text):
            raise Unsupported("worksheet uses a namespace prefix")
        self.text = text
        m = re.search(r"<sheetData\b[^>]*?(?:/>|>(.*?)</sheetData>)", text, re.S)
        if not m:
            raise Unsupported("worksheet has no <sheetData>")
        self.data_span = m.span()
        self.data_start = m.start(1) if m.group(1) is not None else None
        self.rows: dict[int, re.Match] = {}
        for row in _ROW.finditer(m.group(1) or ""):
            r = attrs(f"<row{row.group(1)}>").get("r")
            if r is None:
                raise Unsupported("a row without its number")
            self.rows[int(r)] = row
        self._cells: dict[int, dict[int, Cell]] = {}
        self.edits: dict[int, dict[int, tuple]] = {}
        self.new_formulas: dict[tuple[int, int], str] = {}
        self.legacy_drawing: str | None = None     # rId of a VML drawing to link (new notes)

    def row_cells(self, r: int) -> dict[int, Cell]:
        if r not in self._cells:
            cells = {}
            row = self.rows.get(r)
            for c in _CELL.finditer(row.group(2) or "") if row else ():
                a = attrs(f"<c{c.group(1)}>")
                if "r" not in a:
                    raise Unsupported("a cell without its reference")
                cells[parse_ref(a["r"])[1]] = Cell(a, c.group(2) or "", c.group(0))
            self._cells[r] = cells
        return self._cells[r]

    def cell(self, r: int, c: int) -> Cell | None:
        return self.row_cells(r).get(c)

    def style(self, r: int, c: int) -> int:
        pending = self.edits.get(r, {}).get(c)
        if pending and pending[1] is not None:
            return pending[1]
        cell = self.cell(r, c)
        return cell.style if cell else 0

    def set(self, r: int, c: int, value=KEEP, style: int | None = None, formula: str = "") -> None:
        if formula:
            self.new_formulas[(r, c)] = formula
        old_value, old_style = self.edits.setdefault(r, {}).get(c, (KEEP, None))
        self.edits[r][c] = (old_value if value is KEEP else value, old_style if style is None else style)

    def has_element(self, name: str) -> bool:
        return re.search(rf"<{name}\b", self.text) is not None

    def render(self) -> str:
        text = self.text
        if self.edits:
            start, end = self.data_span
            text = self._widen_dimension(text[:start] + self._render_data() + text[end:])
        if self.legacy_drawing:
            text = insert_before_first(text, AFTER_LEGACY_DRAWING, f'<legacyDrawing r:id="{self.legacy_drawing}"/>')
            text = declare_r(text, "worksheet")
        return text

    def _render_data(self) -> str:
        inner_start = self.data_start
        body = self.text[inner_start:self.data_span[1] - len("</sheetData>")] if inner_start is not None else ""
        pieces, pos = [], 0
        new_rows = sorted(r for r in self.edits if r not in self.rows)
        for r, row in sorted(self.rows.items(), key=lambda kv: kv[1].start()):
            while new_rows and new_rows[0] < r:
                pieces.append(self._render_row(new_rows.pop(0), None))
            pieces.append(body[pos:row.start()])
            pieces.append(self._render_row(r, row) if r in self.edits else row.group(0))
            pos = row.end()
        pieces.append(body[pos:])
        pieces += [self._render_row(r, None) for r in new_rows]
        head = re.match(r"<sheetData\b[^>]*?(?=\s*/?>)", self.text[self.data_span[0]:]).group(0)
        return f"{head}>{''.join(pieces)}</sheetData>"

    def _render_row(self, r: int, row: re.Match | None) -> str:
        cells = self.row_cells(r)
        edits = self.edits[r]
        out = []
        for c in sorted(set(cells) | set(edits)):
            cell = cells.get(c)
            if c in edits:
                value, style = edits[c]
                out.append(render_cell(f"{col_letter(c)}{r}", cell, value, style, self.new_formulas.get((r, c), "")))
            else:
                out.append(cell.raw)
        head = f"<row{row.group(1)}" if row else f'<row r="{r}"'
        head = re.sub(r'\sspans="[^"]*"', "", head).rstrip()
        return f"{head}>{''.join(out)}</row>"

    def _widen_dimension(self, text: str) -> str:
        m = re.search(r'<dimension\b[^>]*\bref="([A-Z]+\d+)(?::([A-Z]+\d+))?"', text)
        if not m:
            return text
        (r1, c1), (r2, c2) = parse_ref(m.group(1)), parse_ref(m.group(2) or m.group(1))
        for r, cols in self.edits.items():
            for c in cols:
                r1, r2, c1, c2 = min(r1, r), max(r2, r), min(c1, c), max(c2, c)
        ref = f"{a1(r1, c1)}:{a1(r2, c2)}"
        return text[:m.start(1)] + ref + text[m.end(2) if m.group(2) else m.end(1):]



def generated_sheet(rows: list[list], widths=(), header_style: int | None = None, autofilter: bool = False,
                    freeze: bool = False, landscape: bool = False) -> str:
    """A whole worksheet part for a sheet xltool owns (the findings sheet, ``_xltool``)."""
    ncols = max((len(row) for row in rows), default=1)
    ref = f"A1:{a1(max(len(rows), 1), ncols)}"
    body = []
    for r, row in enumerate(rows, start=1):
        style = header_style if r == 1 else None
        cells = "".join(render_cell(f"{col_letter(c)}{r}", None, value, style)
                        for c, value in enumerate(row, start=1) if value not in (None, "") or style)
        body.append(f'<row r="{r}">{cells}</row>')
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>') if freeze else ""
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(widths, start=1))
    cols = f"<cols>{cols}</cols>" if cols else ""
    autofilter = f'<autoFilter ref="{ref}"/>' if autofilter else ""
    # landscape: A4 landscape, fitted to one page wide (printed as many pages long as needed)
    fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if landscape else ""
    page = ('<printOptions horizontalCentered="1"/><pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" '
            'header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
            'fitToHeight="0"/>') if landscape else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{fit}<dimension ref="{ref}"/>{view}<sheetFormatPr defaultRowHeight="15"/>'
            f'{cols}<sheetData>{"".join(body)}</sheetData>{autofilter}{page}</worksheet>')
