"""XT133 年终结余与结余表不符 — 平衡表 23009 年终结余 equals the 结余 tables' total.

平衡表 23009 社会保险基金年终结余: its 上年执行数 column is 表四/表十一's
年末累计结余 total (上年年末累计结余预计数), its 本年预算数 column is 表七/表十四's total
(本年年末累计结余预算数). The 结余 tables' totals are the recomputed sums over the
funds. (Per fund, the 结余 tables are checked against each other by XT134 and
against income and expenditure by XT135; the 平衡表 has no per-fund 结余 lines.)

Bad:  表一 年终结余 2023 预算数 1961845, 表七 全地区社会保险基金年末累计结余 2023 预算数 1916845.
Good: both 1961845 (seed 004: 1881584 / 1961845 全地区, 1289561 / 1530700 本级).
"""
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES
from xltool.core.rules.XT131 import cell, column_name, differ, table_name

CODE, NAME, SEVERITY, FORMS = "XT133", "年终结余与结余表不符", ERROR, (BUDGET_TABLES,)


def check(ctx):
    calc, book = ctx.facts["budget"], ctx.instance
    if "balance" not in calc.rows:
        return
    for j, kind in enumerate(("surplus_exec", "surplus_plan")):
        if kind not in calc.rows:
            continue
        stated = cell(calc, book, "balance", "out.year_end", j)
        total = cell(calc, book, kind, "total", 1)
        if not differ(stated, total):
            continue
        yield Finding(CODE, SEVERITY,
                      f"{NAME}：平衡表“社会保险基金年终结余”{column_name(book, 'balance', j)} 为 {fmt(stated)}，"
                      f"{table_name(book, kind)}年末累计结余合计（{column_name(book, kind, 1)}）为 {fmt(total)}",
                      f"balance.out.year_end.{j}", fmt(total), fmt(stated), [f"{kind}.total.1"])
