"""Read form instances out of a workbook by their labels, not fixed coordinates.

Works on a ``BookGrid`` (values only), so the same code reads a file through
openpyxl and an open book through xlwings. Rows a clerk inserted, widened
columns and header cells merged differently are all fine: header fields are
found by their label (the value is the cell right of the label's merged
range), indicator columns by their header text, 附表 rows by their label or
科目代码. Each instance comes back with ``cells``: field key → (sheet, row, col),
which is what write-back uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from xltool.core import layout, model
from xltool.core.arith import ArithmeticInputError, text_number, to_decimal
from xltool.core.grid import BookGrid, SheetGrid, norm, percent_text
from xltool.core.headers import header_row as _header_row


class ReadError(ValueError):
    """A workbook that cannot be read as a form. The message is Chinese and names file/sheet/cell."""


@dataclass
class ReadForm:
    instance: model.FormInstance
    cells: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    problems: list[tuple[str, str, int, int]] = field(default_factory=list)   # (message, sheet, row, col)
    # what the reader noticed about how a value was typed: (rule, severity, message, sheet, row, col)
    notices: list[tuple[str, str, str, str, int, int]] = field(default_factory=list)
    # input cells holding a number as text: (sheet, row, col) → (the number to write, the text, percent?)
    conversions: dict[tuple[str, int, int], tuple[object, str, bool]] = field(default_factory=dict)

    @property
    def form(self) -> str:
        return self.instance.form


def read_meta(book: BookGrid) -> dict[str, str]:
    sheet = book.sheet(layout.META_SHEET)
    if sheet is None:
        return {}
    text, meta = sheet.text, {}
    for r in range(1, sheet.max_row + 1):
        key = text(r, 1)
        if key:
            meta[key] = text(r, 2)
    return meta


# --- recognising the form ---------------------------------------------------------

_SIGNATURES = (
    (model.PROJECT_SELF_EVALUATION, ("全年执行数", "实际完成值")),
    (model.REGIONAL_TARGET, ("险种名称",)),
    (model.PROJECT_TARGET, ("项目负责人",)),
    (model.PROJECT_TARGET, ("指标分值权重",)),
    (model.SELF_EVALUATION, ("实际完成值",)),
    (model.SELF_EVALUATION, ("实际完成指标值",)),
    (model.FUND_EXPENDITURE_TARGET, ("年度资金总额",)),
)
_BUDGET_TITLES = (("平衡表", "balance"), ("收入执行", "income_exec"), ("支出执行", "expenditure_exec"),
                  ("结余情况", "surplus_exec"), ("收入安排", "income_plan"), ("支出安排", "expenditure_plan"),
                  ("结余安排", "surplus_plan"))


def _labels(sheet: SheetGrid, limit: int = 400) -> set[str]:
    if sheet.max_row <= limit:   # every row counts: the text cells alone, mapped at C speed
        return set(map(norm, [value for value in sheet.cells.values() if isinstance(value, str)]))
    return {norm(value) for (r, _c), value in sheet.cells.items() if r <= limit and isinstance(value, str)}


# The signature words a label may start with, found in one scan of the labels (one per line: a label
# never holds a line break, ``norm`` takes them out); no word starts another, so each label starts with at most one.
_WORDS = sorted({n for _, needed in _SIGNATURES for n in needed})
assert not any(a != b and a.startswith(b) for a in _WORDS for b in _WORDS)
_STARTS = re.compile("^(?:%s)" % "|".join(map(re.escape, _WORDS)), re.M)


def budget_kind(sheet: SheetGrid) -> str | None:
    """Which 附表 a sheet is, from its title (first rows), else None."""
    for r in range(1, 4):
        for c in range(1, 4):
            title = norm(sheet.text(r, c))
            for word, kind in _BUDGET_TITLES:
                if word in title.replace("预算", ""):
                    return kind
    return None


def recognise(sheet: SheetGrid) -> str | None:
    present = set(_STARTS.findall("\n".join(_labels(sheet))))   # the words some label starts with
    for form, needed in _SIGNATURES:
        if all(n in present for n in needed):
            return form
    if budget_kind(sheet):
        return model.BUDGET_TABLES
    return None


# Sheets xltool writes itself (校验结果, 汇总 …) start with one of these header rows.
_OWN_HEADERS = (("规则", "级别", "位置"), ("文件", "状态"))
OWN_SHEETS = {layout.META_SHEET, "校验结果"}


def is_own_sheet(sheet: SheetGrid) -> bool:
    """xltool's own sheets are never forms, wherever they sit in the book."""
    if sheet.name in OWN_SHEETS:
        return True
    first = tuple(norm(sheet.text(1, c)) for c in range(1, 4))
    return any(first[:len(h)] == h for h in _OWN_HEADERS)


