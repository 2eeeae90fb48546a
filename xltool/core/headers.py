"""The indicator table's header row: which column holds which field, found by the header texts.

The row holding both 一级指标 and 三级指标 is the header; each field's column is the first whose
label starts with one of the field's aliases (the hidden helper columns' labels match exactly).
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from functools import lru_cache

from xltool.core.formulas import F4_HELPER_LABELS, HELPER_LABELS
from xltool.core.grid import SheetGrid, norm
from xltool.core.regional_formulas import HELPER_LABELS as F1_HELPER_LABELS

COLUMN_ALIASES = {
    "target": ("指标值", "年度指标值", "预期指标值"),
    "actual": ("实际完成值", "实际完成指标值"),
    "weight": ("指标分值权重", "分值", "权重"),
    "basis": ("指标值设置依据",),
    "last_year": ("上年完成值",),
    "scoring_rule": ("指标赋分规则", "赋分规则"),
    "evidence": ("佐证资料",),
    "direction": ("指标方向",),
    "deviation": ("偏差原因分析及改进措施", "偏差原因"),
    "score": ("得分",),
    "rate": ("完成率",),
    "judgement": ("是否达标",),
    "measured": ("测算值",),
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "level3": ("三级指标",),
}
COLUMN_ALIASES.update({key: (label,) for key, label in HELPER_LABELS.items()})   # matched exactly
COLUMN_ALIASES.update({key: (label,) for key, label in F1_HELPER_LABELS.items()})
COLUMN_ALIASES.update({key: (label,) for key, label in F4_HELPER_LABELS.items()})
COLUMN_ALIASES = {key: tuple(norm(a) for a in aliases) for key, aliases in COLUMN_ALIASES.items()}
# values whose text is digits, a sign, a point, % or a date: never a header label
_PLAIN = frozenset((int, float, Decimal, bool, _dt.date, _dt.datetime, _dt.time))


def header_row(sheet: SheetGrid) -> tuple[int, dict[str, int]] | None:
    """(row, column key → column) of the first row holding both 一级指标 and 三级指标, or None.

    Found from the cells alone: only a text cell holding 级 and 标 can read 一级指标 or 三级指标 (``norm``
    takes characters out, never adds any), and another value's ``text`` holds both only when it is
    neither a number nor a date; the rows of such cells are all that is looked at, in order."""
    cells, text, last = sheet.cells, sheet.text, sheet.max_col + 1
    rows = sorted({r for (r, _c), value in cells.items()
                   if (("级" in value and "标" in value) if type(value) is str else type(value) not in _PLAIN)})
    for r in rows:
        if r < 1:
            continue
        texts = {c: norm(text(r, c)) for c in range(1, last) if (r, c) in cells}   # blank cells match nothing
        if "一级指标" in texts.values() and "三级指标" in texts.values():
            return r, dict(_columns(tuple(texts.items())))
    return None


@lru_cache(maxsize=256)
def _columns(texts: tuple[tuple[int, str], ...]) -> dict[str, int]:
    """Column key → column, from a header row's (column, label) pairs (worked out once per header:
    files made from one template share it; callers get a copy)."""
    cols: dict[str, int] = {}
    for key, aliases in COLUMN_ALIASES.items():
        for c, text in texts:
            if text and text.startswith(aliases):
                if key == "target" and ("设置依据" in text or "实际" in text):
                    continue
                if (key == "score" or key.startswith("h_")) and text not in aliases:
                    continue
                cols.setdefault(key, c)
                break
    return cols
