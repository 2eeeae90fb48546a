"""Figures of a 区域绩效目标表 (F1) derived from one unit's 附表 (F5), and their judgement.

DOMAIN.md F1: 资金情况 = the fund's 本年预算收入 / 支出 (表五/表六 本年预算数) truncated
to 亿元; 社会保险费收入 / 待遇支出 likewise; the shares are rounded half-up to 2
decimals; 基金静态可支付月数 = 年末滚存结余 / (本年支出 / 12), half-up 2 decimals.
其他支出 is not itemised in the 附表, so its share is an upper bound.

``fund_figures`` returns a plain dict per fund (keys below); ``judge`` matches a
target table's indicators to those figures and says whether each target is met.
Pure: no spreadsheet library, Decimal only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from xltool.core import funds
from xltool.core.arith import percent, round_half_up, wan_to_yi
from xltool.core.calc.budget import BudgetCalc, recompute_budget
from xltool.core.findings import ERROR, INFO, WARNING
from xltool.core.model import BudgetWorkbook, Indicator, RegionalTarget
from xltool.core.values import UPPER_OPS, Quantity, Value, compare, infer_direction, parse_value

ZERO = Decimal(0)
TWELVE = Decimal(12)

# figure key → (unit of the measured value, Chinese name)
FIGURES = {
    "income_yi": ("亿元", "基金收入"),
    "expenditure_yi": ("亿元", "基金支出"),
    "premium_yi": ("亿元", "社会保险费收入"),
    "benefit_yi": ("亿元", "社会保险待遇支出"),
    "premium_share": ("%", "社会保险费收入占基金收入比重"),
    "benefit_share": ("%", "待遇支出占基金支出比重"),
    "other_share": ("%", "其他支出占基金支出比重"),
    "months": ("个月", "基金静态可支付月数"),
}


def _v(calc: BudgetCalc, kind: str, key: str, j: int = 1) -> Decimal | None:
    return calc.value(kind, key, j)


def is_budgeted(calc: BudgetCalc, fund: funds.Fund) -> bool:
    """The unit budgets the fund: any figure for it in the budget-year column."""
    cells = [(kind, fund.key) for kind in ("income_plan", "expenditure_plan", "surplus_plan")]
    cells += [("balance", f"in.{fund.key}"), ("balance", f"out.{fund.key}")]
    return any(_v(calc, kind, key) is not None for kind, key in cells)


def fund_figures(calc: BudgetCalc, fund: funds.Fund) -> dict:
    """Everything a 区域绩效目标表 and the 预算说明 need about one fund, in 万元 and derived.

    Keys: fund, name, income, expenditure, premium, subsidy, interest, benefit,
    extra ({key: amount} for the fund's further 其中 lines, e.g. critical_illness),
    extra_labels, surplus (本年年末滚存结余), surplus_prev, income_yi, expenditure_yi,
    premium_yi, benefit_yi, premium_share, benefit_share, other (万元), other_share,
    other_is_upper_bound, months. A blank is None; shares/months are None when they
    cannot be computed (a zero or blank denominator, a blank 待遇支出).
    """
    income = _v(calc, "income_plan", fund.key)
    if income is None:
        income = _v(calc, "balance", f"in.{fund.key}")
    spending = _v(calc, "expenditure_plan", fund.key)
    if spending is None:
        spending = _v(calc, "balance", f"out.{fund.key}")
    premium = _v(calc, "income_plan", f"{fund.key}.premium")
    benefit = _v(calc, "expenditure_plan", f"{fund.key}.benefit")
    extra = {key: _v(calc, "expenditure_plan", f"{fund.key}.{key}") for key, _ in fund.extra_expenditure}
    surplus = _v(calc, "surplus_plan", fund.key)
    other = None
    if spending is not None and benefit is not None:
        other = spending - benefit - sum((v for v in extra.values() if v is not None), ZERO)
    months = None
    if surplus is not None and spending:
        months = round_half_up(surplus * TWELVE / spending)
    return {
        "fund": fund.key,
        "name": fund.name,
        "income": income,
        "expenditure": spending,
        "premium": premium,
        "subsidy": _v(calc, "income_plan", f"{fund.key}.subsidy"),
        "interest": _v(calc, "income_plan", f"{fund.key}.interest"),
        "benefit": benefit,
        "extra": extra,
        "extra_labels": dict(fund.extra_expenditure),
        "surplus": surplus,
        "surplus_prev": _v(calc, "surplus_plan", fund.key, 0),
        "income_yi": _yi(income),
        "expenditure_yi": _yi(spending),
        "premium_yi": _yi(premium),
        "benefit_yi": _yi(benefit),
        "premium_share": percent(premium, income) if premium is not None else None,
        "benefit_share": percent(benefit, spending) if benefit is not None else None,
        "other": other,
        "other_share": percent(other, spending) if other is not None else None,
        "other_is_upper_bound": True,   # the 附表 do not itemise 其他支出 (transfers may hide in it)
        "months": months,
    }


def _yi(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else wan_to_yi(amount)


def derive_figures(book: BudgetWorkbook, calc: BudgetCalc | None = None) -> dict[str, dict]:
    """fund key → figures, for every fund the workbook budgets, in the forms' fund order."""
    calc = calc or recompute_budget(book)
    return {fund.key: fund_figures(calc, fund) for fund in funds.FUNDS if is_budgeted(calc, fund)}


# --- matching indicators to figures and judging them -----------------------------------------

def indicator_figure(name: str) -> str | None:
    """Which derived figure a 三级指标 name measures (None: not derivable from the 附表)."""
    text = re.sub(r"\s+", "", name or "")
    if "可支付月数" in text:
        return "months"
    share = "占" in text and ("比重" in text or "比例" in text or "比率" in text)
    if "其他支出" in text and share:
        return "other_share"
    if "费收入" in text or "缴费收入" in text:
        return "premium_share" if share else "premium_yi"
    if "待遇支出" in text:
        return "benefit_share" if share else "benefit_yi"
    return None


_EXCLUDE_RE = re.compile(r"不(?:包括|包含|含)[^0-9]*?(\d+(?:\.\d+)?)\s*(亿元|万元)")


@dataclass
class Judgement:
    """One indicator of a target table measured against the budget."""

    index: int                 # position in RegionalTarget.indicators
    name: str                  # 三级指标
    figure: str                # key of FIGURES
    target: str                # 指标值 as typed
    measured: Decimal | None   # our figure, in ``unit``
    unit: str
    met: bool | None           # None: cannot judge
    severity: str = ""         # "" when met; else ERROR / WARNING / INFO
    note: str = ""             # Chinese explanation

    @property
    def measured_text(self) -> str:
        if self.measured is None:
            return ""
        return f"{format(self.measured, 'f')}{self.unit}"

    @property
    def verdict(self) -> str:
        """Text for the 是否达标 column."""
        if self.met is True:
            return "达标"
        if self.met is False and self.severity == ERROR:
            return "未达标"
        return "需人工判断"


def judge(target: RegionalTarget, figures: dict) -> list[Judgement]:
    """Measure every indicator of ``target`` that the 附表 can measure (amounts, shares, months)."""
    out = []
    for i, indicator in enumerate(target.indicators):
        key = indicator_figure(indicator.level3)
        if key is None or not indicator.target:
            continue
        out.append(_judge_one(i, indicator, key, figures))
    return out


# figure key → (numerator, denominator) keys of fund_figures, in 万元
_BASIS = {"premium_share": ("premium", "income"), "benefit_share": ("benefit", "expenditure"),
          "other_share": ("other", "expenditure"), "premium_yi": ("premium", None),
          "benefit_yi": ("benefit", None), "months": ("surplus", "expenditure")}


def figure_basis(key: str, figures: dict, target: str = "") -> tuple[Decimal, Decimal | None] | None:
    """The 万元 figures a measured figure divides: (numerator, denominator; None for 亿元 amounts).
    待遇支出占比 whose 指标值 excludes an amount (``不包括…50.04亿元``) divides by 支出 − that amount.
    None: the 附表 do not give the numerator."""
    num_key, den_key = _BASIS[key]
    num = figures.get(num_key)
    if num is None:
        return None
    den = figures.get(den_key) if den_key else None
    if key == "benefit_share" and den:
        excluded = _excluded(parse_value(target).note or "")
        if excluded is not None:
            den = den - excluded
    return num, den


def measure(key: str, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    """A figure from its 万元 basis, as the forms round it: 亿元 truncated to 2 dp; shares in percent and
    可支付月数 (× 12) half-up to 2 dp; None for a blank or non-positive denominator."""
    if key.endswith("_yi"):
        return wan_to_yi(numerator)
    if denominator is None or denominator <= 0:
        return None
    return round_half_up(numerator * (TWELVE if key == "months" else 100) / denominator)


def _judge_one(i: int, indicator: Indicator, key: str, figures: dict) -> Judgement:
    basis = figure_basis(key, figures, indicator.target)
    j = judge_measured(i, indicator, key, measure(key, *basis) if basis else None)
    if key == "benefit_share" and basis and basis[1] != figures.get("expenditure"):
        j.note = j.note or f"按指标值注明扣除 {format(figures['expenditure'] - basis[1], 'f')} 万元后计算"
    return j


def judge_measured(i: int, indicator: Indicator, key: str, measured: Decimal | None) -> Judgement:
    """Judge one indicator's 指标值 against its measured figure (in the figure's unit)."""
    value = parse_value(indicator.target)
    unit, label = FIGURES[key]
    j = Judgement(i, indicator.level3, key, indicator.target, measured, unit, None)
    if measured is None:
        j.severity = INFO
        j.note = f"附表未提供计算“{label}”所需数据，无法核验"
        return j
    if not value.numeric:
        j.severity = INFO
        j.note = "指标值不是可比较的数值，无法核验"
        return j
    direction = indicator.direction or infer_direction(indicator.level3, value)
    j.met = compare(value, Quantity(measured, unit), direction)
    if j.met is None:
        j.severity = INFO
        j.note = f"指标值单位与测算值（{unit}）不可比，无法核验"
    elif key == "other_share":
        op = value.effective_op(direction)
        if j.met is False and op in UPPER_OPS:
            j.severity = WARNING
            j.note = (f"附表未单列其他支出，{format(measured, 'f')}% 为上限（支出 − 待遇支出 − 其他已列明支出），"
                      "实际比重可能更低，请核实")
        elif op not in UPPER_OPS:
            j.met, j.severity = None, INFO
            j.note = "其他支出比重只能算出上限，无法核验下限目标"
    elif j.met is False:
        j.severity = ERROR
        j.note = f"按预算测算“{label}”为 {j.measured_text}，未达到指标值 {indicator.target}"
    return j


def _excluded(note: str) -> Decimal | None:
    """An annotation like 不包括上解全国统筹调剂资金支出50.04亿元 → 500400 (万元)."""
    m = _EXCLUDE_RE.search(note)
    if not m:
        return None
    amount = Decimal(m.group(1))
    return amount * 10000 if m.group(2) == "亿元" else amount


def target_amount(value: Value | str) -> Decimal | None:
    """The amount, in 亿元, an amount indicator's 指标值 states (the centre of ±, the bound's value)."""
    if isinstance(value, str):
        value = parse_value(value)
    q = value.quantity if value.kind in ("bound", "bare", "tolerance") else None
    if q is None:
        return None
    if not q.unit:
        return q.amount
    try:
        return q.to("亿元").amount
    except Exception:   # units.UnitError: not a money amount
        return None


def suggested_target(key: str, figures: dict) -> str:
    """A starting 指标值 for a new table (the clerk sets the final one).

    Amounts: the budget figure ±5%; shares of 费收入/待遇支出 and months: at least
    the figure rounded down to a whole number; 其他支出: at most the figure rounded up.
    """
    measured = figures.get(key)
    if measured is None:
        return ""
    unit = FIGURES[key][0]
    if key.endswith("_yi"):
        return f"{format(measured, 'f')}亿元±5%"
    whole = measured.to_integral_value(rounding=ROUND_FLOOR)
    if key == "other_share":
        return f"≤{format(measured.to_integral_value(rounding=ROUND_CEILING), 'f')}%"
    return f"≥{format(whole, 'f')}{unit}"


__all__ = ["FIGURES", "Judgement", "derive_figures", "figure_basis", "fund_figures", "indicator_figure", "is_budgeted",
           "judge", "judge_measured", "measure", "suggested_target", "target_amount"]