def read_book(book: BookGrid) -> list[ReadForm]:
    """Every form instance in a workbook: one per target-form sheet, one for all 附表 sheets."""
    meta = read_meta(book)
    forms: list[ReadForm] = []
    budget_sheets = []
    for sheet in book.sheets:
        if sheet.hidden or is_own_sheet(sheet):
            continue
        form = recognise(sheet)
        if form == model.BUDGET_TABLES:
            budget_sheets.append(sheet)
        elif form == model.PROJECT_SELF_EVALUATION:
            from xltool.core.project_eval.read import read_sheet
            forms.append(read_sheet(sheet, meta))
        elif form:
            forms.append(read_target_sheet(sheet, form, meta, book.formats_known))
    if budget_sheets:
        from xltool.core.budget_read import read_budget_sheets

        forms.append(read_budget_sheets(budget_sheets, meta))
    if not forms:
        raise ReadError(f"{book.source or '工作簿'}：无法识别表单类型（未找到“险种名称”“项目负责人”“年度资金总额”"
                        "“实际完成值”或附表标题等标志性栏目）")
    return forms


# --- F1–F4 --------------------------------------------------------------------------

_NUMERIC_INDICATOR = {"weight", "score"}


def _find_label(sheet: SheetGrid, label: str, prefix: bool = False, texts=None):
    """The first cell (in reading order) whose text is label (or starts with it: ``prefix``).
    ``texts``: ``_texts(sheet)``, when the caller looks up many labels."""
    want = norm(label)
    if texts is None:
        texts = _texts(sheet)
    if not prefix and isinstance(texts, _Texts):
        return texts.first.get(want)
    for text, rc in texts:
        if text == want or (prefix and text.startswith(want)):
            return rc
    return None


class _Texts(list):
    """``_texts``: with ``first``, each label → its first place in reading order (exact look-ups at once)."""

    def __init__(self, items):
        super().__init__(items)
        self.first = {text: rc for text, rc in reversed(self)}


def _texts(sheet: SheetGrid) -> list[tuple[str, tuple[int, int]]]:
    """The text cells of a sheet in reading order, as labels (``norm``) with their places."""
    return _Texts([(norm(value), rc) for rc, value in sorted(sheet.cells.items()) if isinstance(value, str)])


TEXT_NUMBER_RULE = "XT121"
FRACTION_RULE = "XT122"


def _decimal(sheet, r, c, form: ReadForm, label: str, convert: bool = True, points: bool = False):
    """A numeric cell. A number typed as text is read AND reported (Excel's SUM skips it);
    ``convert``: it is an input cell, to become a real number on write-back.
    ``points``: a percent-formatted cell means points (a weight typed as 10% is 10)."""
    value = sheet.get(r, c)
    if isinstance(value, str):
        parsed = text_number(value)
        if parsed is None:
            if not value.strip():
                return None
            form.problems.append((f"“{label}”应为数字，实为“{value}”", sheet.name, r, c))
            return None
        number, unit = parsed
        if convert:
            _text_number_found(sheet, r, c, form, label, value, number, unit)
        return number
    try:
        number = to_decimal(value)
    except ArithmeticInputError:
        form.problems.append((f"“{label}”应为数字，实为“{value}”", sheet.name, r, c))
        return None
    if points and number is not None and sheet.is_percent(r, c):
        number = number * 100
    return number


def _text_number_found(sheet, r, c, form: ReadForm, label: str, text: str, number, unit: str) -> None:
    shown = f"{number}{'%' if unit == '%' else ''}"
    form.notices.append((TEXT_NUMBER_RULE, "warning",
                         f"“{label}”是存为文本的数字“{text}”：xltool 按 {shown} 读取，但 Excel 的合计和公式会忽略它；"
                         "重算写回时改为数字，原文本保留在批注中", sheet.name, r, c))
    form.conversions[(sheet.name, r, c)] = (number / 100 if unit == "%" else number, text, unit == "%")


