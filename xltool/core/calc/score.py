"""Scoring of one self-evaluation indicator (DOMAIN.md, "Scoring"). Decimal only.

- 正向 (≥, >, bare 正向, = with target > 0 正向): met → full; else weight × actual / target.
- 反向 (≤, <, bare 反向, = 反向): met → full; target < actual < 2 × target →
  weight × (1 − (actual − target) / target); actual ≥ 2 × target → 0.
- target 0 (``=0``, ``≤0人``, ``<=0``): full if actual ≤ 0, else 0.
- range / tolerance: met → full; outside → proportional to the nearer bound
  (actual / low below, high / actual above).
- 定性: the actual is one of the grade phrases of ``ScoringConfig.qualitative``
  (达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差): the default share
  of the weight, or the score the clerk typed when it lies within the phrase's band
  ([80%, 100%], [60%, 80%), [0, 60%)). Anything else qualitative cannot be scored.
- 直接赋分: full if met, else 0.
Scores are rounded half-up to 2 decimals and kept within [0, weight].
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltool.core.values import units
from xltool.core.arith import round_half_up
from xltool.core.values import (
    BARE, BOUND, EQ, GE, LE, LOWER_OPS, NEGATIVE, RANGE, TOLERANCE, UPPER_OPS, Value, compare,
)

MET, NOT_MET, MANUAL = "达标", "未达标", "需人工判断"
ZERO = Decimal(0)

# Score bands of the grade phrases, as shares of the weight: (low, high, high inclusive).
_BANDS = ((Decimal("0.8"), Decimal("1"), True), (Decimal("0.6"), Decimal("0.8"), False),
          (ZERO, Decimal("0.6"), False))


def grade_phrase(text: str, config) -> str:
    """The 定性 grade phrase an actual is written as ("" when it is none of them)."""
    s = re.sub(r"[\s。，,；;！!]", "", text or "")
    if not s:
        return ""
    phrases = list(config.qualitative)
    if s in phrases:
        return s
    for phrase in sorted(phrases, key=len, reverse=True):
        if phrase in s and f"未{phrase}" not in s and f"部分{phrase}" not in s:
            return phrase
    return ""


def phrase_met(phrase: str, config) -> bool:
    """Only the top grade (share 1.00, 达成年度指标) counts as 达标."""
    return config.qualitative[phrase] >= 1


def phrase_band(phrase: str, config) -> tuple[Decimal, Decimal, bool]:
    """The score band of a grade phrase, by its rank among the configured phrases."""
    ranked = sorted(config.qualitative, key=lambda p: config.qualitative[p], reverse=True)
    rank = min(ranked.index(phrase), len(_BANDS) - 1)
    return _BANDS[rank]


def amount_in(value: Value, unit: str) -> Decimal | None:
    """A bound/bare value's amount in ``unit`` (a missing unit on either side is taken to match)."""
    if value is None or value.kind not in (BOUND, BARE):
        return None
    q = value.quantity
    if q.unit == unit or not q.unit or not unit:
        return q.amount
    if not units.same_dimension(q.unit, unit):
        return None
    return units.convert(q.amount, q.unit, unit)


def judge(target: Value, actual: Value, direction: str, config) -> str | None:
    """达标 / 未达标 / 需人工判断; None when there is nothing to judge (no actual)."""
    if actual is None or actual.kind == "empty" or target.kind == "empty":
        return None
    met = compare(target, actual, direction)
    if met is None:
        phrase = grade_phrase(actual.text, config)
        if phrase:
            return MET if phrase_met(phrase, config) else NOT_MET
        return MANUAL
    return MET if met else NOT_MET


def _clamp(score: Decimal, weight: Decimal) -> Decimal:
    return round_half_up(max(ZERO, min(weight, score)))


def proportional(weight: Decimal, target: Value, actual: Value, direction: str) -> Decimal | None:
    """按照正常比例赋分 for a numeric target; None when the actual cannot be compared."""
    met = compare(target, actual, direction)
    if met is None:
        return None
    if met:
        return round_half_up(weight)
    if target.kind in (RANGE, TOLERANCE):
        low, high = amount_in(actual, target.low.unit), amount_in(actual, target.high.unit)
        if low is None or high is None:
            return None
        if low <= target.low.amount:
            return _clamp(weight * low / target.low.amount, weight) if target.low.amount else ZERO
        return _clamp(weight * target.high.amount / high, weight) if high > 0 else ZERO
    x, t = amount_in(actual, target.quantity.unit), target.quantity.amount
    if x is None:
        return None
    op = target.effective_op(direction)
    if op == EQ:
        op = LE if (direction == NEGATIVE or t == 0) else GE
    if t <= 0:                      # target 0 (≤0人, =0): full only when met
        return round_half_up(ZERO)
    if op in LOWER_OPS:
        return _clamp(weight * x / t, weight)
    if op in UPPER_OPS:
        if x >= 2 * t:
            return round_half_up(ZERO)
        return _clamp(weight * (1 - (x - t) / t), weight)
    return None


def score_indicator(weight: Decimal, target: Value, actual: Value, direction: str, rule: str, config,
                    stated: Decimal | None = None) -> Decimal | None:
    """The 得分 of one weighted indicator, or None when it must be judged by hand."""
    if actual is None or actual.kind == "empty":
        return None
    phrase = grade_phrase(actual.text, config)
    if "直接" in (rule or ""):
        met = compare(target, actual, direction)
        if met is None and phrase:
            met = phrase_met(phrase, config)
        if met is None:
            return None
        return round_half_up(weight if met else ZERO)
    if target.numeric:
        score = proportional(weight, target, actual, direction)
        if score is not None:
            return score
    if phrase:
        low, high, closed = phrase_band(phrase, config)
        if stated is not None and weight * low <= stated and (stated < weight * high or
                                                                (closed and stated <= weight * high)):
            return round_half_up(stated)
        return round_half_up(weight * config.qualitative[phrase])
    return None
