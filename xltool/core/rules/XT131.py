"""XT131 平衡表基金收入与收入表不符 — the 平衡表's income per fund is the fund total of 表二/表五.

In the 平衡表 (表一/表八) each fund's income line (10201 … 10212) has two columns:
上年执行数 and 本年预算数. They are the same figures as the fund's total row in
the 收入执行情况表 (表二/表九, 上年预计执行数 column) and the 收入安排表 (表五/表十二,
本年预算数 column). A blank on one side and a figure on the other is a mismatch too
(blank and 0 agree).

Bad:  表一 10210 城乡居民基本养老保险基金收入 2023 预算数 112823, 表五 二、城乡居民基本养老保险基金收入
      2023 预算数 112832.
Good: both 112832 (seed 004 agrees for every fund, in 全地区 and 本级).
"""
from __future__ import annotations

from decimal import Decimal

from xltool.core import funds
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT131", "平衡表基金收入与收入表不符", ERROR, (BUDGET_TABLES,)


# --- helpers shared by the cross-table rules XT131–XT135 ------------------------------------

def cell(calc, book, kind: str, key: str, j: int) -> Decimal | None:
    """The figure of a cell: the recomputed one for totals, the stated one otherwise."""
    value = calc.value(kind, key, j)
    if value is None and kind in book.tables:
        row = book.tables[kind].row(key)
        if row is not None and j < len(row.values):
            value = row.values[j]
    return value


def differ(a: Decimal | None, b: Decimal | None) -> bool:
    """Two figures that should be equal are not (blank and 0 count as equal)."""
    return (a or Decimal(0)) != (b or Decimal(0))


def table_name(book, kind: str) -> str:
    """表五收入安排表 — the table's number as printed (or its default) and its short name."""
    spec = funds.TABLE_BY_KIND[kind]
    table = book.tables.get(kind)
    number = table.number if table is not None and table.number else spec.numbers[1 if book.level == "本级" else 0]
    return f"{number}（{spec.sheet}）"


def column_name(book, kind: str, j: int) -> str:
    table = book.tables.get(kind)
    spec = funds.TABLE_BY_KIND[kind]
    if table is not None and len(table.columns) == len(spec.columns) and table.columns[j]:
        return table.columns[j].replace(" ", "")
    return spec.columns_for(book.year)[j]


def balance_vs_tables(ctx, code, name, side, kinds):
    """平衡表 per-fund line (side "in"/"out") col j against the fund total of kinds[j] col 1."""
    calc, book = ctx.facts["budget"], ctx.instance
    if "balance" not in calc.rows:
        return
    for fund in funds.FUNDS:
        for j, kind in enumerate(kinds):
            if kind not in calc.rows:
                continue
            stated = cell(calc, book, "balance", f"{side}.{fund.key}", j)
            other = cell(calc, book, kind, fund.key, 1)
            if not differ(stated, other):
                continue
            line = "收入" if side == "in" else "支出"
            yield Finding(code, ERROR,
                          f"{name}：平衡表“{fund.name}基金{line}”{column_name(book, 'balance', j)} 为 {fmt(stated)}，"
                          f"{table_name(book, kind)}该险种{column_name(book, kind, 1)} 为 {fmt(other)}，两者应相等",
                          f"balance.{side}.{fund.key}.{j}", fmt(other), fmt(stated), [f"{kind}.{fund.key}.1"])


def check(ctx):
    yield from balance_vs_tables(ctx, CODE, NAME, "in", ("income_exec", "income_plan"))