def read_target_sheet(sheet: SheetGrid, form: str, meta: dict[str, str], formats_known: bool = True) -> ReadForm:
    cls = type(layout.blank_instance(form))
    instance = cls()
    result = ReadForm(instance)
    title_rc = next(((r, c) for r in range(1, 4) for c in range(1, 3) if sheet.text(r, c)), None)
    if title_rc:
        instance.title = sheet.text(*title_rc)
        result.cells["title"] = (sheet.name, *title_rc)
    year = _year(sheet) or _int(meta.get("year"))
    instance.year = year
    texts = _texts(sheet)
    for pairs in layout.HEADERS[form]:
        for label, key in pairs:
            prefix = label.startswith("其中")
            rc = _find_label(sheet, "其中" if prefix else label, prefix=prefix, texts=texts)
            if rc is None:
                continue
            r, c = rc
            vc = value_column(sheet, r, c, form)
            result.cells[key] = (sheet.name, r, vc)
            if prefix and form == model.FUND_EXPENDITURE_TARGET:
                instance.fund_label = re.sub(r"^其中[:：]?", "", sheet.text(r, c)).strip()
            if key in layout.COMPUTED_FIELDS:
                continue
            if key in layout.MONEY_FIELDS or key.endswith("_yi") or key == "execution_weight":
                value = _decimal(sheet, r, vc, result, label, points=key == "execution_weight")
                if key == "execution_weight" and value is None:
                    continue
            else:
                value = sheet.text(r, vc)
            setattr(instance, key, value)
    if form == model.REGIONAL_TARGET:
        instance.region = meta.get("region") or _region_from_title(instance.title)
    for label, key in layout.FOOTERS.get(form, ()):
        rc = _find_label(sheet, label, texts=texts)
        if rc:
            result.cells[key] = (sheet.name, rc[0], value_column(sheet, *rc, form, footer=True))
    _read_indicators(sheet, form, result, formats_known)
    return result


@lru_cache(maxsize=64)
def _form_labels(form: str) -> frozenset[str]:
    labels = {norm(label) for pairs in layout.HEADERS[form] for label, _ in pairs}
    labels |= {norm(label) for label, _ in layout.FOOTERS.get(form, ())}
    return frozenset(labels)


def value_column(sheet: SheetGrid, r: int, c: int, form: str, footer: bool = False) -> int:
    """The cell a label designates: right of its merged range; a label left unmerged with blank
    cells after it designates the first filled cell right of it (never a blank label cell),
    or, when all are blank, where the template puts that value."""
    end = sheet.merge_end(r, c)
    if sheet.get(r, end + 1) not in (None, ""):
        return end + 1
    if end > c:   # a merged label: its value cell is right of the merge, filled or not
        return end + 1
    labels = _form_labels(form)
    for cc in range(end + 1, sheet.max_col + 1):
        value = sheet.get(r, cc)
        if value in (None, ""):
            continue
        text = norm(value) if isinstance(value, str) else ""
        if text in labels or text.startswith("其中"):
            break
        if any(r1 <= r <= r2 and c1 < cc <= c2 for r1, c1, r2, c2 in sheet.merges):
            break
        return cc
    return 4 if footer and c == 1 else end + 1


