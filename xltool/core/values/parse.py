"""Parsing 指标值 text: :func:`parse_value`, the builder of each form, and numbers inside prose.

Part of the 指标值 grammar (``xltool.core.values`` re-exports ``parse_value``). The
text is normalised and matched with the patterns of ``values_lexicon``; the result is
a ``values_types.Value`` (its kinds are described there).

Numbers inside prose
--------------------
When the whole text is not one of the structured forms, the parser looks for the value
inside the sentence (``in_prose=True``): ``上访率控制在 0.1% 以内，维护社会稳定`` → ≤0.1%,
``2020年末实际参保缴费人数32.68万人`` → 32.68万人. Numbers that are labels, not values,
are ignored: years (``2020年``), dates and deadlines (``7月``, ``每月25日前``), document
numbers (``[2022]38号``), list markers (``目标1``, ``1、``), levels (``4级``), counts that
name the organisations a sentence is about (``8家中央驻疆单位``). A number with
no unit that ends a phrase is taken as a unitless amount (``人月数1402``).

Which texts are unparseable
---------------------------
Unparseable texts become ``Value(kind="qualitative", parsed=False)`` (text kept verbatim;
report them as warnings, never drop them). A text is unparseable when

- it holds two or more candidate values and no single form covers them
  (``全年保障21.81万名…保障0.43万名…``): which one is the 指标值 is ambiguous;
- a number is followed by a word that is not a known unit (``≥5斤``, ``3倍``);
- it carries comparator signs (≥ ≤ < > = ±) but no usable number (``≥``, ``≥高``);
- the form is contradictory (``≥6月&&≥9月``, range ends in incompatible units).

A text with no digits, or whose only digits are labels (``2020年全年…保障到位``), is
qualitative with ``parsed=True``: that is a legitimate 定性 indicator.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from xltool.core.values import units
from xltool.core.values.lexicon import (
    _AND_RE, _BAND_RE, _BARE_RE, _BOUND_RE, _DASH_RE, _DEADLINE_RES, _NOTE_RE, _OPS, _POST_OP, _POSTB_RE,
    _POSTS, _TOL_RE, _WORD_OP, _normalize, _qty,
)
from xltool.core.values.types import (
    BARE, BOUND, DEADLINE, EMPTY, EQ, GT, LOWER_OPS, LT, QUALITATIVE, RANGE, TOLERANCE, UPPER_OPS, Quantity, Value,
)

_HUNDRED = Decimal(100)
_PLACEHOLDERS = {"-", "--", "—", "——", "–", "/", "\\", "－", "／", "…", "...", "——/——"}


# --------------------------------------------------------------------------- parsing

def parse_value(text: str) -> Value:
    """Parse one 指标值 / 实际完成值. Never raises; ``Value.text`` is always ``text``."""
    if text is None:
        text = ""
    elif not isinstance(text, str):
        text = repr(text) if isinstance(text, float) else str(text)
    return _parse_cached(text)


@lru_cache(maxsize=16384)
def _parse_cached(text: str) -> Value:
    """Values are frozen, so one parse per distinct text is shared (bulk runs repeat texts)."""
    try:
        return _parse(text)
    except (ValueError, ArithmeticError, InvalidOperation, TypeError, IndexError, KeyError):
        return Value(text, QUALITATIVE, parsed=False)


def _parse(text: str) -> Value:
    s = _normalize(text)
    if not s or s in _PLACEHOLDERS:
        return Value(text, EMPTY)
    value = _structured(text, s)
    if value is not None:
        return value
    note_match = _NOTE_RE.fullmatch(s)
    if note_match and note_match.group("core"):
        core, note = note_match.group("core"), note_match.group("note").strip()
        if units.is_unit(note) and note:       # "≥95(%)": the bracket holds the unit
            value = _structured(text, core + note)
            if value is not None:
                return value
        value = _structured(text, core)
        if value is not None:
            return _replace(value, note=note)
    return _prose(text, s)


def _replace(value: Value, **changes) -> Value:
    fields = {k: getattr(value, k) for k in value.__dataclass_fields__}
    fields.update(changes)
    return Value(**fields)


def _quantity(m: re.Match, name: str, default_unit: str = "") -> Quantity:
    num = m.group(f"{name}_num").replace(",", "")
    sign = m.groupdict().get(f"{name}_sign") or ""
    unit = m.group(f"{name}_unit")
    unit = units.normalize_unit(unit) if unit else default_unit
    return Quantity(Decimal(sign + num), unit)


def _structured(text: str, s: str) -> Value | None:
    """The whole of ``s`` is one form, or None."""
    for pattern in _DEADLINE_RES:
        m = pattern.fullmatch(s)
        if m:
            return Value(text, DEADLINE, deadline=_deadline_phrase(m))
    m = _TOL_RE.fullmatch(s)
    if m:
        return _tolerance(text, m)
    for pattern, builder in ((_BAND_RE, _band), (_DASH_RE, _dash), (_AND_RE, _and)):
        m = pattern.fullmatch(s)
        if m:
            return builder(text, m)
    m = _BOUND_RE.fullmatch(s)
    if m:
        return _bound(text, m)
    m = _POSTB_RE.fullmatch(s)
    if m:
        return Value(text, BOUND, op=_POST_OP[m.group("post")], quantity=_quantity(m, "q"))
    m = _BARE_RE.fullmatch(s)
    if m:
        return Value(text, BARE, quantity=_quantity(m, "q"))
    return None


def _deadline_phrase(m: re.Match) -> str:
    groups = m.groupdict()
    if groups.get("y") and groups.get("d"):
        month = groups.get("m") or groups.get("m2")
        return f"{groups['y']}-{int(month):02d}-{int(groups['d']):02d}{groups.get('suf') or ''}"
    return m.group(0)


def _bound(text: str, m: re.Match) -> Value:
    op = _WORD_OP[m.group("op")]
    post = m.group("post")
    if post:
        post_op = _POST_OP[post]
        if op in (EQ, post_op):
            op = post_op
        elif not ((op in LOWER_OPS and post_op in LOWER_OPS) or (op in UPPER_OPS and post_op in UPPER_OPS)):
            return Value(text, QUALITATIVE, parsed=False)     # "≥5%以内": contradictory
    return Value(text, BOUND, op=op, quantity=_quantity(m, "q"))


def _tolerance(text: str, m: re.Match) -> Value:
    centre = _quantity(m, "c")
    t = Decimal(m.group("t").replace(",", ""))
    if centre.unit == "%":      # 100%±5%: percentage points
        low, high = centre.amount - t, centre.amount + t
    else:
        low = centre.amount * (_HUNDRED - t) / _HUNDRED
        high = centre.amount * (_HUNDRED + t) / _HUNDRED
    return Value(text, TOLERANCE, quantity=centre, low=Quantity(low, centre.unit),
                 high=Quantity(high, centre.unit), tolerance=t)


def _pair(m: re.Match) -> tuple[Quantity, Quantity] | None:
    """The two ends with the unit of one carried over to the other ("70-85%")."""
    a, b = _quantity(m, "a"), _quantity(m, "b")
    if not a.unit and b.unit:
        a = Quantity(a.amount, b.unit)
    elif a.unit and not b.unit:
        b = Quantity(b.amount, a.unit)
    if not units.same_dimension(a.unit, b.unit):
        return None
    return a, b


def _ordered(a: Quantity, b: Quantity) -> bool:
    """a ≤ b (converted)."""
    return units.convert(a.amount, a.unit, b.unit) <= b.amount


def _band(text: str, m: re.Match) -> Value:
    pair = _pair(m)
    if pair is None:
        return Value(text, QUALITATIVE, parsed=False)
    a, b = pair
    ascending = _ordered(a, b)
    low, high = (a, b) if ascending else (b, a)
    low_open = high_open = False
    run = m.group("run")
    parts = re.split(r"\s*[A-Za-z]\s*", run)
    if len(parts) == 2:                 # "95%≤x<105%": the signs say which ends are open
        first, second = parts
        if ascending:
            low_open, high_open = first == "<", second == "<"
        else:
            high_open, low_open = first == ">", second == ">"
    return Value(text, RANGE, low=low, high=high, low_open=low_open, high_open=high_open)


def _dash(text: str, m: re.Match) -> Value:
    pair = _pair(m)
    if pair is None:
        return Value(text, QUALITATIVE, parsed=False)
    a, b = pair
    low, high = (a, b) if _ordered(a, b) else (b, a)
    return Value(text, RANGE, low=low, high=high)


def _and(text: str, m: re.Match) -> Value:
    pair = _pair(m)
    op1, op2 = _WORD_OP[m.group("op1")], _WORD_OP[m.group("op2")]
    if pair is None:
        return Value(text, QUALITATIVE, parsed=False)
    a, b = pair
    if op1 in LOWER_OPS and op2 in UPPER_OPS:
        (low, low_op), (high, high_op) = (a, op1), (b, op2)
    elif op1 in UPPER_OPS and op2 in LOWER_OPS:
        (low, low_op), (high, high_op) = (b, op2), (a, op1)
    else:
        return Value(text, QUALITATIVE, parsed=False)
    if not _ordered(low, high):
        return Value(text, QUALITATIVE, parsed=False)      # "≥9月&&≤6月": empty range
    return Value(text, RANGE, low=low, high=high, low_open=low_op == GT, high_open=high_op == LT)


# --------------------------------------------------------------------------- prose

# Number-like labels that are not values (masked before looking for a value in prose).
_LABEL_RES = [
    re.compile(r"[\[〔【(]\d{4}[\]〕】)]\d+号"),
    re.compile(r"\d+号"),
    re.compile(r"\d{4}年"),
    re.compile(r"(?:目标|第|附件|附表|表|序号|No\.?)\d+", re.IGNORECASE),
    re.compile(r"(?:^|(?<=[\s,;。:、■]))\d{1,2}(?:[、:)]|\.(?!\d))"),
    re.compile(r"\d+级"),
    re.compile(r"\d+家(?=[\u4e00-\u9fff])"),   # 8家中央驻疆单位: which units, not a reported figure
    re.compile(r"(?<=[A-Za-z])\d+|\d+(?=[A-Za-z])"),
]
_MASK = "■"

_PROSE_PATTERNS = (
    (_TOL_RE, _tolerance), (_BAND_RE, _band), (_DASH_RE, _dash), (_AND_RE, _and),
)
_SINGLE_RE = re.compile(rf"(?:(?P<op>{_OPS})\s*)?" + _qty("q") + rf"(?:\s*(?P<post>{_POSTS}))?")
_START_RE = re.compile(rf"{_OPS}|\d")
_BOUNDARY = set(" ,.;:!?、。，；：！？()[]【】《》\"'“”‘’-—~" + _MASK)


def _mask(s: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: _MASK * len(m.group(0)), s)


def _prose(text: str, s: str) -> Value:
    """Find the one value inside a sentence, or decide the text is qualitative."""
    masked = s
    deadline = ""
    for pattern in _DEADLINE_RES:
        m = pattern.search(masked)
        if m and not deadline:
            deadline = _deadline_phrase(m)
        masked = _mask(masked, pattern)
    for pattern in _LABEL_RES:
        masked = _mask(masked, pattern)

    found: list[Value] = []
    unclear = 0
    pos = 0
    while True:
        start = _START_RE.search(masked, pos)
        if not start:
            break
        p = start.start()
        if p > 0 and (masked[p - 1].isdigit() or masked[p - 1] == "."):
            pos = p + 1
            continue
        for pattern, builder in _PROSE_PATTERNS:
            m = pattern.match(masked, p)
            if m:
                found.append(builder(text, m))
                pos = m.end()
                break
        else:
            m = _SINGLE_RE.match(masked, p)
            if not m:
                pos = p + len(start.group(0))
                continue
            pos = m.end()
            kind = _single(m, masked)
            if kind == "label":
                continue
            if kind == "unclear":
                unclear += 1
                continue
            found.append(kind)

    if len(found) == 1 and not unclear and found[0].parsed:
        return _replace(found[0], text=text, in_prose=True)
    if not found and not unclear:
        if deadline:
            return Value(text, DEADLINE, in_prose=True, deadline=deadline)
        has_signs = any(ch in s for ch in "≤≥<>=±")
        return Value(text, QUALITATIVE, parsed=not has_signs)
    return Value(text, QUALITATIVE, parsed=False)


def _single(m: re.Match, masked: str):
    """A Value for one number found in prose, or "label" (not a value) or "unclear"."""
    op_word, post, raw_unit = m.group("op"), m.group("post"), m.group("q_unit")
    explicit = bool(op_word or post)
    if raw_unit is None and not post:
        nxt = masked[m.end("q_num"):m.end("q_num") + 1]
        if nxt and nxt not in _BOUNDARY and not nxt.isspace():
            return "unclear"                 # a number followed by an unknown word
    elif not explicit and re.sub(r"\s+", "", raw_unit) in ("年", "月", "日", "天"):
        return "label"                       # 7月, 25日: dates, not values
    q = _quantity(m, "q")
    if not explicit:
        return Value("", BARE, quantity=q)
    op = _WORD_OP[op_word] if op_word else _POST_OP[post]
    if op_word and post:
        post_op = _POST_OP[post]
        if op == EQ:
            op = post_op
        elif (op in LOWER_OPS) != (post_op in LOWER_OPS):
            return "unclear"
    return Value("", BOUND, op=op, quantity=q)
