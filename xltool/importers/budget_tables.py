"""Importer for F5, the 社会保险基金预算 附表 (seed 004: 表一–表十四).

The text is a tab-separated extraction: a title line ``表一：…`` (sometimes with
markdown noise such as ``###`` or ``**``), ``单位：万元``, a header row, then one
row per line. Tables are recognised by their structure, not by their labels:

- the 平衡表 by its 科目代码 columns (income and expenditure side by side);
- income / expenditure / 结余 by the rows' content (其中 收入 items, 待遇支出,
  年末累计结余), falling back on the title;
- execution / plan by the amount columns (预算调整数 → 执行, 预算数 → 安排),
  falling back on the title and then on the table's position in its set of 7;
- 全地区 / 本级 by the title (``…本级…``), falling back on the number (表八+).

Rows are mapped to the keys of ``core.funds.row_specs(kind)`` by content
(fund names, 其中 items, 科目代码), never by trusting a total's printed label
(本级 tables print 「全地区…合计」, code 209 reads 「社会保险基金收入支出」).
Printed labels are kept as printed.
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltool.core import funds
from xltool.core.arith import ArithmeticInputError, to_decimal
from xltool.core.model import BudgetRow, BudgetTable, BudgetWorkbook

_NUMBERS = {n: i + 1 for i, n in enumerate(
    ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
     "十一", "十二", "十三", "十四"))}
_TITLE = re.compile(r"^[#*\s]*(表(十[一二三四]?|[一二三四五六七八九]))[：:]\s*(.+?)[#*\s]*$")
_YEAR = re.compile(r"(20\d\d)\s*年")
_PERCENT = re.compile(r"^(-?[\d,]+(?:\.\d+)?)\s*[%％]$")

# Labels of the 其中 items (key suffix → what the printed label contains)
_INCOME_ITEMS = (("premium", ("保险费收入", "缴费收入")), ("subsidy", ("财政补贴",)), ("interest", ("利息",)))
_BALANCE_EXTRA = {  # 科目代码 → key, for the lines that are not a fund's
    "102": "in.total", "11008": "in.carry_over", "11017": "in.upper_subsidy", "11018": "in.lower_remit",
    "209": "out.total", "23009": "out.year_end", "23018": "out.lower_subsidy", "23019": "out.upper_remit",
}
_BALANCE_WORDS = (  # fallback when the code is missing: (label words, income key, expenditure key)
    (("上年结余",), "in.carry_over", None), (("上级补助",), "in.upper_subsidy", None),
    (("下级上解",), "in.lower_remit", None), (("年终结余",), None, "out.year_end"),
    (("补助下级",), None, "out.lower_subsidy"), (("上解上级",), None, "out.upper_remit"),
)
_KIND_ORDER = tuple(spec.kind for spec in funds.TABLES)


class _RawTable:
    """A table as printed: number, title, header cells and row cells."""

    def __init__(self, number: str, title: str) -> None:
        self.number = number
        self.title = title
        self.header: list[str] = []
        self.rows: list[list[str]] = []

    @property
    def ordinal(self) -> int:
        return _NUMBERS.get(self.number.removeprefix("表"), 0)


def parse_budget_tables(text: str, messages: list[str] | None = None) -> list[BudgetWorkbook]:
    """The 附表 of ``text`` as one BudgetWorkbook per (region, level).

    ``messages`` (optional) collects Chinese notes on rows that could not be
    placed; they are left out of the tables. A text without 附表 gives [].
    """
    notes = messages if messages is not None else []
    workbooks: dict[tuple[str, str], BudgetWorkbook] = {}
    for raw in _split_tables(text):
        kind = _table_kind(raw)
        if kind is None:
            notes.append(f"{raw.number}「{raw.title}」：无法识别为社会保险基金预算附表，已跳过")
            continue
        region, level = _region_and_level(raw)
        table = _build_table(raw, kind, notes)
        book = workbooks.setdefault((region, level), BudgetWorkbook(region=region, level=level))
        years = [int(y) for y in _YEAR.findall(raw.title + " ".join(table.columns))]
        if years:
            book.year = max(years + ([book.year] if book.year else []))
        if kind in book.tables:
            notes.append(f"{raw.number}：{region}{level}已有{book.tables[kind].number}同类表，已跳过")
            continue
        book.tables[kind] = table
    return list(workbooks.values())


# --- reading the text ---------------------------------------------------------

def _split_tables(text: str) -> list[_RawTable]:
    tables: list[_RawTable] = []
    current: _RawTable | None = None
    for line in text.splitlines():
        match = _TITLE.match(line)
        if match:
            current = _RawTable(match.group(1), _clean(match.group(3)))
            tables.append(current)
            continue
        if current is None or not line.strip():
            continue
        cells = [_clean(cell) for cell in line.split("\t")]
        if len(cells) == 1:
            if cells[0].startswith("单位") or current.header == [] and not current.rows:
                continue
            if not _looks_like_row(cells[0]):
                current = None          # prose or another form: the table has ended
                continue
        if not current.header and any(c in ("项目", "科目代码", "科目名称") for c in cells):
            current.header = cells
        elif not current.header and not current.rows and not any(_is_number(c) for c in cells):
            continue                    # 「收 入 … 支 出」 above the 平衡表 header
        else:
            current.rows.append(cells)
    return [t for t in tables if t.rows]


def _clean(text: str) -> str:
    return text.strip().strip("#*").strip()


def _looks_like_row(label: str) -> bool:
    """A row whose empty amount cells were lost with their tabs (「六、工伤保险基金收入」)."""
    return bool(re.match(r"^([一二三四五六七八九十]+、|其中)", label) or _subitem(label)
                or label.endswith(("合计", "总计")))


def _is_number(cell: str) -> bool:
    try:
        return to_decimal(cell.rstrip("%％")) is not None
    except ArithmeticInputError:
        return False


# --- recognising a table --------------------------------------------------------

def _table_kind(raw: _RawTable) -> str | None:
    if _is_balance(raw):
        return "balance"
    side = _side_from_rows(raw) or _side_from_text(raw.title)
    phase = _phase_from_columns(raw) or _phase_from_title(raw.title)
    if side and phase:
        return f"{side}_{phase}"
    if raw.ordinal:                     # position in its set of seven, as the last resort
        guess = _KIND_ORDER[(raw.ordinal - 1) % 7]
        if guess != "balance" and (side is None or guess.startswith(side)) \
                and (phase is None or guess.endswith(phase)):
            return guess
    return None


def _is_balance(raw: _RawTable) -> bool:
    if any("科目代码" in c for c in raw.header):
        return True
    coded = sum(1 for cells in raw.rows if re.fullmatch(r"\d{3,5}", cells[0] or "-"))
    return coded >= 3 and max(len(c) for c in raw.rows) >= 6


def _side_from_rows(raw: _RawTable) -> str | None:
    labels = [cells[0] for cells in raw.rows if cells]
    if any(_subitem(label, "income") for label in labels):
        return "income"
    if any(_subitem(label, "expenditure") for label in labels):
        return "expenditure"
    fund_labels = [label for label in labels if funds.find_fund(label)]
    for side, word in (("surplus", "结余"), ("income", "收入"), ("expenditure", "支出")):
        if fund_labels and all(word in label for label in fund_labels):
            return side
    return None


def _side_from_text(title: str) -> str | None:
    for side, word in (("surplus", "结余"), ("income", "收入"), ("expenditure", "支出")):
        if word in title:
            return side
    return None


def _phase_from_columns(raw: _RawTable) -> str | None:
    columns = [c.replace(" ", "") for c in raw.header[1:3]]
    if len(columns) < 2:
        return None
    if "调整" in columns[0]:
        return "exec"
    if "预计" in columns[0] and "预算" in columns[1]:
        return "plan"
    return None


def _phase_from_title(title: str) -> str | None:
    if "安排" in title:
        return "plan"
    if "执行" in title or "情况" in title:
        return "exec"
    return None


def _region_and_level(raw: _RawTable) -> tuple[str, str]:
    title = raw.title.replace(" ", "")
    match = re.match(r"(.+?)(?:20\d\d年|$)", title)
    region = match.group(1) if match else ""
    local = region.endswith("本级") or raw.ordinal > 7   # 表八–表十四 are the 本级 set
    return region.removesuffix("本级"), "本级" if local else "全地区"


# --- building a table -----------------------------------------------------------

def _build_table(raw: _RawTable, kind: str, notes: list[str]) -> BudgetTable:
    table = BudgetTable(kind=kind, number=raw.number, title=raw.title)
    if kind == "balance":
        table.columns = raw.header[2:4]
        table.rows, table.right_rows = _balance_rows(raw, notes)
        return table
    table.columns = raw.header[1:3]
    found: dict[str, BudgetRow] = {}
    parent = ""
    for cells in raw.rows:
        label = cells[0]
        key, parent = _row_key(label, kind, parent)
        if key is None:
            notes.append(f"{raw.number}：无法识别的行「{label}」，已略过")
            continue
        _put(found, _make_row(key, label, "", cells[1:]), raw.number, notes)
    table.rows = _in_spec_order(kind, found, funds.row_specs(kind))
    return table


def _row_key(label: str, kind: str, parent: str) -> tuple[str | None, str]:
    """The spec key of a printed row and the parent key for the 其中 rows below it."""
    side = "income" if kind.startswith("income") else "expenditure"
    item = _subitem(label, side) if not kind.startswith("surplus") else None
    if parent and item:                 # 「其中：工伤保险待遇支出」 is a 其中 row, not the fund's
        if parent == "total" and item not in ("premium", "subsidy", "interest", "benefit"):
            return None, parent
        return f"{parent}.{item}", parent
    fund = funds.find_fund(label)
    if fund is not None:
        return fund.key, fund.key
    if not parent and not item:
        return "total", "total"         # the first row is the table's total, whatever it says
    return None, parent


def _subitem(label: str, side: str | None = None) -> str | None:
    text = label.replace(" ", "").removeprefix("其中：").removeprefix("其中:")
    if side in (None, "income"):
        for key, words in _INCOME_ITEMS:
            if any(word in text for word in words) and "支出" not in text:
                return key
    if side in (None, "expenditure"):
        for fund in funds.FUNDS:
            for key, word in fund.extra_expenditure:
                if word in text:
                    return key
        if "待遇支出" in text or "待遇" in text and "支出" in text:
            return "benefit"
    return None


def _balance_rows(raw: _RawTable, notes: list[str]) -> tuple[list[BudgetRow], list[BudgetRow]]:
    income_codes = {f.income_code: f"in.{f.key}" for f in funds.FUNDS}
    expenditure_codes = {f.expenditure_code: f"out.{f.key}" for f in funds.FUNDS}
    found: dict[str, BudgetRow] = {}
    for cells in raw.rows:
        cells = cells + [""] * (8 - len(cells))
        for side, (code, label, *values) in (("in", cells[0:4]), ("out", cells[4:8])):
            if not code and not label:
                continue
            key = income_codes.get(code) if side == "in" else expenditure_codes.get(code)
            key = key or _BALANCE_EXTRA.get(code)
            if key is None or not key.startswith(side):
                key = _balance_key_by_label(label, side)
            if key is None:
                notes.append(f"{raw.number}：无法识别的行「{code} {label}」，已略过")
                continue
            _put(found, _make_row(key, label, code, values), raw.number, notes)
    specs = funds.row_specs("balance")
    return (_in_spec_order("balance", found, [s for s in specs if s.key.startswith("in.")]),
            _in_spec_order("balance", found, [s for s in specs if s.key.startswith("out.")]))


def _balance_key_by_label(label: str, side: str) -> str | None:
    fund = funds.find_fund(label)
    if fund is not None:
        return f"{side}.{fund.key}"
    for words, income_key, expenditure_key in _BALANCE_WORDS:
        if any(word in label for word in words):
            return income_key if side == "in" else expenditure_key
    if "总计" in label:
        return f"{side}.grand_total"
    if "合计" in label:
        return f"{side}.total"
    return None


def _make_row(key: str, label: str, code: str, cells: list[str]) -> BudgetRow:
    values: list[Decimal | None] = []
    percent: Decimal | None = None
    for cell in cells:
        match = _PERCENT.match(cell)
        if match:
            percent = to_decimal(match.group(1))
        elif len(values) < 2:
            values.append(_amount(cell))
    values += [None] * (2 - len(values))
    return BudgetRow(key=key, label=label, code=code, values=values, percent=percent)


def _amount(cell: str) -> Decimal | None:
    try:
        return to_decimal(cell)
    except ArithmeticInputError:
        return None


def _put(found: dict[str, BudgetRow], row: BudgetRow, number: str, notes: list[str]) -> None:
    if row.key in found:
        notes.append(f"{number}：行「{row.label}」与「{found[row.key].label}」重复，保留前者")
        return
    found[row.key] = row


def _in_spec_order(kind: str, found: dict[str, BudgetRow], specs) -> list[BudgetRow]:
    """Every spec row, in spec order; rows the table did not print come back blank."""
    return [found.get(spec.key) or BudgetRow(key=spec.key, label=spec.label, code=spec.code,
                                             values=[None, None])
            for spec in specs]
