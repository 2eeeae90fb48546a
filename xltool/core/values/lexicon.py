"""How 指标值 text is read: normalisation and the regular-expression vocabulary of the grammar.

Part of the 指标值 grammar (``xltool.core.values``). ``_normalize`` folds full-width
forms, LaTeX, ``>=``-style spellings and meaningless whitespace; the patterns below
spell numbers, units, comparator words (不低于 = ≥ …, a trailing 以上/以内 …), the
value forms (tolerance, band, dash range, and-range, bound, bare) and deadlines.
Used by ``values_parse``; ``values_judge`` uses the full-width table for indicator names.
"""
from __future__ import annotations

import re

from xltool.core.values import units
from xltool.core.values.types import EQ, GE, GT, LE, LT

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


def strip_markup(text: str) -> str:
    """LaTeX/OCR markup out of extracted text: ``$\\geq 95\\%$`` → ``≥ 95%`` (the rest untouched)."""
    if "\\" not in text and "$" not in text:
        return text

    def latex(s: str) -> str:
        for pattern, repl in _LATEX:
            s = pattern.sub(repl, s)
        return s

    text = re.sub(r"\$([^$\n]*)\$", lambda m: latex(m.group(1)).strip(), text)
    return latex(text) if "\\" in text else text


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
