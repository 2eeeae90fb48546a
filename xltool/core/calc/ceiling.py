"""Cost ceilings against the budget: an upper-bound 成本指标 times its count (DOMAIN.md, F4).

A 成本指标 written as an upper bound (``≤280万元`` per disbursement, ``≤640元/人``,
``≤45.5元/人/月``) allows at most ceiling × count to be spent: × the number of disbursements
(a 数量指标 in 次, else the label: 每季度 → 4), × the number of persons (a 数量指标 in 人),
× persons × 12 for a per-person-month cost. When that allowance exceeds the 年度预算总额 the
ceiling is looser than the budget itself.

The ceiling is taken at the precision it is written with: it may stand half a unit of its last
digit above the budget's own figure (5 万元 / 12 次 = 0.4167 is written ``≤0.42万元/次``; 0.42 × 12
= 5.04 is only rounding), so the allowance compared is (ceiling − half a unit) × count.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xltool.core.calc.cost import cost_basis
from xltool.core.values import BARE, BOUND, LE, LT, Value, units


@dataclass
class Ceiling:
    index: int               # the cost indicator
    ceiling: Decimal         # in 万元 per unit of count
    count: Decimal           # disbursements, persons or person-months
    count_text: str          # "4次", "973人 × 12个月"
    allowed: Decimal         # ceiling × count, 万元
    budget: Decimal          # 年度预算总额, 万元
    exceeds: bool
    sources: tuple[int, ...] = ()


def _upper(target: Value, direction: str) -> bool:
    return target.kind in (BOUND, BARE) and target.effective_op(direction) in (LE, LT)


def cost_ceilings(budget: Decimal | None, indicators, values, directions) -> list[Ceiling]:
    """One Ceiling per upper-bound 成本指标 whose count is known (values: parsed targets)."""
    out: list[Ceiling] = []
    if budget is None or budget <= 0:
        return out
    pairs = [(v, None) for v in values]
    for i, target in enumerate(values):
        basis = cost_basis(indicators, pairs, i) if _upper(target, directions[i]) else None
        if basis is None:
            continue
        per = units.convert(Decimal(1), basis.per, target.quantity.unit)
        count, text = basis.count, f"{_fmt(basis.count)}{'次' if basis.kind == 'per_time' else '人'}"
        if basis.kind == "per_person_month":
            count, text = basis.count * 12, f"{text} × 12个月"
        # per: how many 元 one unit of the target is worth → ceiling in 万元
        ceiling_wan = target.quantity.amount / per / 10000
        half = Decimal(5).scaleb(-target.decimals() - 1) / per / 10000
        allowed = ceiling_wan * count
        out.append(Ceiling(i, ceiling_wan, count, text, allowed, budget, (ceiling_wan - half) * count > budget,
                           basis.sources))
    return out


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), ",f")
