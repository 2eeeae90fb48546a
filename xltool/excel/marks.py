"""Marking findings in an open xlwings Book: fills, notes, the meta sheet, the 校验结果 sheet.

Part of the xlwings adapter (``xltool.excel.adapter`` re-exports the public names;
:class:`MarkingMixin` is the marking part of its ``XlwingsBook``). Like
``xltool.io.xlsx.write_back``: a fill and a note on every cell with a finding, the
original fill remembered in the hidden ``_xltool`` sheet (rows
``mark | Sheet!A1 | original fill | note``, the format the openpyxl path writes and
clears), and a 校验结果 sheet; ``clear_marks`` undoes the last run's marks.
"""
from __future__ import annotations

import re

from xltool.core import layout
from xltool.core.cellref import parse_a1
from xltool.marks import NOTE_FLAG
from xltool.excel.write import excel_value

NOTE_PREFIX = "【XT"          # every note xltool writes starts so (Finding.note_text)
WHITE = "#FFFFFF"


class MarkingMixin:
    """Marks, meta and findings sheets: uses ``book``, ``caps``, ``grid``, ``roles``, ``_added_sheet``
    and ``sheet``/``has_sheet`` (``WritingMixin``)."""

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
        from xltool.io.xlsx import FILLS

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
