"""The 指标值 value types: :class:`Quantity`, :class:`Value`, and the comparator and kind constants.

Part of the 指标值 grammar (``xltool.core.values`` re-exports everything here): parsing
text into a Value is in ``values_parse``, judging an actual against a target in
``values_judge``. DOMAIN.md, "指标值: the target-value grammar". Every 指标值 /
实际完成值 / 上年完成值 string becomes a :class:`Value` that keeps the original text
verbatim (``Value.text``), a structured reading, and a canonical rendering. Decimal only.

Kinds
-----
``bound``        a comparator and a quantity: ``≥ 615.31亿元``, ``<=0.42万元/次``, ``=3人``,
                 ``不低于150元/月`` (不低于/不少于/至少/达到 = ≥, 不高于/不超过/最多 = ≤,
                 高于/大于/超过 = >, 低于/小于/少于 = <; a trailing 以上 = ≥, 以内/以下/内 = ≤).
``bare``         a quantity without comparator: ``4.4 万人``, ``100%``; its comparator comes
                 from the indicator's direction (:meth:`Value.effective_op`).
``range``        ``low``–``high``, both ends inclusive unless ``low_open``/``high_open``:
                 ``70%-85%``, ``≥6月&&≤9月``, and the budget-execution band
                 ``105%≤95%`` / ``105%≤≥95%`` / ``$105\\% \\leq 95\\%$`` (= 95% ≤ x ≤ 105%): two
                 quantities joined by comparator signs always mean the band between them.
``tolerance``    ``3.59亿元±5%``: ``quantity`` is the centre, ``tolerance`` the percentage,
                 ``low``/``high`` the exact ends (3.4105 / 3.7695, never rounded). When the centre
                 itself is a percentage (``100%±5%``) the tolerance is in percentage points.
``deadline``     ``每月 25 日前``, ``每季末次月底前``, ``2020/12/31`` (``deadline`` holds the
                 normalised phrase; dates are rendered ISO ``2020-12-31``). Never judged numerically.
``qualitative``  anything else (``符合国家规定``, ``有效提高``, ``高于同期人民银行规定三个月整存整取利率``).
``empty``        blank, or a bare placeholder such as ``-``, ``—``, ``/``.

A trailing parenthesised remark after a structured value is kept in ``note``:
``≥ 95% (不包括上解全国统筹调剂资金支出50.04亿元)`` → bound ≥95% with that note.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xltool.core.values import units
from xltool.core.model import NEGATIVE, POSITIVE

# Comparators (the values of Value.op).
GE, LE, GT, LT, EQ = ">=", "<=", ">", "<", "="
COMPARATORS = (GE, LE, GT, LT, EQ)
OP_SYMBOLS = {GE: "≥", LE: "≤", GT: ">", LT: "<", EQ: "="}
LOWER_OPS = (GE, GT)    # the value must be at least …
UPPER_OPS = (LE, LT)    # the value must be at most …

# Kinds.
BOUND, BARE, RANGE, TOLERANCE = "bound", "bare", "range", "tolerance"
DEADLINE, QUALITATIVE, EMPTY = "deadline", "qualitative", "empty"
KINDS = (BOUND, BARE, RANGE, TOLERANCE, DEADLINE, QUALITATIVE, EMPTY)
NUMERIC_KINDS = (BOUND, BARE, RANGE, TOLERANCE)


# --------------------------------------------------------------------------- Quantity

@dataclass(frozen=True)
class Quantity:
    """An amount in a unit (canonical spelling; "" when no unit was written)."""

    amount: Decimal
    unit: str = ""

    def __post_init__(self):
        amount = self.amount
        if not isinstance(amount, Decimal):
            if isinstance(amount, float):
                amount = Decimal(repr(amount))
            else:
                amount = Decimal(str(amount).replace(",", ""))
            object.__setattr__(self, "amount", amount)
        unit = self.unit or ""
        if units.is_unit(unit):
            unit = units.normalize_unit(unit)
        object.__setattr__(self, "unit", unit)

    def to(self, unit: str) -> "Quantity":
        """The same quantity in ``unit`` (raises units.UnitError when incompatible)."""
        target = units.normalize_unit(unit)
        return Quantity(units.convert(self.amount, self.unit, target), target)

    def canonical(self) -> str:
        return _fmt(self.amount) + self.unit

    def __str__(self) -> str:
        return self.canonical()


def _fmt(amount: Decimal) -> str:
    return format(amount, "f")


def _decimals(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# --------------------------------------------------------------------------- Value

@dataclass(frozen=True)
class Value:
    """One parsed 指标值 / 实际完成值. ``text`` is always the input, verbatim."""

    text: str
    kind: str
    op: str | None = None
    quantity: Quantity | None = None
    low: Quantity | None = None
    high: Quantity | None = None
    tolerance: Decimal | None = None
    note: str = ""
    in_prose: bool = False
    parsed: bool = True
    low_open: bool = False      # range: lower end excluded (">6月&&≤9月")
    high_open: bool = False     # range: upper end excluded
    deadline: str = ""          # deadline: the normalised phrase ("每月25日前", "2020-12-31")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def warning(self) -> str:
        """A Chinese warning for unparseable values, "" otherwise."""
        if self.parsed:
            return ""
        return f"指标值无法识别，已按定性文字原样保留：{self.text}"

    def canonical(self) -> str:
        """Stable rendering: ``≥615.31亿元``, ``95%–105%``, ``3.59亿元±5%``, ``每月25日前``.

        Qualitative and empty values render as their text, unchanged. A value taken out of
        prose renders as the value alone (``≤0.1%``). A note follows in full-width brackets.
        """
        if self.kind == BOUND:
            out = OP_SYMBOLS[self.op] + self.quantity.canonical()
        elif self.kind == BARE:
            out = self.quantity.canonical()
        elif self.kind == RANGE:
            if self.low_open or self.high_open:
                out = ((">" if self.low_open else "≥") + self.low.canonical() + "&&"
                       + ("<" if self.high_open else "≤") + self.high.canonical())
            else:
                out = f"{self.low.canonical()}–{self.high.canonical()}"
        elif self.kind == TOLERANCE:
            out = f"{self.quantity.canonical()}±{_fmt(self.tolerance)}%"
        elif self.kind == DEADLINE:
            out = self.deadline
        else:
            return self.text
        if self.note:
            out += f"（{self.note}）"
        return out

    def effective_op(self, direction: str = POSITIVE) -> str | None:
        """The comparator to judge by: the written one for a bound; for a bare value
        ``>=`` when 正向 and ``<=`` when 反向; None for ranges and non-numeric values."""
        if self.kind == BOUND:
            return self.op
        if self.kind == BARE:
            return LE if direction == NEGATIVE else GE
        return None

    def decimals(self) -> int:
        """Decimals the number was written with (84.33 → 2, 95% → 0, 23.50亿元 → 2)."""
        if self.kind in (BOUND, BARE, TOLERANCE):
            return _decimals(self.quantity.amount)
        if self.kind == RANGE:
            return max(_decimals(self.low.amount), _decimals(self.high.amount))
        return 0
