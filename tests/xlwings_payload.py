"""Build the JSON book an xlwings client sends to the remote engine, from an .xlsx file.

The values are what Excel holds (openpyxl ``data_only``: cached results of
formulas), sent the way the clients send them: numbers as floats, dates as ISO
strings, blanks as None (the VBA client) or "" (Office.js), each sheet's values
anchored at A1 up to the end of its used range. Names are sent like the VBA
client's ``RunRemotePython`` sends them (``sheet_index`` + ``address``; several
areas comma-separated). The Office.js client also sends each sheet's visibility
and which cells have notes.

``apply_actions`` plays a response's actions back onto a payload (values,
sheets added/deleted/hidden, notes), to send the result of one button to the next.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from importlib.metadata import version

import openpyxl
from openpyxl.utils import get_column_letter

CLIENTS = ("VBA", "Office.js")


def _cell(value, blank):
    if value is None or value == "":
        return blank
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + ".000Z"
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).isoformat() + ".000Z"
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _quote(sheet: str) -> str:
    return sheet if re.fullmatch(r"[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*", sheet) else "'" + sheet.replace("'", "''") + "'"


def _address(attr_text: str) -> tuple[str, str] | None:
    """``'S'!$A$1:$B$2,'S'!$C$3`` → (S, "A1:B2,C3"), as ``RefersToRange.Address(False, False)``."""
    areas = re.findall(r"(?:'((?:[^']|'')+)'|([^'!,]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", attr_text or "")
    if not areas:
        return None
    sheets = {(a or b).replace("''", "'") for a, b, _ in areas}
    if len(sheets) != 1:
        return None
    return sheets.pop(), ",".join(ref.replace("$", "") for _, _, ref in areas)


def payload_from_xlsx(path, client: str = "VBA", *, extras: bool = False, xlwings_version: str | None = None) -> dict:
    """The book payload for a file. ``extras``: also send "formulas" and "merges" per sheet."""
    office_js = client == "Office.js"
    blank = "" if office_js else None
    wb = openpyxl.load_workbook(path, data_only=True)
    wf = openpyxl.load_workbook(path) if extras else None
    sheet_names = wb.sheetnames
    names = []

    def add_name(name, attr_text, scope_index):
        found = _address(attr_text)
        if found is None:
            return
        sheet, address = found
        entry = {"name": name if scope_index is None else f"{_quote(sheet_names[scope_index])}!{name}",
                 "sheet_index": sheet_names.index(sheet), "address": address, "book_scope": scope_index is None,
                 "scope_sheet_name": None if scope_index is None else sheet_names[scope_index],
                 "scope_sheet_index": scope_index}
        names.append(entry)

    for name, dn in wb.defined_names.items():
        add_name(name, dn.attr_text, None)
    sheets = []
    for index, ws in enumerate(wb.worksheets):
        for name, dn in ws.defined_names.items():
            add_name(name, dn.attr_text, index)
        rows, cols = ws.max_row, ws.max_column
        empty = rows == 1 and cols == 1 and ws.cell(1, 1).value is None
        values = [[]] if empty else [[_cell(ws.cell(r, c).value, blank) for c in range(1, cols + 1)]
                                     for r in range(1, rows + 1)]
        sheet = {"name": ws.title, "values": values, "pictures": [], "tables": []}
        if office_js:
            sheet["visibility"] = {"visible": "Visible", "hidden": "Hidden"}.get(ws.sheet_state, "VeryHidden")
            sheet["notes"] = [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment]
            sheet["shapes"], sheet["charts"] = [], []
        if extras:
            fs = wf[ws.title]
            sheet["formulas"] = [[fs.cell(r, c).value if fs.cell(r, c).data_type == "f" else ""
                                  for c in range(1, cols + 1)] for r in range(1, rows + 1)]
            sheet["merges"] = [str(m) for m in ws.merged_cells.ranges]
        sheets.append(sheet)
    wb.close()
    if wf is not None:
        wf.close()
    return {
        "client": client,
        "version": xlwings_version or version("xlwings"),
        "book": {"name": path.name if hasattr(path, "name") else str(path), "active_sheet_index": 0,
                 "selection": "A1"},
        "names": names,
        "sheets": sheets,
    }


def sheet_names_after(payload: dict, actions: list[dict]) -> list[list[str]]:
    """The sheet names as each action sees them (before it runs), for mapping ``sheet_position``."""
    names = [s["name"] for s in payload["sheets"]]
    seen = []
    for action in actions:
        seen.append(list(names))
        if action["func"] == "addSheet":
            names.insert(action["args"][0], action["args"][1])
        elif action["func"] == "sheetDelete":
            del names[action["sheet_position"]]
    return seen


def written_cells(payload: dict, actions: list[dict]) -> dict[tuple[str, str], object]:
    """(sheet, A1) → the last value written there by ``setValues``."""
    out = {}
    for action, names in zip(actions, sheet_names_after(payload, actions)):
        if action["func"] == "setValues":
            sheet = names[action["sheet_position"]]
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    out[(sheet, f"{get_column_letter(action['start_column'] + j + 1)}{action['start_row'] + i + 1}")] = value
    return out


def cell_actions(payload: dict, actions: list[dict], func: str) -> list[tuple[str, str, list]]:
    """(sheet, A1 of the range's first cell, args) of every action ``func``."""
    out = []
    for action, names in zip(actions, sheet_names_after(payload, actions)):
        if action["func"] == func:
            sheet = names[action["sheet_position"]] if action["sheet_position"] is not None else None
            cell = (f"{get_column_letter(action['start_column'] + 1)}{action['start_row'] + 1}"
                    if action["start_row"] is not None else None)
            if func in ("addNote", "deleteNote", "setNoteText"):
                cell = action["args"][0].replace("$", "")
            out.append((sheet, cell, action["args"]))
    return out


def apply_actions(payload: dict, actions: list[dict]) -> dict:
    """A copy of the payload with the actions applied (values, sheets, visibility, notes)."""
    book = copy.deepcopy(payload)
    blank = "" if book["client"] == "Office.js" else None
    sheets = book["sheets"]
    for action in actions:
        func, pos = action["func"], action["sheet_position"]
        if func == "addSheet":
            sheet = {"name": action["args"][1], "values": [[]], "pictures": [], "tables": []}
            if book["client"] == "Office.js":
                sheet.update(visibility="Visible", notes=[], shapes=[], charts=[])
            sheets.insert(action["args"][0], sheet)
        elif func == "sheetDelete":
            del sheets[pos]
        elif func == "setSheetVisibility":
            sheets[pos]["visibility"] = action["args"][0]
        elif func == "addNote":
            sheets[pos].setdefault("notes", []).append({"address": action["args"][0].replace("$", "")})
        elif func == "deleteNote":
            address = action["args"][0].replace("$", "")
            sheets[pos]["notes"] = [n for n in sheets[pos].get("notes", []) if n["address"] != address]
        elif func == "setValues":
            grid = sheets[pos]["values"]
            if grid == [[]]:
                grid.clear()
            r0, c0 = action["start_row"], action["start_column"]
            need_rows = r0 + len(action["values"])
            need_cols = max(len(grid[0]) if grid else 0, c0 + max(len(r) for r in action["values"]))
            for row in grid:
                row.extend([blank] * (need_cols - len(row)))
            while len(grid) < need_rows:
                grid.append([blank] * need_cols)
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("'"):
                        value = value[1:]   # Excel's text prefix
                    grid[r0 + i][c0 + j] = blank if value in ("", None) else value
    return book
