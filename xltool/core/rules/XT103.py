"""XT103 收支总计不平衡 — in the 平衡表, 收入总计 must equal 支出总计.

收入总计 = 102 合计 + 11008 上年结余 + 11017 上级补助 + 11018 下级上解;
支出总计 = 209 合计 + 23009 年终结余 + 23018 补助下级 + 23019 上解上级.
Bad:  收入总计 2876731, 支出总计 2876000.   Good: both 2876731.
"""
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT103", "收支总计不平衡", ERROR, (BUDGET_TABLES,)


def check(ctx):
    for j in (0, 1):
        income = ctx.computed.get(f"balance.in.grand_total.{j}")
        spending = ctx.computed.get(f"balance.out.grand_total.{j}")
        if income is None or spending is None or income == spending:
            continue
        yield Finding(CODE, SEVERITY, f"{NAME}：收入总计应等于支出总计（差额 {fmt(income - spending)}）",
                      f"balance.out.grand_total.{j}", fmt(income), fmt(spending), [f"balance.in.grand_total.{j}"])
