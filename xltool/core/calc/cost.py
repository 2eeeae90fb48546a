"""成本指标 of a project target (F4) derived from the budget (DOMAIN.md, F4).

- per disbursement = 年度预算总额 / 次数 (万元/次 or 万元): the count comes from a 数量指标
  written in 次 (``=12次``, ``=4次``), failing that from the cost label (每季度 → 4, 每月 → 12,
  每半年 → 2, 每年 → 1);
- per person-month = 总额(万元) × 10000 / 人数 / 12 (元/人/月), per person = 总额 / 人数 (元/人);
  the number of persons comes from a 数量指标 written in 人.
The derived figure is rounded half-up to the decimals the target is written with before
it is compared (1012 / 12 = 84.333 meets ``<=84.33``); ``=`` must then agree exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from xltool.core.values import units
from xltool.core.arith import round_half_up
from xltool.core.values import BARE, BOUND, EQ, GE, GT, LE, LT, Value

_LABEL_COUNTS = (("每季度", 4), ("每季", 4), ("每半年", 2), ("每月", 12), ("每年", 1))
_PER_TIME = ("每次", "每季", "每月", "每半年", "每年", "拨付资金", "发放数", "发放（", "发放(")


@dataclass
class CostCheck:
    index: int                  # the cost indicator
    kind: str                   # "per_time" / "per_person_month" / "per_person"
    formula: str                # e.g. "52万元 × 10000 / 973人 / 12"
    value: Decimal              # derived figure, in the target's unit (exact)
    shown: Decimal              # rounded to max(2, target decimals) for messages
    unit: str
    agrees: bool
    sources: tuple[int, ...] = ()   # indicators the count / persons came from


def _name(ind) -> str:
    return re.sub(r"\s+", "", f"{ind.level1}{ind.level2}{ind.level3}")


def is_cost(ind) -> bool:
    return "成本" in (ind.level1 or "") or "成本" in (ind.level2 or "")


def _count(indicators, values, unit: str) -> tuple[Decimal, int] | None:
    """(amount, index) of the first 数量指标-like indicator written in exactly ``unit``; ``=`` first."""
    found = []
    for i, ind in enumerate(indicators):
        v = values[i][0]
        if is_cost(ind) or v.kind not in (BOUND, BARE) or v.quantity.unit != unit or v.quantity.amount <= 0:
            continue
        rank = (0 if v.kind == BARE or v.op == EQ else 1, 0 if "数量" in ind.level2 else 1)
        found.append((rank, i, v.quantity.amount))
    if not found:
        return None
    _, i, amount = min(found)
    return amount, i


def _agrees(target: Value, shown: Decimal) -> bool:
    t = target.quantity.amount
    op = target.op if target.kind == BOUND else EQ
    return {EQ: shown == t, LE: shown <= t, LT: shown < t, GE: shown >= t, GT: shown > t}[op]


@dataclass(frozen=True)
class Basis:
    """What a money 成本指标's figure is per: persons, person-months or disbursements."""
    kind: str                   # "per_time" / "per_person_month" / "per_person"
    count: Decimal              # persons (also for person-months) or disbursements
    per: str                    # the unit of one figure: 元/人/月, 元/人, 元/次 or 元
    sources: tuple[int, ...]    # indicators the count came from (none when it came from the label)


def cost_basis(indicators, values, i: int) -> Basis | None:
    """The Basis of indicator ``i`` when it is a 成本指标 in money whose count is known."""
    ind, target = indicators[i], values[i][0]
    if not is_cost(ind) or target.kind not in (BOUND, BARE) or not target.quantity.unit:
        return None
    try:
        dim = units.dimension(target.quantity.unit)
    except units.UnitError:
        return None
    if dim[0] != "money":
        return None
    if dim[1] in (("month", "person"), ("person",)):
        persons = _count(indicators, values, "人")
        if persons is None:
            return None
        if dim[1] == ("person",):
            return Basis("per_person", persons[0], "元/人", (persons[1],))
        return Basis("per_person_month", persons[0], "元/人/月", (persons[1],))
    if dim[1] not in ((), ("times",)):
        return None
    name = _name(ind)
    if dim[1] == () and not any(word in name for word in _PER_TIME):
        return None
    per = "元/次" if dim[1] else "元"
    found = _count(indicators, values, "次")
    if found is not None:
        return Basis("per_time", found[0], per, (found[1],))
    label = next((n for word, n in _LABEL_COUNTS if word in name), None)
    return None if label is None else Basis("per_time", Decimal(label), per, ())


def check_costs(instance, values) -> list[CostCheck]:
    """One CostCheck per 成本指标 whose figure can be derived from the budget."""
    total = instance.total
    out: list[CostCheck] = []
    if total is None or total <= 0:
        return out
    yuan = total * 10000
    for i in range(len(instance.indicators)):
        basis = cost_basis(instance.indicators, values, i)
        if basis is None:
            continue
        target = values[i][0]
        unit = target.quantity.unit
        count = _fmt(basis.count)
        if basis.kind == "per_person_month":
            value = units.convert(yuan / basis.count / 12, basis.per, unit)
            formula = f"{_fmt(total)}万元 × 10000 / {count}人 / 12"
        else:
            value = units.convert(yuan / basis.count, basis.per, unit)
            formula = f"{_fmt(total)}万元 / {count}{'人' if basis.kind == 'per_person' else '次'}"
        places = target.decimals()
        rounded = round_half_up(value, places)
        out.append(CostCheck(i, basis.kind, formula, value, round_half_up(value, max(2, places)), unit,
                             _agrees(target, rounded), basis.sources))
    return out


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")
