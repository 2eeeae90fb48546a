"""Units of the 指标值 grammar (DOMAIN.md, "Numbers and units").

Every unit has a *dimension* and a *factor* to the base unit of that dimension:
1 亿元 = 10^4 万元 = 10^8 元, 1 万人 = 10^4 人, 1 年 = 12 月, 1 周 = 7 天.
Compound units are written with ``/`` and are handled generically:
``元/人/月`` is money per (person × month), ``万元/次`` is 10^4 元 per 次.

Spellings are normalised to one canonical form (``个月`` → ``月``, ``日`` →
``天``, ``名`` → ``人``, ``万 人`` → ``万人``, ``元／人·月`` → ``元/人/月``).
The empty unit ``""`` is a plain number (dimension ``number``), as is the bare
scale word ``万``/``亿`` (``≥10万``).

Factors are exact Fractions and conversions are Decimal arithmetic with a single
final division (exact whenever the result terminates); nothing here uses float.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

__all__ = [
    "UnitError", "Unit", "UNITS", "normalize_unit", "is_unit", "lookup", "dimension", "factor",
    "same_dimension", "convert", "unit_pattern",
]


class UnitError(ValueError):
    """An unknown unit, or a conversion between incompatible dimensions."""


@dataclass(frozen=True)
class Unit:
    name: str                 # canonical spelling
    dimension: tuple          # (numerator dimension, sorted denominator dimensions)
    factor: Fraction          # amount in this unit × factor = amount in the base unit (exact)
    label: str = ""           # Chinese name of the dimension, for messages


# Simple (non-compound) units: canonical name → (dimension, factor, 中文 dimension label).
# ``scalable`` units also exist with the prefixes 千/万/百万/千万/亿 (万人, 亿元, 万人次 …).
_SIMPLE: dict[str, tuple[str, int | Fraction, str, bool]] = {
    "": ("number", 1, "数值", False),
    "万": ("number", 10_000, "数值", False),
    "亿": ("number", 100_000_000, "数值", False),
    "元": ("money", 1, "金额", True),
    "人": ("person", 1, "人数", True),
    "人次": ("person-time", 1, "人次", True),
    "户": ("household", 1, "户数", True),
    "家": ("organisation", 1, "家数", True),
    "个": ("piece", 1, "个数", True),
    "件": ("case", 1, "件数", True),
    "项": ("item", 1, "项数", True),
    "次": ("times", 1, "次数", True),
    "份": ("copy", 1, "份数", True),
    "%": ("ratio", 1, "百分比", False),
    "‰": ("ratio", Fraction(1, 10), "百分比", False),
    "百分点": ("ratio-points", 1, "百分点", False),
    "月": ("month", 1, "月数", False),
    "年": ("month", 12, "月数", False),
    "天": ("day", 1, "天数", False),
    "周": ("day", 7, "天数", False),
    "工作日": ("workday", 1, "工作日", False),
    "小时": ("hour", 1, "小时", False),
    "岁": ("age", 1, "岁数", False),
}

# Alternative spellings → canonical simple unit.
_ALIASES = {
    "个月": "月", "日": "天", "名": "人", "位": "人", "个工作日": "工作日", "个小时": "小时",
    "个百分点": "百分点", "％": "%", "百分比": "%", "星期": "周", "个星期": "周",
}

_PREFIXES = {"千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}

_TRANSLATE = str.maketrans({"／": "/", "·": "/", "•": "/", "∙": "/", "％": "%", "\u3000": " "})


def _build_simple() -> dict[str, Unit]:
    table: dict[str, Unit] = {}
    for name, (dim, fac, label, scalable) in _SIMPLE.items():
        table[name] = Unit(name, (dim, ()), Fraction(fac), label)
        if scalable:
            for prefix, pf in _PREFIXES.items():
                table[prefix + name] = Unit(prefix + name, (dim, ()), Fraction(fac) * pf, label)
    return table


_SIMPLE_UNITS = _build_simple()
UNITS: dict[str, Unit] = dict(_SIMPLE_UNITS)
"""Every simple unit by canonical name (compound units are built on demand)."""

_SPELLINGS: dict[str, str] = {name: name for name in _SIMPLE_UNITS}
for _alias, _canon in _ALIASES.items():
    _SPELLINGS[_alias] = _canon
for _alias in ("名", "位"):
    for _prefix in _PREFIXES:
        _SPELLINGS[_prefix + _alias] = _prefix + "人"


def _simple(part: str) -> Unit | None:
    canon = _SPELLINGS.get(part)
    return _SIMPLE_UNITS[canon] if canon is not None else None


@lru_cache(maxsize=1024)
def lookup(unit: str) -> Unit:
    """The Unit for a spelling (simple or compound); raises UnitError if unknown (Units are frozen: one
    object per spelling serves every caller)."""
    text = _clean(unit)
    if "/" not in text:
        found = _simple(text)
        if found is None:
            raise UnitError(f"未知单位：{unit!r}")
        return found
    parts = text.split("/")
    units = [_simple(p) for p in parts]
    if any(u is None or not u.name for u in units):
        raise UnitError(f"未知单位：{unit!r}")
    head, *rest = units
    fac = head.factor
    for u in rest:
        fac = fac / u.factor
    dim = (head.dimension[0], tuple(sorted(u.dimension[0] for u in rest)))
    label = head.label + "/" + "/".join(u.label for u in rest)
    return Unit("/".join(u.name for u in units), dim, fac, label)


def _clean(unit: str) -> str:
    return re.sub(r"\s+", "", (unit or "").translate(_TRANSLATE))


def normalize_unit(unit: str) -> str:
    """Canonical spelling: ``个月`` → ``月``, ``万 人次`` → ``万人次``, ``元/人·月`` → ``元/人/月``."""
    return lookup(unit).name


def is_unit(unit: str) -> bool:
    try:
        lookup(unit)
    except UnitError:
        return False
    return True


def dimension(unit: str) -> tuple:
    return lookup(unit).dimension


def factor(unit: str) -> Fraction:
    """Exact factor to the dimension's base unit (a Fraction: 元/人/年 is 1/12 of 元/人/月)."""
    return lookup(unit).factor


