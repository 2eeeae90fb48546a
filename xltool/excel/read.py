"""Reading an open xlwings Book: what its engine can do, and the workbook as a ``BookGrid``.

Part of the xlwings adapter (``xltool.excel.adapter`` re-exports the public names;
:class:`ReadingMixin` is the reading half of its ``XlwingsBook``). Reading gives the
reader exactly what the openpyxl adapter gives it for a file: one batched read of
each sheet's used range (``.value``), the defined names, the hidden flag, and the
merges the reader needs to find a value right of a merged label.

The remote engine (``xw.Book(json=...)``) sends no formulas and no merges: formula
cells are then taken from xltool's layout (``xlwings_write.formula_keys``) and merges
are inferred from the ``xlt_input``/``xlt_computed`` names (:func:`infer_merges`).
A client may send two optional extras per sheet that make the remote engine
exact: ``"formulas"`` (a matrix like ``"values"``, anchored at A1) and
``"merges"`` (a list of A1 ranges).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from xltool.core import layout
from xltool.core.cellref import col_letter, parse_a1
from xltool.core.grid import BookGrid, SheetGrid

ROLE_NAMES = ("xlt_input", "xlt_computed")


# --- what an engine can do ----------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    engine: str                   # "excel" (desktop), "remote", …
    client: str = ""              # remote only: "Office.js", "VBA", "Microsoft Office Scripts", …
    read_fills: bool = False      # can read a cell's fill (to restore it later)
    read_formulas: bool = False   # can tell formula cells
    read_merges: bool = False     # can read merged ranges
    notes: bool = False           # can add and delete notes
    clear_fill: bool = False      # can remove a fill (else the cell is painted white)
    hide_sheets: bool = False
    formatting: bool = False      # column widths, bold

    @property
    def remote(self) -> bool:
        return self.engine == "remote"


def capabilities(book) -> Capabilities:
    engine = book.app.engine.name
    if engine != "remote":
        return Capabilities(engine, read_fills=True, read_formulas=True, read_merges=True, notes=True,
                            clear_fill=True, hide_sheets=True, formatting=True)
    api = book.api
    client = api.get("client") or ""
    if client == "Office.js":
        sheets = api.get("sheets") or []
        notes = all(isinstance(s.get("notes"), list) and s.get("notes_supported") is not False for s in sheets)
        return Capabilities(engine, client, notes=notes, clear_fill=True, hide_sheets=True, formatting=True)
    return Capabilities(engine, client)


# --- reading ------------------------------------------------------------------------------


def grid_value(value):
    """A value as xlwings returns it → as the openpyxl adapter puts it into a grid."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return Decimal(repr(value))
    return value


_AREA = re.compile(r"(?:'((?:[^']|'')+)'|([^'!,=]+))!(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)")


def parse_areas(refers_to: str) -> list[tuple[str, int, int, int, int]]:
    """``='S'!$A$1:$B$2,'S'!$C$3`` → [(sheet, r1, c1, r2, c2), …]."""
    out = []
    for m in _AREA.finditer(refers_to or ""):
        sheet = (m.group(1) or "").replace("''", "'") if m.group(1) is not None else m.group(2).strip()
        out.append((sheet, *_bounds(m.group(3))))
    return out


