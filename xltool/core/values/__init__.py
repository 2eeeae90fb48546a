"""The 指标值 grammar: parse target and actual values, compare them, rate completion.

DOMAIN.md, "指标值: the target-value grammar". Every 指标值 / 实际完成值 / 上年完成值
string becomes a :class:`Value` that keeps the original text verbatim
(``Value.text``), a structured reading, and a canonical rendering. Decimal only.

This module is the grammar's public face: it re-exports the names below, so
``from xltool.core.values import …`` is the way in. The code (and the detailed
rules, in each module's docstring) lives in

- ``types``           :class:`Quantity`, :class:`Value`, the comparators (GE … EQ, OP_SYMBOLS,
                      LOWER_OPS/UPPER_OPS) and kinds (BOUND … EMPTY); what each kind means;
- ``lexicon``         normalisation of the text and the regex vocabulary of the grammar;
- ``parse``           :func:`parse_value` and the form builders; numbers inside prose, and
                      which texts are unparseable;
- ``judge``           :func:`infer_direction` (NEGATIVE_KEYWORDS), :func:`compare`,
                      :func:`completion_rate`; how an actual is judged against a target.

They import downwards only: types ← lexicon ← parse ← judge.
"""
from __future__ import annotations

from xltool.core.model import NEGATIVE, POSITIVE
from xltool.core.values.judge import NEGATIVE_KEYWORDS, compare, completion_rate, infer_direction
from xltool.core.values.parse import parse_value
from xltool.core.values.types import (
    BARE, BOUND, COMPARATORS, DEADLINE, EMPTY, EQ, GE, GT, KINDS, LE, LOWER_OPS, LT, NUMERIC_KINDS, OP_SYMBOLS,
    QUALITATIVE, RANGE, TOLERANCE, UPPER_OPS, Quantity, Value,
)

__all__ = [
    "Quantity", "Value", "parse_value", "infer_direction", "compare", "completion_rate",
    "GE", "LE", "GT", "LT", "EQ", "COMPARATORS", "OP_SYMBOLS", "LOWER_OPS", "UPPER_OPS",
    "BOUND", "BARE", "RANGE", "TOLERANCE", "DEADLINE", "QUALITATIVE", "EMPTY", "KINDS", "NUMERIC_KINDS",
    "POSITIVE", "NEGATIVE", "NEGATIVE_KEYWORDS",
]
