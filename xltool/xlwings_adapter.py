"""The xlwings adapter: the open workbook as a ``BookGrid``, and write-back through xlwings.

Reading gives the reader exactly what the openpyxl adapter gives it for a file:
one batched read of each sheet's used range (``.value``), the defined names, the
hidden flag, and the merges the reader needs to find a value right of a merged
label. Writing mirrors ``xltool.xlsx.write_back``: recomputed values (one write
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
exact: ``"formulas"`` (a matrix like ``"values"``, anchored at A1) and
``"merges"`` (a list of A1 ranges).

xlwings itself is not imported here: the functions work on the objects given.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from xltool.core import layout
from xltool.core.cellref import col_letter, parse_a1
from xltool.core.grid import BookGrid, SheetGrid

ROLE_NAMES = ("xlt_input", "xlt_computed")
NOTE_PREFIX = "【XT"          # every note xltool writes starts so (Finding.note_text)
NOTE_FLAG = "note"            # 4th column of a mark row: xltool added a note there
WHITE = "#FFFFFF"


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


def _matrix(value) -> list[list]:
    if isinstance(value, (list, tuple)):
        return [list(row) if isinstance(row, (list, tuple)) else [row] for row in value]
    return [[value]]


class XlwingsBook:
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

    # reading

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
            sheets.append(SheetGrid(sheet.name, cells, self._merges(sheet, cells), self._hidden(sheet)))
        self.grid = BookGrid(sheets, names, self.book.name)
        return self.grid

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

    # writing

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

    def meta_rows(self) -> list[list]:
        sheet = self.grid.sheet(layout.META_SHEET) if self.grid else None
        if sheet is None:
            return []
        return [[sheet.get(r, c) for c in range(1, max(sheet.max_col, 2) + 1)] for r in range(1, sheet.max_row + 1)]

    def clear_marks(self) -> tuple[int, list[list], dict[tuple[str, str], str]]:
        """Undo the last run's marks: fills back, xltool's notes gone, no 校验结果 sheet.

        Returns (cells cleared, the meta rows to keep, original fill by (sheet, A1)).
        """
        from xltool.marks import FINDINGS_SHEET

        kept: list[list] = []
        originals: dict[tuple[str, str], str] = {}
        cleared = 0
        for row in self.meta_rows():
            head = row[0] if row else None
            if head == "mark":
                sheet_name, _, coord = str(row[1]).rpartition("!")
                original = _text(row[2] if len(row) > 2 else "")
                flag = _text(row[3]) if len(row) > 3 else None   # None: an openpyxl run, which always adds a note
                if self.has_sheet(sheet_name):
                    originals[(sheet_name, coord)] = original
                    rng = self.sheet(sheet_name).range(coord)
                    self.set_fill(rng, fill_hex(original))
                    if flag != "":
                        self.delete_note(rng, certain=flag == NOTE_FLAG)
                    cleared += 1
            elif head not in (None, "", "key"):
                kept.append([head, row[1] if len(row) > 1 else None])
        if self.caps.notes and not self.caps.remote:   # notes left by a run whose meta was lost
            for sheet in self.book.sheets:
                for note in list(sheet.notes):
                    try:
                        if str(note.text).startswith(NOTE_PREFIX):
                            note.delete()
                    except Exception:
                        continue
        if self.has_sheet(FINDINGS_SHEET):
            self.sheet(FINDINGS_SHEET).delete()
        return cleared, kept, originals

    def set_fill(self, rng, color: str | None) -> None:
        if color is None and not self.caps.clear_fill:
            color = WHITE
        rng.color = color

    def delete_note(self, rng, certain: bool) -> bool:
        if not self.caps.notes:
            return False
        note = rng.note
        if note is None:
            return False
        if not self.caps.remote and not certain:
            try:
                if not str(note.text).startswith(NOTE_PREFIX):
                    return False
            except Exception:
                return False
        note.delete()
        return True

    def original_fill(self, sheet_name: str, coord: str, rng) -> str:
        """The fill of a cell before xltool marks it, as the openpyxl path records it (``00RRGGBB`` or "")."""
        if self.caps.read_fills:
            color = rng.color
            if color is None:
                return ""
            if isinstance(color, (tuple, list)):
                return "00" + "".join(f"{int(v):02X}" for v in color[:3])
            return "00" + str(color).lstrip("#").upper()[-6:]
        from xltool.xlsx import FILLS

        role = self.roles.get(sheet_name, {}).get(parse_a1(coord))
        return FILLS[role].fgColor.rgb if role in FILLS else ""

    def mark(self, findings, originals: dict[tuple[str, str], str]) -> tuple[list[list], int]:
        """A fill and a note per cell with findings (several findings share the note). Returns (meta rows, notes)."""
        from xltool import marks

        rows, notes = [], 0
        for (sheet_name, coord), group in marks.by_cell(findings, {s.name for s in self.book.sheets}).items():
            rng = self.sheet(sheet_name).range(coord)
            original = originals.get((sheet_name, coord))
            if original is None:
                original = self.original_fill(sheet_name, coord, rng)
            rng.color = "#" + marks.MARK_FILLS[marks.worst(group)]
            flag = ""
            if self.caps.notes and rng.note is None:   # a note of the clerk's own is left alone
                text = marks.note_text(group)
                note = rng.add_note(text)
                if not self.caps.remote:
                    _size_note(note, text)
                flag, notes = NOTE_FLAG, notes + 1
            rows.append(["mark", f"{sheet_name}!{coord}", original, flag])
        return rows, notes

    def write_meta(self, rows: list[list]) -> None:
        """The hidden ``_xltool`` sheet: key/value rows, then the mark rows (old rows blanked out)."""
        old = self.grid.sheet(layout.META_SHEET) if self.grid else None
        body = [["key", "value"], *rows]
        marks = any(row and row[0] == "mark" for row in rows)
        if old is None:
            if not marks:
                return
            after = self.book.sheets[len(self.book.sheets) - 1]
            sheet = self.book.sheets.add(layout.META_SHEET, after=after)
            self._added_sheet = True
            if self.caps.hide_sheets:
                sheet.visible = False
            old_rows = old_cols = 0
        else:
            if not marks and not any(row and row[0] == "mark" for row in self.meta_rows()):
                return   # nothing was marked and nothing is: leave the sheet as it is
            sheet = self.sheet(layout.META_SHEET)
            old_rows, old_cols = old.max_row, old.max_col
        width = max(old_cols, *(len(r) for r in body))
        height = max(old_rows, len(body))
        matrix = [[None] * width for _ in range(height)]
        for i, row in enumerate(body):
            for j, value in enumerate(row):
                matrix[i][j] = None if value == "" else value
        sheet.range((1, 1), (height, width)).value = [[excel_value(v) for v in row] for row in matrix]

    def findings_sheet(self, findings) -> None:
        from xltool.marks import FINDINGS_HEADER, FINDINGS_SHEET, FINDINGS_WIDTHS, HEADER_FILL, findings_rows

        rows = findings_rows(findings)
        sheets = self.book.sheets
        sheet = sheets.add(FINDINGS_SHEET, after=sheets[len(sheets) - 1])
        self._added_sheet = True
        width = len(FINDINGS_HEADER)
        sheet.range((1, 1), (len(rows), width)).value = [[excel_value(v) for v in row] for row in rows]
        header = sheet.range((1, 1), (1, width))
        header.color = "#" + HEADER_FILL
        if self.caps.formatting:
            header.font.bold = True
            for c, w in enumerate(FINDINGS_WIDTHS, start=1):
                sheet.range((1, c)).column_width = w
        else:
            sheet.range((1, 1), (len(rows), width)).autofit()

    def activate(self, sheet_name: str) -> None:
        if self._added_sheet and self.has_sheet(sheet_name):
            self.sheet(sheet_name).activate()


def _size_note(note, text: str) -> None:
    try:   # Windows COM; other engines keep Excel's default size
        shape = note.api.Shape
        from xltool.marks import note_size

        shape.Width, shape.Height = note_size(text)
    except Exception:
        pass


def _text(value) -> str:
    return "" if value is None else str(value)


def fill_hex(original: str) -> str | None:
    """A recorded fill (``00FFF9E5``, ``FFF9E5`` or "") → ``#FFF9E5`` or None (no fill)."""
    text = _text(original).strip().lstrip("#")
    if len(text) < 6 or not re.fullmatch(r"[0-9A-Fa-f]+", text):
        return None
    return "#" + text[-6:].upper()


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
    return {cp.field for sheet in plan.sheets for cp in sheet.cells if cp.formula and cp.field}


__all__ = ["Capabilities", "XlwingsBook", "capabilities", "excel_value", "fill_hex", "formula_keys",
           "grid_value", "infer_merges", "parse_areas", "read_grid", "read_names", "rectangles", "role_cells"]


def read_grid(book) -> BookGrid:
    """The open workbook as a BookGrid (the reading interface the openpyxl adapter implements for files)."""
    return XlwingsBook(book).read()

