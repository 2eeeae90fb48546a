"""The 指标值 grammar: parse target and actual values, compare them, rate completion.

DOMAIN.md, "指标值: the target-value grammar". Every 指标值 / 实际完成值 / 上年完成值
string becomes a :class:`Value` that keeps the original text verbatim
(``Value.text``), a structured reading, and a canonical rendering. Decimal only.

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

Numbers inside prose
--------------------
When the whole text is not one of the forms above, the parser looks for the value
inside the sentence (``in_prose=True``): ``上访率控制在 0.1% 以内，维护社会稳定`` → ≤0.1%,
``2020年末实际参保缴费人数32.68万人`` → 32.68万人. Numbers that are labels, not values,
are ignored: years (``2020年``), dates and deadlines (``7月``, ``每月25日前``), document
numbers (``[2022]38号``), list markers (``目标1``, ``1、``), levels (``4级``). A number with
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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from xltool.core import units
from xltool.core.arith import round_half_up
from xltool.core.model import NEGATIVE, POSITIVE

__all__ = [
    "Quantity", "Value", "parse_value", "infer_direction", "compare", "completion_rate",
    "GE", "LE", "GT", "LT", "EQ", "COMPARATORS", "OP_SYMBOLS", "LOWER_OPS", "UPPER_OPS",
    "BOUND", "BARE", "RANGE", "TOLERANCE", "DEADLINE", "QUALITATIVE", "EMPTY", "KINDS", "NUMERIC_KINDS",
    "POSITIVE", "NEGATIVE", "NEGATIVE_KEYWORDS",
]

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

# Indicator names that mean "less is better" (反向) when the value has no explicit ≤/≥.
# Pass the joined 一级/二级/三级 names so that 成本指标 is seen. "其他支出占" rather than
# "支出占": 待遇支出占基金支出比重 is 正向 (≥95%).
NEGATIVE_KEYWORDS = (
    "上访率", "投诉率", "差错率", "出错率", "错误率", "失误率", "事故率", "失业率",
    "成本", "重复参保", "虚假参保", "违规", "违纪", "违法", "欺诈", "骗保",
    "每次发放", "每季度拨付", "拨付资金数", "其他支出占",
)

_HUNDRED = Decimal(100)


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


# --------------------------------------------------------------------------- normalisation

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: " ", 0x00A0: " ", 0x2009: " ", 0x202F: " ", 0x2267: "≥", 0x2266: "≤",
                   0x2A7E: "≥", 0x2A7D: "≤", 0xFE6A: "%", 0x2215: "/", 0x2212: "-"})

_LATEX = [
    (re.compile(r"\\(?:geqslant|geq|ge)(?![A-Za-z])"), "≥"),
    (re.compile(r"\\(?:leqslant|leq|le)(?![A-Za-z])"), "≤"),
    (re.compile(r"\\gt(?![A-Za-z])"), ">"),
    (re.compile(r"\\lt(?![A-Za-z])"), "<"),
    (re.compile(r"\\pm(?![A-Za-z])"), "±"),
    (re.compile(r"\\(?:sim|thicksim)(?![A-Za-z])"), "~"),
    (re.compile(r"\\(?:text|mathrm|mathbf|rm)\s*\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\([%$&])"), r"\1"),
    (re.compile(r"\\[,;:! ]"), " "),
]


def _normalize(text: str) -> str:
    s = text.translate(_FULLWIDTH)
    if "\\" in s or "$" in s:
        for pattern, repl in _LATEX:
            s = pattern.sub(repl, s)
        s = s.replace("$", "")
    s = re.sub(r">=|=>", "≥", s)
    s = re.sub(r"<=|=<", "≤", s)
    s = s.replace("==", "=").replace("+/-", "±").replace("+-", "±")
    # Whitespace carries no meaning in this grammar, except between two ASCII words/numbers.
    s = re.sub(r"\s+", lambda m: " " if _alnum_at(s, m.start() - 1) and _alnum_at(s, m.end()) else "", s)
    return s.strip().rstrip("。，,；;、!！").strip()     # a trailing full stop is not prose


def _alnum_at(s: str, i: int) -> bool:
    return 0 <= i < len(s) and s[i].isascii() and s[i].isalnum()


# --------------------------------------------------------------------------- regex pieces

_UNIT = units.unit_pattern()
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])"

_OP_WORDS = {
    GE: ("≥", "大于或等于", "大于等于", "高于或等于", "不得低于", "不得少于", "不低于", "不少于", "不小于",
         "至少", "最少", "最低", "达到"),
    LE: ("≤", "小于或等于", "小于等于", "不得超过", "不得高于", "不超过", "不高于", "不大于", "不多于",
         "至多", "最多", "最高"),
    GT: (">", "高于", "大于", "超过", "多于"),
    LT: ("<", "低于", "小于", "少于"),
    EQ: ("=", "等于"),
}
_WORD_OP = {w: op for op, words in _OP_WORDS.items() for w in words}
_OPS = "(?:" + "|".join(re.escape(w) for w in sorted(_WORD_OP, key=len, reverse=True)) + ")"
_POST_OP = {"及以上": GE, "以上": GE, "及以下": LE, "以下": LE, "以内": LE, "之内": LE, "内": LE}
_POSTS = "(?:" + "|".join(sorted(_POST_OP, key=len, reverse=True)) + ")"


def _qty(name: str, signed: bool = False) -> str:
    sign = f"(?P<{name}_sign>-)?" if signed else ""
    return rf"{sign}(?P<{name}_num>{_NUM})\s*(?P<{name}_unit>{_UNIT})?"


_SIGNS = "≤≥<>="
_TOL_RE = re.compile(_qty("c") + r"\s*(?:±|上下浮动|上下)\s*(?P<t>" + _NUM + r")\s*%")
_BAND_RE = re.compile(_qty("a") + rf"\s*(?P<run>[{_SIGNS}]+(?:\s*[A-Za-z]\s*[{_SIGNS}]+)?)\s*" + _qty("b"))
_DASH_RE = re.compile(_qty("a") + r"\s*(?:-|~|—+|–|至|到)\s*" + _qty("b"))
_AND_RE = re.compile(rf"(?P<op1>{_OPS})\s*" + _qty("a") + r"\s*(?:&&|&|且|并且|,|、|;|和|\band\b)\s*"
                     + rf"(?P<op2>{_OPS})\s*" + _qty("b"))
_BOUND_RE = re.compile(rf"(?P<op>{_OPS})\s*" + _qty("q", signed=True) + rf"\s*(?P<post>{_POSTS})?")
_POSTB_RE = re.compile(_qty("q") + rf"\s*(?P<post>{_POSTS})")
_BARE_RE = re.compile(_qty("q", signed=True))

_NOTE_RE = re.compile(r"(?P<core>.*?)\s*[(\[【](?P<note>[^()\[\]【】]*)[)\]】]\s*")

_SUFFIX = r"(?:前|之前|以前|止|内)"
_YEAR = r"(?:19|20)\d{2}"
_DEADLINE_RES = [
    # full dates: 2020/12/31, 2020-12-31, 2020.12.31, 2020年12月31日(前)
    re.compile(rf"(?<![\d.])(?P<y>{_YEAR})(?:(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)|年(?P<m2>\d{{1,2}})月)"
               rf"(?P<d>\d{{1,2}})日?(?P<suf>{_SUFFIX})?(?![\d])"),
    re.compile(rf"(?<![\d.]){_YEAR}(?:[-/]\d{{1,2}}|年\d{{1,2}}月)(?:底|末|份)?{_SUFFIX}?(?![\d])"),
    re.compile(rf"(?<![\d.]){_YEAR}年(?:底|末|内){_SUFFIX}?"),
    re.compile(r"(?:每个?(?:月|季度?|年|周)(?:末|初)?(?:次月)?|次月|当月|本月|下月)(?:\d{1,2}[日号]|底|末|初)"
               + _SUFFIX + "?"),
    re.compile(r"(?<![\d.])\d{1,2}月\d{1,2}[日号]" + _SUFFIX + "?"),
    re.compile(r"(?<![\d.])\d{1,2}月(?:底|末|初)" + _SUFFIX + "?"),
    re.compile(r"(?<![\d.])\d{1,2}[日号]" + r"(?:前|之前|以前)"),
    re.compile(r"(?:每个?(?:月|季度?|年|周)|季度?末|次月|当月|月底|月末|年底|年末|年内|季初|月初)"
               r"[^\d,;。:、]{0,6}?(?:前|之前|以前)"),
]

# Number-like labels that are not values (masked before looking for a value in prose).
_LABEL_RES = [
    re.compile(r"[\[〔【(]\d{4}[\]〕】)]\d+号"),
    re.compile(r"\d+号"),
    re.compile(r"\d{4}年"),
    re.compile(r"(?:目标|第|附件|附表|表|序号|No\.?)\d+", re.IGNORECASE),
    re.compile(r"(?:^|(?<=[\s,;。:、■]))\d{1,2}(?:[、:)]|\.(?!\d))"),
    re.compile(r"\d+级"),
    re.compile(r"(?<=[A-Za-z])\d+|\d+(?=[A-Za-z])"),
]
_MASK = "■"
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
    name = re.sub(r"\s+", "", (indicator_name or "").translate(_FULLWIDTH))
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
