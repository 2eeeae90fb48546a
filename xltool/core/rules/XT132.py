"""XT132 平衡表基金支出与支出表不符 — the 平衡表's expenditure per fund is the fund total of 表三/表六.

In the 平衡表 (表一/表八) each fund's expenditure line (20901 … 20912) has the
columns 上年执行数 and 本年预算数; they equal the fund's total row in the
支出执行情况表 (表三/表十, 上年预计执行数) and the 支出安排表 (表六/表十三, 本年预算数).
Blank and 0 agree; a blank against a figure does not.

Bad:  表八 20911 机关事业单位基本养老保险基金支出 2022 执行数 110628, 表十 三、机关事业单位基本养老保险基金支出
      2022 预计执行数 106628.
Good: both 110628 (seed 004 agrees for every fund, in 全地区 and 本级).
"""
from xltool.core.findings import ERROR
from xltool.core.model import BUDGET_TABLES
from xltool.core.rules.XT131 import balance_vs_tables

CODE, NAME, SEVERITY, FORMS = "XT132", "平衡表基金支出与支出表不符", ERROR, (BUDGET_TABLES,)


def check(ctx):
    yield from balance_vs_tables(ctx, CODE, NAME, "out", ("expenditure_exec", "expenditure_plan"))
