"""Derived fund indicators of a regional target table (F1), from the form's own amounts.

DOMAIN.md, F1. Amounts are in 亿元; a bound (``≥ 615.31亿元``) or a tolerance centre
(``3.59亿元±5%``) stands for the amount.

- 社会保险费收入占基金收入比重 = 社会保险费收入 / 收入预算金额;
- 待遇支出占基金支出比重 = 待遇支出 / (支出预算金额 − an amount the target's note excludes,
  ``不包括上解全国统筹调剂资金支出50.04亿元``);
- 其他支出占基金支出比重 = (支出 − 待遇支出) / 支出 (the same exclusion applies). The 附表 do
  not itemise 其他支出, so this is an upper bound: met when the bound meets an upper-limit
  target (≤, <), otherwise 需人工判断 (a warning or, against a floor or a range, information says
  why; the 附表 path of ``calc.derive`` judges the same way). When 待遇支出 is itself a one-sided bound
  (``≤584.35亿元``) nothing can be derived: measured None, 需人工判断.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from xltool.core.arith import round_half_up
from xltool.core.calc.score import MANUAL, MET, NOT_MET, amount_in
from xltool.core.values import BARE, BOUND, EQ, TOLERANCE, UPPER_OPS, Value, compare

FEE_SHARE, BENEFIT_SHARE, OTHER_SHARE = "fee_share", "benefit_share", "other_share"
_EXCLUDED = re.compile(r"(?:不包括|不包含|不含|扣除)[^0-9]*?(\d+(?:\.\d+)?)\s*(亿元|万元)")


@dataclass
class Derived:
    index: int                  # the share indicator
    kind: str                   # FEE_SHARE / BENEFIT_SHARE / OTHER_SHARE
    measured: Decimal | None    # percent, half-up 2 dp
    judgement: str
    formula: str = ""           # e.g. "615.31 / 773.15"
    reason: str = ""            # why it cannot be derived / judged
    upper_bound: bool = False   # OTHER_SHARE: an upper bound of the true share
    sources: tuple[int, ...] = ()
    unit: str = "%"             # 亿元 / 个月 for the amounts and months measured against the 附表
    basis: str = "本表金额"      # what was divided: the form's 亿元 amounts, or the 附表's 万元 figures

    @property
    def text(self) -> str | None:
        return None if self.measured is None else f"{self.measured}{self.unit}"


_SPACE = re.compile(r"\s+")


def _name(ind) -> str:
    return _SPACE.sub("", ind.level3 or "")


def _amount(value: Value) -> tuple[Decimal | None, bool]:
    """(amount in 亿元, one-sided bound?) of an amount indicator's target."""
    if value.kind == TOLERANCE:
        centre = Value(value.text, BARE, quantity=value.quantity)
        return amount_in(centre, "亿元"), False
    if value.kind in (BOUND, BARE):
        return amount_in(value, "亿元"), value.kind == BOUND and value.op != EQ
    return None, False


def excluded(value: Value) -> Decimal:
    """An amount (亿元) the target's note leaves out of the base: 不包括…50.04亿元 → 50.04."""
    m = _EXCLUDED.search(value.note or value.text or "")
    if not m:
        return Decimal(0)
    amount = Decimal(m.group(1))
    return amount / 10000 if m.group(2) == "万元" else amount


def _find(names: list[str], test) -> int | None:
    """The first indicator whose name (``_name``) passes test."""
    return next((i for i, name in enumerate(names) if test(name)), None)


@lru_cache(maxsize=1024)
def _rows(level3s: tuple[str, ...]) -> tuple[int | None, int | None, tuple]:
    """(the 保险费收入 row, the 待遇支出 row, (kind, row) of each share) found by the rows' 三级指标 names
    (worked out once per list of names: the forms of one template share it)."""
    inds = [_SPACE.sub("", name or "") for name in level3s]   # ``_name`` of each row
    fee_i = _find(inds, lambda n: "保险费收入" in n and "占" not in n)
    benefit_i = _find(inds, lambda n: "待遇支出" in n and "占" not in n)
    shares = ((FEE_SHARE, _find(inds, lambda n: "费收入占" in n)),
              (BENEFIT_SHARE, _find(inds, lambda n: "待遇支出占" in n)),
              (OTHER_SHARE, _find(inds, lambda n: "其他支出占" in n)))
    return fee_i, benefit_i, shares


def derive_regional(instance, values) -> list[Derived]:
    fee_i, benefit_i, shares = _rows(tuple(ind.level3 for ind in instance.indicators))
    fee, _ = _amount(values[fee_i][0]) if fee_i is not None else (None, False)
    benefit, one_sided = _amount(values[benefit_i][0]) if benefit_i is not None else (None, False)
    income, spending = instance.income_yi, instance.expenditure_yi
    out: list[Derived] = []
    for kind, i in shares:
        if i is None:
            continue
        target = values[i][0]
        if kind == FEE_SHARE:
            d = _share(i, kind, fee, income, "社会保险费收入", "收入预算金额", (fee_i,))
        else:
            base = None if spending is None else spending - excluded(target)
            base_text = (f"({_fmt(spending)} − {_fmt(excluded(target))})" if excluded(target) and spending
                         else _fmt(spending) if spending is not None else "")
            if kind == BENEFIT_SHARE:
                d = _share(i, kind, benefit, base, "社会保险待遇支出", "支出预算金额", (benefit_i,))
                if d.measured is not None:
                    d.formula = f"{_fmt(benefit)} / {base_text}"
            elif benefit is not None and one_sided:
                d = Derived(i, kind, None, MANUAL, reason=f"社会保险待遇支出本身是单侧界限"
                            f"（{values[benefit_i][0].canonical()}），无法由本表推算其他支出占比",
                            sources=(benefit_i,))
            else:
                other = None if base is None or benefit is None else base - benefit
                d = _share(i, kind, other, base, "社会保险待遇支出", "支出预算金额", (benefit_i,))
                d.upper_bound = d.measured is not None
                if d.measured is not None:
                    d.formula = f"({base_text} − {_fmt(benefit)}) / {base_text}"
        if d.measured is not None:
            met = compare(target, d.measured)
            d.judgement = MANUAL if met is None else (MET if met else NOT_MET)
            # v ≤ the bound: meeting an upper limit proves v meets it; nothing else is proved either way
            if d.upper_bound and (met is False or target.effective_op() not in UPPER_OPS):
                d.judgement = MANUAL
        out.append(d)
    return out


def _share(i, kind, numerator, denominator, num_label, den_label, sources) -> Derived:
    sources = tuple(s for s in sources if s is not None)
    if numerator is None:
        return Derived(i, kind, None, MANUAL, reason=f"未找到可用的“{num_label}”金额（亿元）", sources=sources)
    if denominator is None or denominator <= 0:
        return Derived(i, kind, None, MANUAL, reason=f"“{den_label}”为空白或为零", sources=sources)
    return Derived(i, kind, round_half_up(numerator * 100 / denominator), MANUAL,
                   f"{_fmt(numerator)} / {_fmt(denominator)}", sources=sources)


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")
