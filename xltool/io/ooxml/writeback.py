"""Write-back by patching the package: only the cells, styles and notes that change are rewritten.

The same result as the openpyxl path (``xlsx.write_back``) — recomputed values
(formula cells keep their formula and get the value cached), marks (fill and
note, originals recorded in ``_xltool``), the 校验结果 sheet, full recalculation
on load — but every other byte of the package is kept: images, charts, shapes,
macros, pivot tables, rich-text notes, extensions. A package this module does
not handle raises ``Unsupported`` before anything is written.
"""
from __future__ import annotations

from pathlib import Path

from xltool.io import atomic
from xltool import marks
from xltool.core import layout
from xltool.core.cellref import col_letter, parse_a1
from xltool.io.ooxml.comments import SheetNotes
from xltool.io.ooxml.package import KEEP, Package, Unsupported
from xltool.io.ooxml.sheet import SheetPart, generated_sheet
from xltool.io.ooxml.styles import PERCENT, Styles, rgb_of

HEADER_FONT = '<font><b/><sz val="10"/><name val="宋体"/></font>'


class Patch:
    def __init__(self, source: str | Path):
        self.package = Package(source)
        if not self.package.has(Styles.PART):
            raise Unsupported("no styles part")
        self.styles = Styles(self.package.text(Styles.PART))
        self._sheets: dict[str, SheetPart] = {}
        self._notes: dict[str, SheetNotes] = {}
        self.fills: dict[tuple[str, int, int], str | None] = {}     # cell → fill to give it (rgb, <fill> or None)
        self.percent: set[tuple[str, int, int]] = set()
        self.sizes: dict[str, dict[str, tuple[int, int]]] = {}

    def sheet(self, name: str) -> SheetPart:
        if name not in self._sheets:
            entry = self.package.sheet(name)
            if entry is None or not self.package.has(entry.part):
                raise Unsupported(f"sheet {name!r} has no part")
            self._sheets[name] = SheetPart(self.package.text(entry.part))
        return self._sheets[name]

    def notes(self, name: str) -> SheetNotes:
        if name not in self._notes:
            self._notes[name] = SheetNotes(self.package, self.package.sheet(name).part, self.sheet(name))
        return self._notes[name]

    # --- the three steps of a write-back --------------------------------------------------
    def clear(self, meta_rows: list[list]) -> list[list]:
        """Undo the previous run's marks; returns the ``_xltool`` rows to keep."""
        keep = []
        for row in meta_rows:
            if row and row[0] == "mark":
                sheet, _, coord = str(row[1]).rpartition("!")
                if self.package.sheet(sheet) is None:
                    continue
                r, c = parse_a1(coord)
                exact = row[5] if len(row) > 5 and row[5] else None     # the fill's own XML, whatever its kind
                self.fills[(sheet, r, c)] = exact or (row[2] if len(row) > 2 else None) or None
                clerk = row[3] if len(row) > 3 else None
                if clerk and clerk != marks.NOTE_FLAG:     # the open-book path's flag, not a clerk's text
                    self.notes(sheet).restore(coord, str(clerk), str(row[4] or "") if len(row) > 4 else "")
                else:
                    self._drop_our_note(sheet, coord)
            elif row and row[0] not in (None, "", "key"):
                keep.append(list(row[:2]))
        for entry in self.package.sheets:   # notes left by a run whose meta was lost
            if entry.name != marks.FINDINGS_SHEET and any(r.get("Type", "").endswith("/comments")
                                                          for r in self.package.rels(entry.part)):
                for coord in self.notes(entry.name).refs():
                    self._drop_our_note(entry.name, coord)
        if self.package.sheet(marks.FINDINGS_SHEET):
            self.package.remove_sheet(marks.FINDINGS_SHEET)
        return keep

    def _drop_our_note(self, sheet: str, coord: str) -> None:
        note = self.notes(sheet).get(coord)
        if note and note[1] == marks.NOTE_AUTHOR:
            self.notes(sheet).remove(coord)

    def write_computed(self, cells: dict[str, tuple[str, int, int]], computed: dict[str, object],
                       formulas: dict[str, str] | None = None, typed: dict[str, object] | None = None) -> None:
        """Values into computed cells; a formula cell keeps its formula (the value is its cache); a computed
        cell that lost its formula gets it back, the clerk's value kept in a note (``typed``)."""
        formulas, typed = formulas or {}, typed or {}
        for key in [*computed, *(k for k in typed if k not in computed)]:
            value = computed.get(key)
            sheet_name, r, c = cells[key]
            sheet = self.sheet(sheet_name)
            number = marks.cell_value(key, value)
            if marks.is_percent_key(key) and not self.styles.is_percent(sheet.style(r, c)):
                self.percent.add((sheet_name, r, c))
            cell = sheet.cell(r, c)
            if cell is not None and cell.formula:
                sheet.set(r, c, value="" if number is None else number)
            elif key in formulas:
                sheet.set(r, c, value="" if number is None else number, formula=formulas[key])
                if key in typed:
                    self._keep_original(sheet_name, r, c, "值", typed[key])
            elif cell is not None or number not in (None, ""):
                sheet.set(r, c, value=number)

    def _keep_original(self, sheet_name: str, r: int, c: int, what: str, value) -> None:
        coord = f"{col_letter(c)}{r}"
        old = self.notes(sheet_name).get(coord)
        existing = old[0] if old and old[1] != marks.NOTE_AUTHOR else None
        from xltool.core.findings import fmt

        note = marks.original_note(what, fmt(value) if not isinstance(value, str) else value, existing)
        if self.notes(sheet_name).put(coord, note, old[1] if existing else marks.ORIGINAL_AUTHOR):
            self.sizes.setdefault(sheet_name, {})[coord] = marks.note_size(note)

    def write_inputs(self, inputs: dict) -> None:
        """A number typed as text becomes the number; the text is kept in a note xltool never removes."""
        for (sheet_name, r, c), (number, text, percent) in inputs.items():
            sheet = self.sheet(sheet_name)
            sheet.set(r, c, value=number)
            if percent and not self.styles.is_percent(sheet.style(r, c)):
                self.percent.add((sheet_name, r, c))
            self._keep_original(sheet_name, r, c, "输入", text)

    def mark(self, findings) -> list[list]:
        """Fill and note each marked cell; returns the ``_xltool`` mark rows recording the originals."""
        rows = []
        for (sheet, coord), group in marks.by_cell(findings, {s.name for s in self.package.sheets}).items():
            r, c = parse_a1(coord)
            key = (sheet, r, c)
            original = self.fills[key] if key in self.fills else self.styles.fill_xml(self.sheet(sheet).style(r, c))
            notes = self.notes(sheet)
            clerk = notes.get(coord)
            clerk = clerk if clerk and clerk[1] != marks.NOTE_AUTHOR else None
            rows.append(["mark", f"{sheet}!{coord}", rgb_of(original), clerk[0] if clerk else None,
                         clerk[1] if clerk else None, original or None])
            self.fills[key] = marks.MARK_FILLS[marks.worst(group)]
            text = marks.note_text(group, clerk[0] if clerk else None)
            if clerk and text.startswith(clerk[0]):    # xltool's text joins the clerk's note as one more run
                done = notes.annotate(coord, text[len(clerk[0]):], marks.NOTE_AUTHOR)
            else:
                done = notes.put(coord, text, marks.NOTE_AUTHOR)
            if done:
                self.sizes.setdefault(sheet, {})[coord] = marks.note_size(text)
        return rows

    # --- the sheets xltool owns ---------------------------------------------------------
    def meta_sheet(self, rows: list[list]) -> None:
        xml = generated_sheet([["key", "value"], *rows])
        entry = self.package.sheet(layout.META_SHEET)
        if entry:
            self.package.put(entry.part, xml)
            self._sheets.pop(layout.META_SHEET, None)
        else:
            self.package.add_sheet(layout.META_SHEET, xml, hidden=True)

    def findings_sheet(self, findings) -> None:
        rows = marks.findings_rows(findings)
        header = self.styles.derive(0, fill=marks.HEADER_FILL, font=self.styles.add_font(HEADER_FONT))
        xml = generated_sheet(rows, marks.FINDINGS_WIDTHS, header, autofilter=True, freeze=True, landscape=True)
        self.package.add_sheet(marks.FINDINGS_SHEET, xml)
        index = len(self.package.sheets) - 1
        ref = f"'{marks.FINDINGS_SHEET}'!$A$1:${col_letter(len(marks.FINDINGS_HEADER))}${len(rows)}"
        self.package.set_defined_name("_xlnm._FilterDatabase", index, ref, hidden=True)
        titles = f"'{marks.FINDINGS_SHEET}'!{marks.FINDINGS_PRINT['title_rows']}"   # header row on every page
        self.package.set_defined_name("_xlnm.Print_Titles", index, titles)

    # --- output --------------------------------------------------------------------------
    def _apply_styles(self) -> None:
        for key in sorted(set(self.fills) | self.percent):   # a fixed order: the same input, the same bytes
            sheet_name, r, c = key
            sheet = self.sheet(sheet_name)
            style = self.styles.derive(sheet.style(r, c), fill=self.fills.get(key, KEEP),
                                       number_format=PERCENT if key in self.percent else None)
            sheet.set(r, c, style=style)

    def finish(self) -> None:
        """Put every edit into the package's parts (nothing is written to disk yet)."""
        self._apply_styles()
        for name, notes in self._notes.items():
            notes.save(self.sheet(name), self.sizes.get(name, {}))
        for name, sheet in self._sheets.items():
            entry = self.package.sheet(name)
            if entry is not None:
                self.package.put(entry.part, sheet.render())
        if self.styles.added:
            self.package.put(Styles.PART, self.styles.render())
        self.package.full_calc_on_load()

    def save(self, target: str | Path) -> None:
        with atomic.replacing(target) as tmp:
            self.package.save(tmp)


