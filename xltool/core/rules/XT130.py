"""XT130 上年结余收入与上年年末结余不符 — this year's 上年结余收入 is last year's 年终结余.

In the 平衡表, 11008 社会保险基金上年结余收入 of the budget year must equal
23009 社会保险基金年终结余 of the execution year (and so the surplus tables).
Bad:  表一 2023 上年结余收入 1844673, 2022 年终结余 1881584 (seed 004; 表八: 1455189 vs 1289561).
Good: 2023 上年结余收入 1881584.
"""
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT130", "上年结余收入与上年年末结余不符", ERROR, (BUDGET_TABLES,)


def check(ctx):
    calc = ctx.facts["budget"]
    carried = calc.value("balance", "in.carry_over", 1)
    year_end = calc.value("balance", "out.year_end", 0)
    if carried is None or year_end is None or carried == year_end:
        return
    yield Finding(CODE, SEVERITY, f"{NAME}：本年上年结余收入应等于上年年终结余（差额 {fmt(carried - year_end)}）",
                  "balance.in.carry_over.1", fmt(year_end), fmt(carried), ["balance.out.year_end.0"])