def _read_indicators(sheet: SheetGrid, form: str, result: ReadForm, formats_known: bool = True) -> None:
    found = _header_row(sheet)
    if not found:
        raise ReadError(f"工作表“{sheet.name}”：未找到指标表表头（一级指标/二级指标/三级指标）")
    header, cols = found
    footer_labels = {norm(label) for label, _ in layout.FOOTERS.get(form, ())}
    columns = [c.key for c in layout.INDICATOR_COLUMNS[form]]
    # per column read: (key, col, 1 numeric / 2 text / 0 the cell alone, the label of a numeric one)
    plan = [(key, c, 1 if key in _NUMERIC_INDICATOR else
             2 if key not in ("rate", "judgement", "measured") and not key.startswith("h_") else 0,
             LABELS.get(key, key)) for key, c in cols.items() if key in columns]
    shown = [(key, c) for key, c in cols.items() if key in ("level1", "level2", "level3", "target", "actual")]
    text, name, cells, filled = sheet.text, sheet.name, result.cells, sheet.cells
    keys, places = tuple(key for key, *_ in plan), [c for _, c, _, _ in plan]
    valued = [column for column in plan if column[2]]   # the columns whose value goes into the indicator
    level1 = level2 = ""
    i = 0
    get, shown_cols = filled.get, [c for _, c in shown]
    actual_col = cols["actual"] if "actual" in cols and "actual" in columns else None
    wan_cols = (cols["h_wnum"], cols["h_wden"]) if "h_wnum" in cols and "h_wden" in cols else None
    # ``text(r, c)`` is the cell's text stripped when it holds a str, "" when blank: asked of the rest alone
    for r in range(header + 1, sheet.max_row + 2):
        value = get((r, 1))
        if norm("" if value is None else value.strip() if type(value) is str else text(r, 1)) in footer_labels:
            break
        for c in shown_cols:
            value = get((r, c))
            if value is not None and (value.strip() if type(value) is str else text(r, c)):
                break
        else:
            continue   # a blank row of the template: skip, keep going
        indicator = model.Indicator()
        row = {}
        for key, c, kind, label in valued:
            if kind == 1:
                row[key] = _decimal(sheet, r, c, result, label, convert=key == "weight", points=key == "weight")
            else:
                value = get((r, c))
                row[key] = "" if value is None else value.strip() if type(value) is str else text(r, c)
        indicator.__dict__.update(row)   # plain attributes of a plain dataclass: as setattr, at once
        cells.update(zip(_indicator_keys(i, keys), [(name, r, c) for c in places]))   # every column's cell, in order
        if actual_col is not None:
            indicator.actual = _actual(sheet, r, actual_col, indicator.target, result, formats_known)
        if wan_cols is not None:    # F1: the 附表's 万元 figures (derive-targets)
            indicator.source_wan = _source_wan(get((r, wan_cols[0])), get((r, wan_cols[1])))
        level1 = indicator.level1 or level1
        level2 = indicator.level2 or level2
        indicator.level1, indicator.level2 = level1, level2
        result.instance.indicators.append(indicator)
        i += 1


@lru_cache(maxsize=4096)
def _indicator_keys(i: int, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The field keys of indicator i's columns (``ind.3.target`` …), made once per row number and columns."""
    return tuple(f"ind.{i}.{key}" for key in keys)


def _source_wan(num, den):
    """(numerator, denominator) of an F1 row's 附表 figures; None unless the numerator is a number."""
    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return None
        return to_decimal(value)
    num = number(num)
    return None if num is None else (num, number(den))


LABELS = {"weight": "分值", "score": "得分", "actual": "实际完成值", "target": "指标值"}


def _actual(sheet: SheetGrid, r: int, c: int, target: str, result: ReadForm, formats_known: bool) -> str:
    """The 实际完成值 as text, read as the spreadsheet stores it.

    A percent-formatted 0.95 is "95%". A number typed as text ("２９６７５", "95%") is read as the number
    and reported. Where formats are unknown (the remote engine), a bare number ≤ 1.5 against a
    percentage target is taken as a fraction (0.95 → 95%) and said so.
    """
    value = sheet.get(r, c)
    if isinstance(value, str):
        parsed = text_number(value)
        if parsed is None or parsed[1] not in ("", "%"):
            return sheet.text(r, c)
        number, unit = parsed
        _text_number_found(sheet, r, c, result, "实际完成值", value, number, unit)
        return f"{number}{unit}"
    text = sheet.text(r, c)
    if (not formats_known and isinstance(value, (int, Decimal)) and not isinstance(value, bool)
            and 0 < value <= Decimal("1.5") and "%" in (target or "") and "%" not in text):
        shown = percent_text(value)
        result.notices.append((FRACTION_RULE, "info",
                               f"实际完成值 {text} 对照百分比指标值“{target}”，按 {shown} 读取（本环境读不到单元格格式；"
                               "若实为其他含义请直接写明单位）", sheet.name, r, c))
        return shown
    return text


def _year(sheet: SheetGrid, pattern: str = r"[(（]\s*(\d{4})\s*年") -> int | None:
    """The first year ``pattern`` finds in the title cells (A1:B3); by default one in brackets."""
    for r in range(1, 4):
        for c in range(1, 3):
            m = re.search(pattern, sheet.text(r, c))
            if m:
                return int(m.group(1))
    return None


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _region_from_title(title: str) -> str:
    head = re.split(r"社会保险|城乡|机关|职工|基金", title or "", maxsplit=1)[0]
    return head.strip("*# ")
