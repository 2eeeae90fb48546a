"""Read the F5 附表 (the fund budget's balance / income / expenditure / surplus tables) out of their
sheets: rows by their label or 科目代码, columns by their header text, the budget year from the
column headers or the titles. The target forms are read in ``reader.py``, which calls this.
"""
from __future__ import annotations

import re
from functools import lru_cache

from xltool.core import funds, model
from xltool.core.arith import ArithmeticInputError, to_decimal
from xltool.core.grid import SheetGrid, norm
from xltool.core.reader import ReadError, ReadForm, _decimal, _int, budget_kind


def read_budget_sheets(sheets: list[SheetGrid], meta: dict[str, str]) -> ReadForm:
    book = model.BudgetWorkbook(region=meta.get("region", ""), level=meta.get("level", ""),
                                year=_int(meta.get("year")))
    result = ReadForm(book)
    for sheet in sheets:
        kind = budget_kind(sheet)
        if kind is None or kind in book.tables:
            continue
        table = model.BudgetTable(kind)
        title = sheet.text(1, 1)
        table.number, _, table.title = title.partition("：") if "：" in title else ("", "", title)
        _budget_title_facts(book, table.title)
        if kind == "balance":
            _read_balance(sheet, table, result)
        else:
            _read_budget_rows(sheet, kind, table, result)
        book.tables[kind] = table
    if book.year is None:
        book.year = _budget_year(book)
    if not book.level:
        book.level = "全地区"
    return result


def _budget_title_facts(book: model.BudgetWorkbook, title: str) -> None:
    m = re.match(r"(.*?)(本级)?\s*\d{4}\s*年", title)
    if m and not book.region:
        book.region = m.group(1).strip()
        if m.group(2) and not book.level:
            book.level = "本级"


def _budget_year(book) -> int | None:
    """The budget year from the column headers (``2023年预算数``, ``2023年 预算数``), else the titles
    (an 安排 table's year, or an 执行 table's year + 1)."""
    for table in book.tables.values():
        for label in table.columns:
            m = re.match(r"(\d{4})\s*年\s*预算数", norm(label))
            if m:
                return int(m.group(1))
    years = [int(y) + (1 if kind.endswith("_exec") else 0)
             for kind, table in book.tables.items() for y in re.findall(r"(\d{4})\s*年", table.title or "")]
    return max(years, default=None)


def _find_header(sheet: SheetGrid, first: str) -> int:
    for r in range(1, min(sheet.max_row, 12) + 1):
        for c in range(1, 4):
            if norm(sheet.text(r, c)) == first:
                return r
    raise ReadError(f"工作表“{sheet.name}”：未找到表头“{first}”")


@lru_cache(maxsize=4096)
def budget_row_key(kind: str, label: str, fund_key: str | None) -> tuple[str | None, str | None]:
    """Map a printed 附表 row label to its row key, given the fund of the rows above.

    Returns (row key or None, the fund key for the rows below); worked out once per label and
    context (the same labels in every 附表).
    """
    text = norm(label).replace("其中:", "")
    fund = funds.find_fund(text)
    if fund is None and ("合计" in text or "累计结余" in text):
        return "total", None
    if fund is not None and re.match(r"^[一二三四五六七八九十]+、", text):
        return fund.key, fund.key
    prefix = fund_key or "total"
    if kind.startswith("income"):
        for key, name in funds.INCOME_ITEMS:
            if name in text:
                return f"{prefix}.{key}", fund_key
    else:
        if "大病保险" in text:
            return f"{prefix}.critical_illness", fund_key
        if "待遇支出" in text or "基本养老金支出" in text:
            return f"{prefix}.benefit", fund_key
    return None, fund_key


def _read_budget_rows(sheet: SheetGrid, kind: str, table: model.BudgetTable, result: ReadForm) -> None:
    header = _find_header(sheet, "项目")
    label_col = 1 if sheet.text(header, 1) else 2
    amount_cols = [c for c in range(1, sheet.max_col + 1)
                   if sheet.text(header, c) and norm(sheet.text(header, c)) != "项目" and "%" not in sheet.text(header, c)]
    pct_cols = [c for c in range(1, sheet.max_col + 1) if "%" in sheet.text(header, c)]
    table.columns = [sheet.text(header, c) for c in amount_cols]
    fund_key = None
    for r in range(header + 1, sheet.max_row + 1):
        first = sheet.text(r, label_col)
        label = first or sheet.text(r, label_col + 1)
        if not label:
            continue
        lc = label_col if first else label_col + 1
        key, fund_key = budget_row_key(kind, label, fund_key)
        if key is None:   # a note or signature line (经办人、填报日期…) is not a row; figures there are
            if any(sheet.get(r, c) not in (None, "") for c in amount_cols):
                result.problems.append((f"无法识别的行“{label}”，其数字未计入", sheet.name, r, lc))
            continue
        row = model.BudgetRow(key, label)
        for j, c in enumerate(amount_cols):
            row.values.append(_decimal(sheet, r, c, result, label))
            result.cells[f"{kind}.{key}.{j}"] = (sheet.name, r, c)
        if pct_cols:
            row.percent = stated_percent(sheet.get(r, pct_cols[0]))
            result.cells[f"{kind}.{key}.pct"] = (sheet.name, r, pct_cols[0])
        result.cells[f"{kind}.{key}.label"] = (sheet.name, r, lc)
        table.rows.append(row)


def stated_percent(value):
    """A stated percentage as a number of percent: 1.0422 (a % cell) or "104.22%" → 104.22."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            return to_decimal(text)
        except ArithmeticInputError:
            return None
    number = to_decimal(value)
    return (number * 100).quantize(to_decimal("0.01")) if number is not None else None


def _read_balance(sheet: SheetGrid, table: model.BudgetTable, result: ReadForm) -> None:
    header = _find_header(sheet, "科目代码")
    code_cols = [c for c in range(1, sheet.max_col + 1) if norm(sheet.text(header, c)) == "科目代码"]
    by_code = {s.code: s for s in (*funds.BALANCE_INCOME_ROWS, *funds.BALANCE_EXPENDITURE_ROWS) if s.code}
    for side, c0 in enumerate(code_cols[:2]):
        ends = code_cols[1] if side == 0 and len(code_cols) > 1 else sheet.max_col + 1
        amount_cols = [c for c in range(c0 + 2, ends) if sheet.text(header, c)][:2]
        if side == 0:
            table.columns = [sheet.text(header, c) for c in amount_cols]
        rows = table.rows if side == 0 else table.right_rows
        for r in range(header + 1, sheet.max_row + 1):
            code, label = sheet.text(r, c0), sheet.text(r, c0 + 1)
            if not code and not label:
                continue
            code = code.split(".")[0]
            spec = by_code.get(code)
            if spec is None and "总计" in label:
                spec = funds.BALANCE_INCOME_ROWS[-1] if side == 0 else funds.BALANCE_EXPENDITURE_ROWS[-1]
            if spec is None:
                result.problems.append((f"无法识别的科目“{code} {label}”", sheet.name, r, c0))
                continue
            row = model.BudgetRow(spec.key, label, spec.code)
            for j, c in enumerate(amount_cols):
                row.values.append(_decimal(sheet, r, c, result, label))
                result.cells[f"balance.{spec.key}.{j}"] = (sheet.name, r, c)
            result.cells[f"balance.{spec.key}.label"] = (sheet.name, r, c0 + 1)
            rows.append(row)
