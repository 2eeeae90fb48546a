"""Writing values into an open xlwings Book.

Part of the xlwings adapter (``xltool.excel.adapter`` re-exports the public names;
:class:`WritingMixin` is the value-writing part of its ``XlwingsBook``). Like
``xltool.io.xlsx.write_back``: recomputed values, one write per rectangle of cells
(:func:`rectangles`); cells holding a formula are left to Excel (:func:`formula_keys`
when the engine cannot tell them). :func:`excel_value` is how any value must be
written through xlwings (also used for the meta and 校验结果 sheets).
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltool.core import layout, model


class WritingMixin:
    """Writing values: uses ``book`` and ``formula_cells`` (``ReadingMixin``)."""

    def sheet(self, name: str):
        return self.book.sheets[name]

    def has_sheet(self, name: str) -> bool:
        return any(s.name == name for s in self.book.sheets)

    def write_cells(self, sheet_name: str, values: dict[tuple[int, int], object]) -> int:
        """Write values, one range write per rectangle of cells."""
        sheet = self.sheet(sheet_name)
        for r1, c1, r2, c2 in rectangles(values):
            rows = [[excel_value(values[(r, c)]) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
            sheet.range((r1, c1), (r2, c2)).value = rows
        return len(values)

    def number_format(self, sheet_name: str, cells, fmt: str) -> None:
        sheet = self.sheet(sheet_name)
        for r1, c1, r2, c2 in rectangles(dict.fromkeys(cells)):
            sheet.range((r1, c1), (r2, c2)).number_format = fmt

    def write_computed(self, read, computed: dict[str, object]) -> tuple[int, int]:
        """Recomputed values into their cells; formula cells are Excel's. Returns (written, skipped)."""
        from xltool.marks import PERCENT_FORMAT, is_percent_key

        by_sheet: dict[str, dict[tuple[int, int], object]] = {}
        percent: dict[str, list[tuple[int, int]]] = {}
        layout_formulas: set[str] | None = None
        layout_known = False
        skipped = 0
        for key, value in computed.items():
            sheet, r, c = read.cells[key]
            formulas = self.formula_cells(sheet)
            if formulas is None:   # the engine cannot tell: the template's formula cells (all, if unknown)
                if not layout_known:
                    layout_formulas, layout_known = formula_keys(read), True
                is_formula = layout_formulas is None or key in layout_formulas
            else:
                is_formula = (r, c) in formulas
            if is_formula:
                skipped += 1
                continue
            if is_percent_key(key):
                value = value / 100 if isinstance(value, Decimal) else value
                percent.setdefault(sheet, []).append((r, c))
            by_sheet.setdefault(sheet, {})[(r, c)] = value
        written = sum(self.write_cells(sheet, values) for sheet, values in by_sheet.items())
        for sheet, cells in percent.items():
            self.number_format(sheet, cells, PERCENT_FORMAT)
        return written, skipped


def rectangles(cells) -> list[tuple[int, int, int, int]]:
    """Cover a set of (row, col) with rectangles: runs along a row, stacked when rows repeat them."""
    runs: dict[int, list[tuple[int, int]]] = {}
    for r in sorted({r for r, _ in cells}):
        cols = sorted(c for rr, c in cells if rr == r)
        start = prev = cols[0]
        row_runs = []
        for c in cols[1:]:
            if c != prev + 1:
                row_runs.append((start, prev))
                start = c
            prev = c
        row_runs.append((start, prev))
        runs[r] = row_runs
    out: list[list[int]] = []   # [r1, c1, r2, c2]
    open_: dict[tuple[int, int], list[int]] = {}
    for r in sorted(runs):
        next_open = {}
        for c1, c2 in runs[r]:
            rect = open_.get((c1, c2))
            if rect is not None and rect[2] == r - 1:
                rect[2] = r
            else:
                rect = [r, c1, r, c2]
                out.append(rect)
            next_open[(c1, c2)] = rect
        open_ = next_open
    return [tuple(rect) for rect in out]


_DATE_LIKE = re.compile(r"^\s*\d{1,4}\s*[-/.年]\s*\d{1,2}(\s*[-/.月]\s*\d{1,4}\s*日?)?\s*$")


def excel_value(value):
    """A value as it must be written through xlwings: numbers as float, text kept as text.

    Excel parses what it is given like typed input, so text that would turn into
    a formula, a number, a date or a boolean gets the text prefix ``'``.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2 ** 53 else float(value)
    if isinstance(value, str) and value:
        text = value.strip()
        if (value[0] in "=+-@'" or text.upper() in ("TRUE", "FALSE") or _DATE_LIKE.match(value)
                or _number_like(text)):
            return "'" + value
    return value


def _number_like(text: str) -> bool:
    t = text.replace(",", "").rstrip("%").strip()
    if not t:
        return False
    try:
        float(t)
    except ValueError:
        return False
    return True


def formula_keys(read) -> set[str] | None:
    """Field keys to which xltool's template gives a formula (for engines that cannot read formulas)."""
    try:
        plan = layout.plan_workbook(read.instance)
    except Exception:
        return None
    keys = {cp.field for sheet in plan.sheets for cp in sheet.cells if cp.formula and cp.field}
    if read.instance.form == model.REGIONAL_TARGET:   # its formulas need the helper columns on the sheet
        from xltool.core.formulas import formulas_for

        keys &= set(formulas_for(read, plan.sheets))
    return keys
