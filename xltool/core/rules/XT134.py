"""XT134 上年预计执行数与执行情况表不符 — the 安排 tables repeat the 执行 tables' 预计执行数.

The first column of 表五/六/七 (表十二/十三/十四), 上年预计执行数 / 上年年末累计结余预计数,
is the second column of 表二/三/四 (表九/十/十一) row by row: every fund total and
every 其中 line. Different figures are an error. A 其中 line left blank in one
table while the other gives a figure is a warning: the fund totals still agree,
the itemisation is missing on one side (漏填). Total rows are sums and are not
compared again (XT101 covers them).

Bad:  表三 城乡居民基本医疗保险 大病保险支出 2022 预计执行数 blank, 表六 2022 预计执行数 56848
      (seed 004, also 表十 / 表十三) → warning.
Good: 表二 城乡居民养老 保险费收入 35490 = 表五 35490.
"""
from xltool.core import funds
from xltool.core.findings import ERROR, WARNING, Finding, fmt
from xltool.core.model import BUDGET_TABLES
from xltool.core.rules.XT131 import cell, column_name, differ, table_name

CODE, NAME, SEVERITY, FORMS = "XT134", "上年预计执行数与执行情况表不符", ERROR, (BUDGET_TABLES,)
PAIRS = (("income_exec", "income_plan"), ("expenditure_exec", "expenditure_plan"), ("surplus_exec", "surplus_plan"))


def check(ctx):
    calc, book = ctx.facts["budget"], ctx.instance
    for exec_kind, plan_kind in PAIRS:
        if exec_kind not in calc.rows or plan_kind not in calc.rows:
            continue
        for spec in funds.row_specs(plan_kind):
            if spec.role == "total":
                continue
            executed = cell(calc, book, exec_kind, spec.key, 1)
            planned = cell(calc, book, plan_kind, spec.key, 0)
            if not differ(executed, planned):
                continue
            label = _label(book, plan_kind, spec)
            where = (f"{table_name(book, plan_kind)}“{label}”{column_name(book, plan_kind, 0)} 为 {fmt(planned)}，"
                     f"{table_name(book, exec_kind)}{column_name(book, exec_kind, 1)} 为 {fmt(executed)}")
            if spec.parent and (executed is None or planned is None):
                blank_kind, blank_j, other_kind, other_j = ((exec_kind, 1, plan_kind, 0) if executed is None
                                                            else (plan_kind, 0, exec_kind, 1))
                yield Finding(CODE, WARNING, f"{NAME}：{where}；其中项一方漏填（险种合计一致），请补填",
                              f"{blank_kind}.{spec.key}.{blank_j}", fmt(executed if executed is not None else planned),
                              "空白", [f"{other_kind}.{spec.key}.{other_j}"])
            else:
                yield Finding(CODE, ERROR, f"{NAME}：{where}，两者应相等", f"{plan_kind}.{spec.key}.0",
                              fmt(executed), fmt(planned), [f"{exec_kind}.{spec.key}.1"])


def _label(book, kind, spec) -> str:
    row = book.tables[kind].row(spec.key) if kind in book.tables else None
    label = (row.label if row is not None else spec.label).replace(" ", "").replace("其中：", "")
    if spec.parent:
        parent = book.tables[kind].row(spec.parent) if kind in book.tables else None
        fund = funds.FUND_BY_KEY.get(spec.parent)
        owner = fund.name if fund else (parent.label if parent else spec.parent)
        return f"{owner} {label}"
    return label
