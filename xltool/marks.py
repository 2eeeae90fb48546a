"""What a write-back puts into a workbook, independent of the library that writes it.

The openpyxl path (``xlsx``), the package patcher (``ooxml.writeback``) and the
open-book path (``xlwings_adapter``) all mark cells, word notes and fill the
findings sheet from these definitions, so the three give the same result.
"""
from __future__ import annotations

from decimal import Decimal

from xltool.core.findings import SEVERITY_ZH

# Marks must not look like the template's own fills (input FFF9E5, computed E3EEF9) nor like each
# other, also in a grey-scale print: luminance about 249 input, 236 computed, 211 info (green),
# 189 warning (amber), 164 error (red); tests/test_looks.py holds them apart.
MARK_FILLS = {"error": "FF7C80", "warning": "FFC000", "info": "C6E0B4"}
INPUT_FILL, COMPUTED_FILL = "FFF9E5", "E3EEF9"
NOT_MET_FONT = "C00000"   # 未达标 in red (a conditional format on the 是否达标 cells)
# Print setup of the findings sheet (all write-back paths): A4 landscape, one page wide, header repeated.
FINDINGS_PRINT = {"paper": 9, "orientation": "landscape", "fit_width": 1, "fit_height": 0, "title_rows": "$1:$1"}
NOTE_AUTHOR = "xltool"
ORIGINAL_AUTHOR = "xltool（原值）"   # a note keeping what the clerk typed; never removed by xltool
NOTE_FLAG = "note"   # 4th column of an _xltool mark row from the open-book path: xltool added the note
FINDINGS_SHEET = "校验结果"
FINDINGS_HEADER = ("规则", "级别", "位置", "说明", "应为", "实为")
FINDINGS_WIDTHS = (8, 6, 22, 110, 18, 18)   # 说明 wide enough for a whole message on one line
HEADER_FILL = "D9D9D9"
PERCENT_FORMAT = "0.00%"
_RANK = {"error": 0, "warning": 1, "info": 2}


def is_percent_key(key: str) -> bool:
    return key.endswith((".pct", ".rate")) or key == "execution_rate"


def cell_value(key: str, value):
    """The value a computed cell holds: percentages as fractions (the cell shows them with %)."""
    return value / 100 if is_percent_key(key) and isinstance(value, Decimal) else value


def by_cell(findings, sheets) -> dict[tuple[str, str], list]:
    """Findings grouped by the cell they mark (only cells on existing sheets)."""
    out: dict[tuple[str, str], list] = {}
    for finding in findings:
        if finding.sheet in sheets and finding.cell:
            out.setdefault((finding.sheet, finding.cell), []).append(finding)
    return out


def worst(group) -> str:
    return min(group, key=lambda f: _RANK[f.severity]).severity


def note_text(group, clerk_text: str | None = None) -> str:
    """One note for all findings of a cell; the clerk's own note stays on top."""
    text = "\n\n".join(f.note_text() for f in group)
    return f"{clerk_text}\n\n—— xltool ——\n{text}" if clerk_text else text


def note_size(text: str) -> tuple[int, int]:
    """Width and height (points) of a note big enough for its text."""
    return 320, min(60 + 18 * text.count("\n") + len(text) // 2, 400)


def findings_rows(findings) -> list[list]:
    return [list(FINDINGS_HEADER)] + [[f.rule, SEVERITY_ZH[f.severity], f.location, f.message, f.expected, f.found]
                                      for f in findings]


def original_note(what: str, text: str, existing: str | None = None) -> str:
    """The note kept on a cell whose typed content xltool changed: what the clerk typed, in full."""
    line = f"原{what}：“{text}”（{'文本格式的数字，xltool 已改为数字' if what == '输入' else 'xltool 已恢复公式'}）"
    return f"{existing}\n{line}" if existing and line not in existing else (existing or line)


def form_parts(form) -> tuple[dict, dict, dict, dict, dict]:
    """(cells, computed, inputs, formulas, typed) of one form to write; older callers pass (cells, computed).

    inputs: (sheet, row, col) → (number, original text, percent?) for numbers typed as text;
    formulas: field key → the formula a computed cell must carry (restored where it is missing);
    typed: field key → the clerk's value found over a formula (kept in the note).
    """
    cells, computed, *rest = form
    rest = list(rest) + [{}] * (3 - len(rest))
    return cells, computed, rest[0] or {}, rest[1] or {}, rest[2] or {}
