"""Row heights that fit wrapped text, so that printed labels never run into the rows below.

Neither Excel nor LibreOffice grows a row for text in a merged cell, and a workbook's
stored heights are what both print; so xltool computes each row's height from its
cells' text and the widths of the columns they span (merged ones included), and the
writer stores it. Pure: works on a ``layout.SheetPlan``-like object (cells with
row, col, value, style; merges; column widths).

Widths are in Excel's column units (one ``0`` of the default font, 7 pixels); a CJK or
full-width character of a 10-point 宋体 cell takes about 1.9 of them (13.3 pixels), an ASCII
one about 1.0. A line of 10-point text needs about 13.5 points of height.
"""
from __future__ import annotations

import math
import unicodedata

DEFAULT_WIDTH = 8.43     # Excel's default column width
LINE_POINTS = 13.5       # one line of 10-point text, leading included
PADDING_POINTS = 3.0
MIN_HEIGHT = 15.0
WIDE_UNITS, NARROW_UNITS = 1.95, 1.0
WRAPPED_STYLES = ("header", "label", "input", "computed")


def text_units(text: str) -> float:
    """How many column units a line of text takes."""
    return sum(WIDE_UNITS if unicodedata.east_asian_width(ch) in ("W", "F") else NARROW_UNITS for ch in text)


def lines_needed(text: str, width: float) -> int:
    usable = max(width - 1.0, 1.0)   # the cell's own margins
    return sum(max(1, math.ceil(text_units(part) / usable)) for part in str(text).split("\n"))


def height_for(lines: int) -> float:
    return max(MIN_HEIGHT, lines * LINE_POINTS + PADDING_POINTS)


def row_heights(plan, fixed: dict[int, float] | None = None) -> dict[int, float]:
    """Row → height (points) for every row whose wrapped text needs more than the default height.

    ``fixed``: rows whose height is already set (e.g. the title row); they only grow.
    """
    widths = plan.widths
    spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in plan.merges}
    heights: dict[int, float] = dict(fixed or {})
    tall: list[tuple[int, int, float]] = []   # cells merged down: (first row, last row, height needed)
    hidden = getattr(plan, "hidden_cols", set())
    for cp in plan.cells:
        if cp.style not in WRAPPED_STYLES or cp.value in (None, "") or cp.col in hidden:
            continue
        r2, c2 = spans.get((cp.row, cp.col), (cp.row, cp.col))
        width = sum(widths.get(c, DEFAULT_WIDTH) for c in range(cp.col, c2 + 1))
        need = height_for(lines_needed(cp.value, width))
        if r2 > cp.row:
            tall.append((cp.row, r2, need))
        elif need > heights.get(cp.row, MIN_HEIGHT):
            heights[cp.row] = need
    for r1, r2, need in tall:   # a cell merged down gets what its rows lack, on its last row
        have = sum(heights.get(r, MIN_HEIGHT) for r in range(r1, r2 + 1))
        if need > have:
            heights[r2] = heights.get(r2, MIN_HEIGHT) + need - have
    return {r: h for r, h in heights.items() if h > MIN_HEIGHT or r in (fixed or {})}
