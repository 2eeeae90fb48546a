"""The reading interface every adapter provides: a workbook as plain values.

The openpyxl adapter (files) and the xlwings adapter (the open book) both
produce a ``BookGrid``; the reader works on it alone, so one reader serves both.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

PERCENT, DATE = "percent", "date"   # the number-format kinds a reader needs to know


@dataclass
class SheetGrid:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)   # (row, col) → value, non-empty only
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2)
    hidden: bool = False
    formats: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) → PERCENT / DATE
    formulas: set[tuple[int, int]] | None = None   # cells holding a formula; None: not known (values only)
    _extent: tuple[int, int, int] = field(default=(-1, 0, 0), init=False, repr=False, compare=False)

    @property
    def max_row(self) -> int:
        return self._bounds()[1]

    @property
    def max_col(self) -> int:
        return self._bounds()[2]

    def _bounds(self) -> tuple[int, int, int]:
        """(cell count, last row, last column), worked out again only when the number of cells changed
        (the reader asks for them in its loops)."""
        if self._extent[0] != len(self.cells):
            rows, cols = zip(*self.cells) if self.cells else ((0,), (0,))
            self._extent = (len(self.cells), max(rows), max(cols))
        return self._extent

    def get(self, row: int, col: int):
        return self.cells.get((row, col))

    def text(self, row: int, col: int) -> str:
        """The cell as the clerk sees it: a percent-formatted 0.95 is "95%", a date "2020/12/31"."""
        value = self.cells.get((row, col))
        if value is None:
            return ""
        if type(value) is str:   # most cells: the rest below cannot apply to text
            return value.strip()
        if isinstance(value, (_dt.date, _dt.datetime)):
            return f"{value.year}/{value.month:02d}/{value.day:02d}"
        if (row, col) in self.formats and self.formats[(row, col)] == PERCENT and _is_number(value):
            return percent_text(value)
        return str(value).strip()

    def is_percent(self, row: int, col: int) -> bool:
        return self.formats.get((row, col)) == PERCENT and _is_number(self.cells.get((row, col)))

    def merge_end(self, row: int, col: int) -> int:
        """Last column of the merged range starting at (row, col), or col itself."""
        for r1, c1, r2, c2 in self.merges:
            if r1 == row and c1 == col:
                return c2
        return col

    @classmethod
    def from_rows(cls, name: str, rows, merges=(), hidden=False) -> "SheetGrid":
        cells = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    cells[(r, c)] = value
        return cls(name, cells, list(merges), hidden)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def percent_text(value) -> str:
    """A fraction as the percentage a percent-formatted cell shows: 0.9285 → "92.85%"."""
    number = (value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value))
    text = format((number * 100).normalize(), "f")
    return f"{text}%"


@dataclass
class BookGrid:
    sheets: list[SheetGrid]
    names: dict[str, str] = field(default_factory=dict)   # defined name → refers-to
    source: str = ""                                      # file name, for messages
    formats_known: bool = True    # False where only values arrive (xlwings' remote engine)

    def sheet(self, name: str) -> SheetGrid | None:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        return None

    def values(self, places: dict[str, tuple[str, int, int]]) -> dict[str, object]:
        """key → the value at its (sheet, row, col), all read now (``stated``: the same, read when asked)."""
        return dict(self.stated(places))

    def stated(self, places: dict[str, tuple[str, int, int]]) -> "StatedValues":
        """``values(places)`` read when asked: a check asks for a few keys (the rules' stated totals and
        rates, the computed cells without a formula), not for every indicator cell."""
        return StatedValues(self, places)


class StatedValues(Mapping):
    """key → the value at its (sheet, row, col) in a book, looked up when asked (the book is not changed
    while a form is evaluated): the same mapping as ``BookGrid.values``."""

    __slots__ = ("_book", "_places", "_sheets")

    def __init__(self, book: BookGrid, places: dict[str, tuple[str, int, int]]):
        self._book, self._places, self._sheets = book, places, {}

    def __getitem__(self, key: str):
        name, r, c = self._places[key]
        cells = self._sheets.get(name)
        if cells is None:
            cells = self._sheets[name] = self._book.sheet(name).cells
        return cells.get((r, c))

    def get(self, key: str, default=None):
        if key not in self._places:
            return default
        return self[key]

    def __contains__(self, key) -> bool:
        return key in self._places

    def __iter__(self):
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


_TRANS = str.maketrans({"（": "(", "）": ")", "：": ":", "　": "", " ": "", "\n": "", "\t": "", "\r": ""})


_TRAILING_COLON = re.compile(r"[:：]+$")


@lru_cache(maxsize=65536)
def norm(text: object) -> str:
    """Normalise a label for matching: no spaces, half-width brackets, no trailing colon."""
    if text is None:
        return ""
    return _TRAILING_COLON.sub("", str(text).translate(_TRANS)).strip()
