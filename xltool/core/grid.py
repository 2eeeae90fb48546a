"""The reading interface every adapter provides: a workbook as plain values.

The openpyxl adapter (files) and the xlwings adapter (the open book) both
produce a ``BookGrid``; the reader works on it alone, so one reader serves both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class SheetGrid:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)   # (row, col) → value, non-empty only
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2)
    hidden: bool = False

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, col: int):
        return self.cells.get((row, col))

    def text(self, row: int, col: int) -> str:
        value = self.cells.get((row, col))
        return "" if value is None else str(value).strip()

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


@dataclass
class BookGrid:
    sheets: list[SheetGrid]
    names: dict[str, str] = field(default_factory=dict)   # defined name → refers-to
    source: str = ""                                      # file name, for messages

    def sheet(self, name: str) -> SheetGrid | None:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        return None


_TRANS = str.maketrans({"（": "(", "）": ")", "：": ":", "　": "", " ": "", "\n": "", "\t": "", "\r": ""})


_TRAILING_COLON = re.compile(r"[:：]+$")


@lru_cache(maxsize=65536)
def norm(text: object) -> str:
    """Normalise a label for matching: no spaces, half-width brackets, no trailing colon."""
    if text is None:
        return ""
    return _TRAILING_COLON.sub("", str(text).translate(_TRANS)).strip()