def _bounds(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.replace("$", "").partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _unquote_scope(name: str) -> str:
    """``'S 1'!xlt_input`` → ``S 1!xlt_input`` (the openpyxl adapter's key)."""
    sheet, bang, bare = name.rpartition("!")
    if not bang:
        return name
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return f"{sheet}!{bare}"


def read_names(book, caps: Capabilities) -> dict[str, str]:
    """Defined names → refers-to without "=", keyed like the openpyxl adapter (``Sheet!name`` when local)."""
    names: dict[str, str] = {}
    if caps.remote:
        sheets = [s.get("name") for s in book.api.get("sheets") or []]
        for entry in book.api.get("names") or []:
            bare = str(entry.get("name", "")).rpartition("!")[2]
            key = bare if entry.get("book_scope", True) else f"{entry.get('scope_sheet_name')}!{bare}"
            refers = entry.get("refers_to")
            if not refers and entry.get("address") and entry.get("sheet_index") is not None:
                sheet = quote_sheet(sheets[entry["sheet_index"]])
                refers = ",".join(f"{sheet}!{_absolute(area)}" for area in str(entry["address"]).split(","))
            if refers:
                names[key] = str(refers).lstrip("=")
        return names
    for name in book.names:
        try:
            names[_unquote_scope(name.name)] = str(name.refers_to).lstrip("=")
        except Exception:   # a broken name (#REF!) must not stop the reading
            continue
    return names


def _absolute(area: str) -> str:
    parts = []
    for ref in area.strip().replace("$", "").split(":"):
        r, c = parse_a1(ref)
        parts.append(f"${col_letter(c)}${r}")
    return ":".join(parts)


def role_cells(names: dict[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet → {(row, col): "input" | "computed"} from the ``xlt_input``/``xlt_computed`` names."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    for key, refers in names.items():
        bare = key.rpartition("!")[2]
        if bare not in ROLE_NAMES:
            continue
        role = bare.partition("_")[2]
        for sheet, r1, c1, r2, c2 in parse_areas(refers):
            cells = out.setdefault(sheet, {})
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    cells[(r, c)] = role
    return out


def infer_merges(cells: dict, roles: dict) -> list[tuple[int, int, int, int]]:
    """Merged labels, guessed from values alone (the remote engine sends no merges).

    A text cell followed by blanks is taken as merged up to the next cell the
    names mark as input/computed; on a sheet without those names, up to the next
    number. Anything else stays unmerged (the value is the cell to its right).
    """
    if not cells:
        return []
    bound = max(max(c for _, c in cells), max((c for _, c in roles), default=0))
    merges = []
    for (r, c), value in cells.items():
        if not isinstance(value, str) or (r, c + 1) in cells or (r, c + 1) in roles:
            continue
        end = c + 1
        while end <= bound and (r, end) not in cells and (r, end) not in roles:
            end += 1
        if end > bound:
            continue
        if (r, end) in roles or (not roles and not isinstance(cells.get((r, end)), str)):
            merges.append((r, c, r, end - 1))
    return merges


# --- number formats on the desktop path -------------------------------------------------------


def block_formats(cells, read_block) -> dict[tuple[int, int], str]:
    """The number format code of each of ``cells`` ((row, col) pairs), read a block at a time.

    ``read_block(r1, c1, r2, c2)`` is ``sheet.range((r1, c1), (r2, c2)).number_format``: Excel's
    ``Range.NumberFormat`` gives the block's format when all its cells share it and Null (xlwings:
    None, on Windows and on the Mac) when they do not. The block around all wanted cells is read
    first (a sheet whose numbers share a format costs one call); failing that, each column's run of
    wanted cells (formats are mostly set by column), then each stretch of adjacent wanted cells in it
    (blank cells between may carry another format); a stretch whose cells disagree is halved and each
    half read again, down to three cells, which are read one by one. Pure: the callable is the only
    contact with the spreadsheet.
    """
    out: dict[tuple[int, int], str] = {}

    def read(inside) -> bool:
        r1, r2 = min(r for r, _ in inside), max(r for r, _ in inside)
        c1, c2 = min(c for _, c in inside), max(c for _, c in inside)
        code = read_block(r1, c1, r2, c2)
        if code is None and (r1, c1) != (r2, c2):
            return False
        out.update(dict.fromkeys(inside, code or ""))
        return True

    def column(run) -> None:
        if len(run) <= 3:
            for rc in run:
                read([rc])
        elif not read(run):
            column(run[:len(run) // 2])
            column(run[len(run) // 2:])

    wanted = sorted(set(cells), key=lambda rc: (rc[1], rc[0]))
    if not wanted or read(wanted):
        return out
    by_column: dict[int, list[tuple[int, int]]] = {}
    for rc in wanted:
        by_column.setdefault(rc[1], []).append(rc)
    for run in by_column.values():
        if read(run):
            continue
        segment = [run[0]]           # the run's stretches of adjacent cells (a blank between may differ)
        for rc in run[1:]:
            if rc[0] != segment[-1][0] + 1:
                column(segment)
                segment = []
            segment.append(rc)
        column(segment)
    return out


def format_kinds(codes: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    """(row, col) → PERCENT / DATE for the codes that are one of them (``io.numfmt.format_kind``)."""
    from xltool.io.numfmt import format_kind

    out = {}
    for rc, code in codes.items():
        kind = format_kind(-1, code)
        if kind:
            out[rc] = kind
    return out


def _matrix(value) -> list[list]:
    if isinstance(value, (list, tuple)):
        return [list(row) if isinstance(row, (list, tuple)) else [row] for row in value]
    return [[value]]


class ReadingMixin:
    """The reading half of ``XlwingsBook``: uses ``book`` and ``caps``; fills ``grid``, ``roles``, ``_formulas``."""

    def read(self) -> BookGrid:
        names = read_names(self.book, self.caps)
        self.roles = role_cells(names)
        sheets = []
        for sheet in self.book.sheets:
            rng = sheet.used_range
            r0, c0 = rng.row, rng.column
            cells = {}
            for i, row in enumerate(_matrix(rng.options(ndim=2, err_to_str=True).value)):
                for j, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    cells[(r0 + i, c0 + j)] = grid_value(value)
            sheets.append(SheetGrid(sheet.name, cells, self._merges(sheet, cells), self._hidden(sheet),
                                    self._formats(sheet, cells)))
        self.grid = BookGrid(sheets, names, self.book.name, formats_known=not self.caps.remote)
        return self.grid

    def _formats(self, sheet, cells) -> dict:
        """Percent/date formats of the numeric cells (desktop: ``number_format`` read per block, see
        :func:`block_formats`; remote: unknown — the book JSON carries no formats)."""
        if self.caps.remote:
            return {}
        numeric = [rc for rc, value in cells.items() if isinstance(value, (int, Decimal)) and not isinstance(value, bool)]
        codes = block_formats(numeric, lambda r1, c1, r2, c2: sheet.range((r1, c1), (r2, c2)).number_format)
        return format_kinds(codes)

    def _hidden(self, sheet) -> bool:
        try:
            return not sheet.visible
        except (KeyError, NotImplementedError):   # the VBA client sends no visibility
            return sheet.name == layout.META_SHEET

    def _merges(self, sheet, cells) -> list[tuple[int, int, int, int]]:
        if self.caps.remote:
            sent = sheet.api.get("merges")
            if sent is not None:
                return [_bounds(ref.rpartition("!")[2]) for ref in sent]
            return infer_merges(cells, self.roles.get(sheet.name, {}))
        merges = []
        for (r, c), value in cells.items():   # only a text cell with a blank right of it can be a merged label
            if isinstance(value, str) and (r, c + 1) not in cells:
                rng = sheet.range((r, c))
                if rng.merge_cells:
                    area = rng.merge_area
                    merges.append((area.row, area.column, area.last_cell.row, area.last_cell.column))
        return merges

    def formula_cells(self, sheet_name: str) -> set[tuple[int, int]] | None:
        """Cells of a sheet that hold a formula, or None when the engine cannot tell."""
        if sheet_name not in self._formulas:
            sheet = self.book.sheets[sheet_name]
            found: set[tuple[int, int]] | None = None
            if self.caps.remote:
                sent = sheet.api.get("formulas")
                if sent is not None:
                    found = {(i + 1, j + 1) for i, row in enumerate(sent) for j, f in enumerate(row or [])
                             if isinstance(f, str) and f.startswith("=")}
            else:
                rng = sheet.used_range
                found = {(rng.row + i, rng.column + j) for i, row in enumerate(_matrix(rng.formula))
                         for j, f in enumerate(row) if isinstance(f, str) and f.startswith("=")}
            self._formulas[sheet_name] = found
        return self._formulas[sheet_name]
