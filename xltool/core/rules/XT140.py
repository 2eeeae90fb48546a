"""XT140 区域绩效目标表与预算不一致 — a 区域绩效目标表 (F1) agrees with its unit's 附表 (F5).

The amounts of the target table are the budget's, in 亿元 truncated to 2 decimals
(DOMAIN.md F1), compared with a tolerance of ±0.01 亿元 for the rounded unit:
- 资金情况 收入预算金额 / 支出预算金额 = the fund's 本年预算数 in 表五 / 表六;
- the 数量指标 社会保险费收入 (医疗保险费收入 …) and 社会保险待遇支出 state the fund's
  保险费收入 and 待遇支出 (the centre of ``3.59亿元±5%``, the value of ``≥28.44亿元``).
The shares and 基金静态可支付月数 computed from the budget must meet their targets
(error when not). 其他支出 is not itemised in the 附表, so its share is an upper
bound: missing a ≤ target is a warning that says so. What the 附表 cannot measure
is reported as info ("cannot verify").

Bad:  收入预算金额 11.82 亿元 while 表五 城乡居民基本养老保险基金收入 2023 预算数 is 112832 万元 (→ 11.28);
      社会保险费收入占基金收入比重 ≥35% while 35926 / 112832 = 31.84%.
Good: seed 004: 11.28 / 7.11, 3.59亿元±5%, 7.06亿元±5%, ≥30% (31.84%), ≥99% (99.29%),
      ≥65个月 (72.69); 其他支出 0.71% against ≤0.6% is the warning.

Runs where the budget is known: ``xltool run`` passes each seed's 附表 to the evaluation of the
target tables imported from the same seed (``evaluate(..., budgets=...)`` → ``ctx.facts["budgets"]``;
the table is checked against the 附表 of its own region, else the first); ``derive-targets`` and
``core.consistency.check_targets_against_budget`` call ``check_target`` directly. ``check`` /
``recompute`` / ``convert`` of a target table on its own know no budget: XT140 stays silent there.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from xltool.core import funds
from xltool.core.calc.budget import BudgetCalc, recompute_budget
from xltool.core.calc.derive import FIGURES, fund_figures, indicator_figure, is_budgeted, judge, target_amount
from xltool.core.findings import ERROR, INFO, WARNING, Finding, fmt
from xltool.core.model import REGIONAL_TARGET, BudgetWorkbook, RegionalTarget

CODE, NAME, SEVERITY, FORMS = "XT140", "区域绩效目标表与预算不一致", ERROR, (REGIONAL_TARGET,)
TOLERANCE = Decimal("0.01")   # 亿元: one unit of the rounded figure


def check(ctx):
    books = ctx.facts.get("budgets") or []
    target = ctx.instance
    if not books:
        return
    book = next((b for b in books if b.entity == target.region), books[0])
    yield from check_target(target, book)


def related_cells(fund_key: str, figure: str) -> list[str]:
    """Field keys of the 附表 cells a figure comes from."""
    return {
        "income_yi": [f"income_plan.{fund_key}.1"],
        "expenditure_yi": [f"expenditure_plan.{fund_key}.1"],
        "premium_yi": [f"income_plan.{fund_key}.premium.1"],
        "benefit_yi": [f"expenditure_plan.{fund_key}.benefit.1"],
        "premium_share": [f"income_plan.{fund_key}.premium.1", f"income_plan.{fund_key}.1"],
        "benefit_share": [f"expenditure_plan.{fund_key}.benefit.1", f"expenditure_plan.{fund_key}.1"],
        "other_share": [f"expenditure_plan.{fund_key}.1", f"expenditure_plan.{fund_key}.benefit.1",
                        *(f"expenditure_plan.{fund_key}.{k}.1" for k, _ in funds.FUND_BY_KEY[fund_key].extra_expenditure)],
        "months": [f"surplus_plan.{fund_key}.1", f"expenditure_plan.{fund_key}.1"],
    }[figure]


def agrees(stated: Decimal, computed: Decimal) -> bool:
    return abs(stated - computed) <= TOLERANCE


def check_target(target: RegionalTarget, book: BudgetWorkbook, calc: BudgetCalc | None = None) -> Iterator[Finding]:
    """Findings of one target table against one unit's 附表 (keys are the target table's fields;
    ``related`` names the 附表 cells by their field keys)."""
    fund = funds.find_fund(target.fund)
    if fund is None:
        yield Finding(CODE, WARNING, f"{NAME}：无法从险种名称“{target.fund}”识别险种，未与预算核对", "fund")
        return
    calc = calc or recompute_budget(book)
    if not is_budgeted(calc, fund):
        yield Finding(CODE, ERROR, f"{NAME}：{book.entity}附表中{fund.name}没有本年预算数，目标表却列有该险种",
                      "fund", "", target.fund, [f"income_plan.{fund.key}.1", f"expenditure_plan.{fund.key}.1"])
        return
    figures = fund_figures(calc, fund)
    for key, label, source in (("income_yi", "收入预算金额(亿元)", "收入安排表"),
                               ("expenditure_yi", "支出预算金额(亿元)", "支出安排表")):
        stated, computed = getattr(target, key), figures[key]
        if computed is None:
            continue
        if stated is None:
            yield Finding(CODE, WARNING, f"{NAME}：{label}未填写，按{source}应为 {fmt(computed)}", key,
                          fmt(computed), "空白", related_cells(fund.key, key))
        elif not agrees(stated, computed):
            wan = figures["income" if key == "income_yi" else "expenditure"]
            yield Finding(CODE, ERROR, f"{NAME}：{label} {fmt(stated)}，{source}本年预算数 {fmt(wan)} 万元"
                          f"折合 {fmt(computed)} 亿元（截尾保留两位小数）", key, fmt(computed), fmt(stated),
                          related_cells(fund.key, key))
    for i, indicator in enumerate(target.indicators):
        key = indicator_figure(indicator.level3)
        if key not in ("premium_yi", "benefit_yi") or not indicator.target:
            continue
        computed = figures[key]
        stated = target_amount(indicator.target)
        cell = f"ind.{i}.target"
        if computed is None:
            yield Finding(CODE, INFO, f"{NAME}：附表未列“{FIGURES[key][1]}”，无法核验“{indicator.level3}”", cell,
                          "", indicator.target, related_cells(fund.key, key))
        elif stated is None:
            yield Finding(CODE, INFO, f"{NAME}：“{indicator.level3}”的指标值不是亿元金额，无法与预算 {fmt(computed)} 亿元核对",
                          cell, f"{fmt(computed)}亿元", indicator.target, related_cells(fund.key, key))
        elif not agrees(stated, computed):
            wan = figures["premium" if key == "premium_yi" else "benefit"]
            yield Finding(CODE, ERROR, f"{NAME}：“{indicator.level3}”指标值 {indicator.target} 与预算不符：附表 {fmt(wan)} 万元"
                          f"折合 {fmt(computed)} 亿元", cell, f"{fmt(computed)}亿元", indicator.target,
                          related_cells(fund.key, key))
    for j in judge(target, figures):
        if j.figure in ("premium_yi", "benefit_yi") or not j.severity:
            continue
        yield Finding(CODE, j.severity, f"{NAME}：“{j.name}”{j.note}", f"ind.{j.index}.target",
                      j.target if j.met is None else f"满足 {j.target}", j.measured_text or "无法计算",
                      related_cells(fund.key, j.figure))
