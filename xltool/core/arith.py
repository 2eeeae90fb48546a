"""Decimal arithmetic as the published forms do it (DOMAIN.md, "Numbers and units").

- 万元 → 亿元 is *truncated* to 2 decimals (70667 万元 → 7.06 亿元).
- Percentages are rounded half-up to 2 decimals (1207152/1158257 → 104.22).
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
WAN_PER_YI = Decimal(10000)


class ArithmeticInputError(ValueError):
    """A figure that cannot be turned into a Decimal."""


def to_decimal(value: object) -> Decimal | None:
    """Turn a cell value into a Decimal; blanks give None.

    Accepts ints, Decimals, floats (via their shortest repr, so 0.1 stays 0.1),
    and strings with thousands separators or full-width digits ("354,657", "１２").
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ArithmeticInputError(f"不是数字：{value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    if not text:
        return None
    text = text.translate(_FULLWIDTH).replace(",", "").replace(" ", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ArithmeticInputError(f"不是数字：{value!r}") from None


_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_TEXT_NUMBER = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)([^\d.,+\-]{0,6})")


def text_number(text: str) -> tuple[Decimal, str] | None:
    """A number typed as text, and its trailing unit ("" / "%" / "万元" …); None if the text is no number.

    Accepts what clerks paste: ``"29675"``, full-width ``２９６７５``, ``"30075 "``, ``29,675``,
    ``"１２ 万元"``, ``"95%"``. Excel's SUM skips all of these; xltool reads them and says so.
    """
    s = re.sub(r"[\s\u3000\u00a0]+", "", str(text).translate(_FULLWIDTH))
    m = _TEXT_NUMBER.fullmatch(s)
    if not m:
        return None
    unit = m.group(2)
    if unit and (unit[0] in "=<>≥≤" or not re.fullmatch(r"%|‰|[\u4e00-\u9fff/／·]+", unit)):
        return None
    return Decimal(m.group(1).replace(",", "")), unit


def wan_to_yi(amount_wan: Decimal) -> Decimal:
    """万元 → 亿元, truncated to 2 decimals (never rounded)."""
    return (amount_wan / WAN_PER_YI).quantize(CENT, rounding=ROUND_DOWN)


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator × 100, half-up to 2 decimals.

    Blank over non-blank is 0 (27185 → blank gives 0.00%); blank denominator or a
    zero denominator gives None (nothing to show, and a zero must not divide).
    """
    if denominator is None or denominator == 0:
        return None
    return round_half_up((numerator or Decimal(0)) * 100 / denominator)


def sum_present(values) -> Decimal | None:
    """Sum of the non-blank values; None when all are blank."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return sum(present, Decimal(0))


def decimals_of(value: Decimal) -> int:
    """Number of decimals a Decimal is written with (Decimal('84.33') → 2)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