def same_dimension(a: str, b: str) -> bool:
    """True when amounts in ``a`` and ``b`` can be converted (unknown units: False)."""
    try:
        return lookup(a).dimension == lookup(b).dimension
    except UnitError:
        return False


def convert(amount: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """``amount`` in ``from_unit`` expressed in ``to_unit`` (exact Decimal arithmetic).

    convert(Decimal("0.37"), "万人", "人") == 3700; raises UnitError for unknown units
    or incompatible dimensions (人 → 元).
    """
    src, dst = lookup(from_unit), lookup(to_unit)
    if src.dimension != dst.dimension:
        raise UnitError(
            f"单位不兼容：{src.name or '无单位'}（{src.label}）无法换算为{dst.name or '无单位'}（{dst.label}）")
    ratio = src.factor / dst.factor
    if ratio == 1:
        return amount
    if ratio.denominator == 1:
        return amount * ratio.numerator
    return amount * ratio.numerator / ratio.denominator


def unit_pattern() -> str:
    r"""A regex alternation matching any simple-or-compound unit spelling (longest first).

    Spaces may follow a scale prefix (``万 人``) and surround ``/``. Scaled spellings are
    factored by prefix (``(?:千万|千|…)\s*(?:人次|元|…)``): the same spellings in the same
    order of preference as one long list, at a fraction of the compile time (a start-up cost).
    """
    def longest_first(items) -> list[str]:
        return sorted(items, key=len, reverse=True)

    def scale_of(spelling: str) -> str | None:
        """The scale prefix a spelling starts with, when the rest is a spelling too (万人 → 万; 万 alone: None)."""
        return next((p for p in longest_first(_PREFIXES)
                     if spelling.startswith(p) and len(spelling) > len(p) and spelling[len(p):] in _SPELLINGS), None)

    scaled: dict[str, list[str]] = {}
    plain = []
    for s in longest_first(s for s in _SPELLINGS if s):
        prefix = scale_of(s)
        if prefix is None:
            plain.append(re.escape(s))
        else:
            scaled.setdefault(prefix, []).append(s[len(prefix):])
    by_rests: dict[tuple, list[str]] = {}
    for prefix, rests in scaled.items():
        by_rests.setdefault(tuple(rests), []).append(prefix)
    groups = [f"(?:{'|'.join(map(re.escape, longest_first(prefixes)))})\\s*(?:{'|'.join(map(re.escape, rests))})"
              for rests, prefixes in by_rests.items()]
    simple = "|".join([*groups, *plain])
    return rf"(?:{simple})(?:\s*[/／·•∙]\s*(?:{simple}))*"
