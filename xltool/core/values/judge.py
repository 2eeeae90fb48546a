"""Judging an actual against a target: :func:`infer_direction`, :func:`compare`, :func:`completion_rate`.

Part of the 指标值 grammar (``xltool.core.values`` re-exports everything public here).
Targets and actuals given as text are parsed with ``values_parse.parse_value``.

Judging (compare / completion_rate)
-----------------------------------
- Units are converted first (0.37万人 vs 745人 → 745 < 3700). A unitless amount is taken
  to be in the other side's unit. Incompatible units → None (cannot judge).
- A bare target takes ≥ (正向) or ≤ (反向). ``=`` is judged like the scoring rules:
  with target 0 it is met iff actual ≤ 0, otherwise like the direction (正向 ≥, 反向 ≤).
- An actual written as a bound (``实际≥95%``, ``上访率<0.1%``) is judged by its limit value.
- Deadlines, qualitative texts, ranges given as actuals → None.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from xltool.core.values import units
from xltool.core.arith import round_half_up
from xltool.core.model import NEGATIVE, POSITIVE
from xltool.core.values.lexicon import _FULLWIDTH
from xltool.core.values.parse import _HUNDRED, parse_value
from xltool.core.values.types import BARE, BOUND, EQ, GE, GT, LE, LOWER_OPS, LT, UPPER_OPS, Quantity, Value

# Indicator names that mean "less is better" (反向) when the value has no explicit ≤/≥.
# Pass the joined 一级/二级/三级 names so that 成本指标 is seen. "其他支出占" rather than
# "支出占": 待遇支出占基金支出比重 is 正向 (≥95%).
NEGATIVE_KEYWORDS = (
    "上访率", "投诉率", "差错率", "出错率", "错误率", "失误率", "事故率", "失业率",
    "成本", "重复参保", "虚假参保", "违规", "违纪", "违法", "欺诈", "骗保",
    "每次发放", "每季度拨付", "拨付资金数", "其他支出占",
)


# --------------------------------------------------------------------------- judging

def infer_direction(indicator_name: str, value: Value | str | None = None) -> str:
    """正向 (more is better) or 反向 (less is better).

    An explicit ≤/< makes it 反向 and ≥/> 正向; otherwise names containing one of
    NEGATIVE_KEYWORDS (上访率, 成本, 重复参保, 违规, 每次发放 …) are 反向; the default is 正向.
    """
    if isinstance(value, str):
        value = parse_value(value)
    if value is not None and value.kind == BOUND:
        if value.op in UPPER_OPS:
            return NEGATIVE
        if value.op in LOWER_OPS:
            return POSITIVE
    return _by_name(indicator_name or "")


@lru_cache(maxsize=4096)
def _by_name(indicator_name: str) -> str:
    """The direction a name alone gives (the same names in every file made from one template)."""
    name = re.sub(r"\s+", "", indicator_name.translate(_FULLWIDTH))
    if any(word in name for word in NEGATIVE_KEYWORDS):
        return NEGATIVE
    return POSITIVE


def _actual_quantity(actual) -> Quantity | None:
    if actual is None:
        return None
    if isinstance(actual, Quantity):
        return actual
    if isinstance(actual, (Decimal, int)) and not isinstance(actual, bool):
        return Quantity(Decimal(actual))
    if isinstance(actual, str):
        actual = parse_value(actual)
    if isinstance(actual, Value) and actual.kind in (BOUND, BARE):
        return actual.quantity
    return None


def _in_unit(q: Quantity, unit: str) -> Decimal | None:
    """q's amount expressed in ``unit``; a missing unit on either side is assumed to match."""
    if q.unit == unit or not q.unit or not unit:
        return q.amount
    if not units.same_dimension(q.unit, unit):
        return None
    return units.convert(q.amount, q.unit, unit)


def _judge(target: Value, actual, direction: str, round_to_target: bool):
    """(x, t) for a single-sided target or (x_low, x_high) for a range, plus op; None if not numeric."""
    if isinstance(target, str):
        target = parse_value(target)
    q = _actual_quantity(actual)
    if q is None or not target.numeric:
        return None
    places = target.decimals()

    def aligned(unit: str) -> Decimal | None:
        x = _in_unit(q, unit)
        if x is not None and round_to_target:
            x = round_half_up(x, places)
        return x

    if target.kind in (BOUND, BARE):
        x = aligned(target.quantity.unit)
        if x is None:
            return None
        return "single", target.effective_op(direction), x, target.quantity.amount
    x_low, x_high = aligned(target.low.unit), aligned(target.high.unit)
    if x_low is None or x_high is None:
        return None
    return "range", target, x_low, x_high


def _met(op: str, x: Decimal, t: Decimal, direction: str) -> bool:
    if op == EQ:
        if t == 0:
            return x <= 0
        op = LE if direction == NEGATIVE else GE
    return {GE: x >= t, GT: x > t, LE: x <= t, LT: x < t}[op]


def compare(target: Value | str, actual: Value | Quantity | str | Decimal | int, direction: str = POSITIVE,
            *, round_to_target: bool = False) -> bool | None:
    """True met / False not met / None cannot judge (qualitative, deadline, incompatible units).

    Units are converted first (target 0.37万人 vs actual 745人 → 745 < 3700 → False).
    ``round_to_target`` rounds the actual half-up to the decimals the target is written
    with before comparing (the 成本指标 rule: 1012/12 = 84.333 meets ``<=84.33``).
    """
    judged = _judge(target, actual, direction, round_to_target)
    if judged is None:
        return None
    if judged[0] == "single":
        _, op, x, t = judged
        return _met(op, x, t, direction)
    _, rng, x_low, x_high = judged
    low_ok = x_low > rng.low.amount if rng.low_open else x_low >= rng.low.amount
    high_ok = x_high < rng.high.amount if rng.high_open else x_high <= rng.high.amount
    return low_ok and high_ok


def _rate(numerator: Decimal, denominator: Decimal, met: bool) -> Decimal:
    if denominator == 0:
        return Decimal("100.00") if met else Decimal("0.00")
    return round_half_up(numerator * _HUNDRED / denominator)


def completion_rate(target: Value | str, actual: Value | Quantity | str | Decimal | int,
                    direction: str = POSITIVE, *, round_to_target: bool = False) -> Decimal | None:
    """Completion rate in percent, half-up to 2 decimals; None when not numeric.

    - ≥ / > (and bare 正向, and = 正向): actual / target × 100 (32.68 / 32.85 → 99.48).
    - ≤ / < (and bare 反向, and = 反向): target / actual × 100.
    - range / tolerance: 100.00 inside; below: actual / low; above: high / actual.
    - a zero denominator gives 100.00 when met and 0.00 when not (``≤0人``).
    """
    judged = _judge(target, actual, direction, round_to_target)
    if judged is None:
        return None
    met = compare(target, actual, direction, round_to_target=round_to_target)
    if judged[0] == "single":
        _, op, x, t = judged
        if op == EQ:
            op = LE if (direction == NEGATIVE or t == 0) else GE
        if op in LOWER_OPS:
            return _rate(x, t, met)
        return _rate(t, x, met)
    _, rng, x_low, x_high = judged
    if met:
        return Decimal("100.00")
    if x_low < rng.low.amount or (rng.low_open and x_low == rng.low.amount):
        return _rate(x_low, rng.low.amount, met)
    return _rate(rng.high.amount, x_high, met)
