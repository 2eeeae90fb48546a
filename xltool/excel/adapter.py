"""The xlwings adapter: the open workbook as a ``BookGrid``, and write-back through xlwings.

Reading gives the reader exactly what the openpyxl adapter gives it for a file:
one batched read of each sheet's used range (``.value``), the defined names, the
hidden flag, and the merges the reader needs to find a value right of a merged
label. Writing mirrors ``xltool.io.xlsx.write_back``: recomputed values (one write
per rectangle of cells; cells holding a formula are left to Excel), a fill and a
note on every cell with a finding, the original fill remembered in the hidden
``_xltool`` sheet (rows ``mark | Sheet!A1 | original fill | note``, the format
the openpyxl path writes and clears), and a 校验结果 sheet.

Engines differ in what they can tell and do, see ``capabilities``:

- desktop Excel (Windows/macOS, what ``RunPython`` from the add-in uses) can do
  everything: fills and formulas are read, merges are exact, notes are written;
- the remote engine (``xw.Book(json=...)``: xlwings Server, Office.js add-ins)
  knows only what the client sent — values, names and, from Office.js, which
  cells have notes — and queues actions for the client. Formulas, fills and
  merges are not in the payload: formula cells are taken from xltool's layout
  (the cells the template gives a formula), merges are inferred from the
  ``xlt_input``/``xlt_computed`` names, and the original fill of a marked cell
  is the template fill of its role. Only the Office.js client can add notes,
  remove a fill and hide a sheet; with the VBA client (``RunRemotePython``) and
  Office Scripts the findings are in the fills and the 校验结果 sheet only.

A client may send two optional extras per sheet that make the remote engine
exact, its formulas and merges (see ``xlwings_read``).

Where things are (everything public is re-exported here):

- ``xlwings_read``   ``Capabilities``/``capabilities`` (what an engine can do), the
                     reading functions (names, roles, merges) and ``ReadingMixin``;
- ``xlwings_write``  ``WritingMixin`` (values, number formats), ``rectangles``,
                     ``excel_value``, ``formula_keys``;
- ``xlwings_marks``  ``MarkingMixin`` (fills, notes, the ``_xltool`` meta sheet, the
                     校验结果 sheet, clearing marks), ``fill_hex``;
- here               ``XlwingsBook`` (the three mixins over one open book) and ``read_grid``.

xlwings itself is not imported here: the functions work on the objects given.
"""
from __future__ import annotations

from contextlib import contextmanager

from xltool.core.grid import BookGrid
from xltool.excel.marks import NOTE_FLAG, NOTE_PREFIX, WHITE, MarkingMixin, fill_hex
from xltool.excel.read import (
    ROLE_NAMES, Capabilities, ReadingMixin, capabilities, grid_value, infer_merges, parse_areas, quote_sheet,
    read_names, role_cells,
)
from xltool.excel.write import WritingMixin, excel_value, formula_keys, rectangles


class XlwingsBook(ReadingMixin, WritingMixin, MarkingMixin):
    """One open workbook: read it into a BookGrid, then write results back."""

    def __init__(self, book):
        self.book = book
        self.caps = capabilities(book)
        self.grid: BookGrid | None = None
        self.roles: dict[str, dict[tuple[int, int], str]] = {}
        self._formulas: dict[str, set[tuple[int, int]] | None] = {}
        self._added_sheet = False   # adding a sheet activates it: the clerk's sheet is activated again

    @contextmanager
    def batch(self):
        """Desktop Excel: no repainting while writing (the remote engine batches anyway)."""
        app = self.book.app
        if self.caps.remote:
            yield
            return
        try:
            before = app.screen_updating
            app.screen_updating = False
        except Exception:   # an engine without the switch
            yield
            return
        try:
            yield
        finally:
            app.screen_updating = before


__all__ = ["Capabilities", "XlwingsBook", "capabilities", "excel_value", "fill_hex", "formula_keys",
           "grid_value", "infer_merges", "parse_areas", "read_grid", "read_names", "rectangles", "role_cells",
           # public names of this module before the split, kept importable from here
           "NOTE_FLAG", "NOTE_PREFIX", "ROLE_NAMES", "WHITE", "quote_sheet"]


def read_grid(book) -> BookGrid:
    """The open workbook as a BookGrid (the reading interface the openpyxl adapter implements for files)."""
    return XlwingsBook(book).read()