def meta_rows(grid) -> list[list]:
    """The rows of a BookGrid's ``_xltool`` sheet (empty when it has none)."""
    sheet = grid.sheet(layout.META_SHEET)
    if sheet is None:
        return []
    return [[sheet.get(r, c) for c in range(1, 7)] for r in range(1, sheet.max_row + 1)]


def write_back(source, target, forms, findings, meta_rows: list[list]) -> None:
    """Patch ``source`` with the evaluations of its forms and save the result at ``target``.

    forms: [(cells, computed)] per form; findings: resolved (sheet and cell set);
    meta_rows: the rows of the workbook's ``_xltool`` sheet as read (empty when it has none).
    The source has been read already (``safety.precheck`` passed); the package's size limits
    are checked again as it is opened, unless the source is a ``safety.Named`` marked ``checked``.
    """
    try:
        patch = Patch(source)
        keep = patch.clear(meta_rows)
        for form in forms:
            cells, computed, inputs, formulas, typed = marks.form_parts(form)
            patch.write_inputs(inputs)
            patch.write_computed(cells, computed, formulas, typed)
        mark_rows = patch.mark(findings)
        if mark_rows or patch.package.sheet(layout.META_SHEET) or keep:
            patch.meta_sheet(keep + mark_rows)
        if findings:
            patch.findings_sheet(findings)
        patch.finish()
    except (KeyError, ValueError, IndexError, AttributeError, UnicodeDecodeError) as exc:
        # a package laid out in a way the patcher does not expect: nothing written yet
        raise Unsupported(f"{type(exc).__name__}: {exc}") from exc
    patch.save(target)
