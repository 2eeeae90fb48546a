"""XT135 险种年末结余不等于上年结余加收入减支出 — per fund, in the budget year.

For each fund in the 结余安排表 (表七/表十四):
本年年末累计结余预算数 = 上年年末累计结余预计数 + 本年收入预算数 (表五/表十二)
− 本年支出预算数 (表六/表十三). Blank counts as 0; a fund blank in all four is skipped.

Severity: an error, unless the gaps are explained at the level of the whole
平衡表 — that is, they add up exactly to the 上年结余收入 gap XT130 reports
(表一 2023 上年结余收入 − 2022 年终结余), or the 平衡表 carries transfers
(上级补助/下级上解/补助下级/上解上级) that the 附表 do not split by fund. Then each
fund's gap is a warning that locates the XT130 error (or the transfers) fund by fund.

Bad:  seed 004 表七 城乡居民基本养老保险 384149 + 112832 − 71171 = 425810, stated 431145
      (机关事业 556138 vs 553229, 职工医保 592504 vs 576352, 居民医保 424304 vs 401119;
      the gaps add up to −36911 = 1844673 − 1881584, XT130's gap → warnings).
Good: 431145 = 384149 + 118167 − 71171.
"""
from decimal import Decimal

from xltool.core import funds
from xltool.core.findings import ERROR, WARNING, Finding, fmt
from xltool.core.model import BUDGET_TABLES
from xltool.core.rules.XT131 import cell

CODE, NAME, SEVERITY, FORMS = "XT135", "险种年末结余不等于上年结余加收入减支出", ERROR, (BUDGET_TABLES,)
TRANSFERS = ("in.upper_subsidy", "in.lower_remit", "out.lower_subsidy", "out.upper_remit")
ZERO = Decimal(0)


def check(ctx):
    calc, book = ctx.facts["budget"], ctx.instance
    if not {"surplus_plan", "income_plan", "expenditure_plan"} <= set(calc.rows):
        return
    gaps = []
    for fund in funds.FUNDS:
        s1 = cell(calc, book, "surplus_plan", fund.key, 1)
        s0 = cell(calc, book, "surplus_plan", fund.key, 0)
        income = cell(calc, book, "income_plan", fund.key, 1)
        spending = cell(calc, book, "expenditure_plan", fund.key, 1)
        if all(v is None for v in (s1, s0, income, spending)):
            continue
        if s1 is None or (income is None and spending is None):
            continue   # the year's figures are not typed yet (e.g. a rolled-over form): nothing to check
        expected = (s0 or ZERO) + (income or ZERO) - (spending or ZERO)
        if (s1 or ZERO) != expected:
            gaps.append((fund, s1, s0, income, spending, expected))
    if not gaps:
        return
    total_gap = sum(((s1 or ZERO) - expected for _, s1, _, _, _, expected in gaps), ZERO)
    explained = ""
    if "balance" in calc.rows:
        carried = cell(calc, book, "balance", "in.carry_over", 1)
        year_end = cell(calc, book, "balance", "out.year_end", 0)
        if carried is not None and year_end is not None and carried != year_end and carried - year_end == total_gap:
            explained = (f"；各险种差额合计 {fmt(total_gap)} 正是平衡表本年上年结余收入 {fmt(carried)} 与上年年终结余 "
                         f"{fmt(year_end)} 之差（见 XT130），请一并核对各险种上年结余")
        elif any(cell(calc, book, "balance", key, 1) for key in TRANSFERS):
            explained = "；平衡表列有上下级补助或上解，附表未按险种分列，差额可能由此产生，请核实"
    severity = WARNING if explained else ERROR
    for fund, s1, s0, income, spending, expected in gaps:
        yield Finding(CODE, severity,
                      f"{NAME}：{fund.name} 上年结余 {fmt(s0)} + 本年收入 {fmt(income)} − 本年支出 {fmt(spending)}"
                      f" = {fmt(expected)}，结余安排表为 {fmt(s1)}（差额 {fmt((s1 or ZERO) - expected)}）{explained}",
                      f"surplus_plan.{fund.key}.1", fmt(expected), fmt(s1),
                      [f"surplus_plan.{fund.key}.0", f"income_plan.{fund.key}.1", f"expenditure_plan.{fund.key}.1"])
