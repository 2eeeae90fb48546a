"""The 指标值 grammar (xltool.core.values) and units (xltool.core.values.units).

The data-driven test walks tests/data/seed_values.tsv: every 指标值, 实际完成值 and
上年完成值 that occurs in the five seeds, with its expected structure written by hand.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltool.core.values import units
from xltool.core.values import (
    BARE, BOUND, DEADLINE, EMPTY, NEGATIVE, POSITIVE, QUALITATIVE, RANGE, TOLERANCE, Quantity, Value,
    compare, completion_rate, infer_direction, parse_value,
)

DATA = Path(__file__).resolve().parent / "data" / "seed_values.tsv"
D = Decimal


def _rows() -> list[dict]:
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"))) for ln in lines[1:]]


ROWS = _rows()


def _q(text: str) -> Quantity | None:
    if not text:
        return None
    m = re.fullmatch(r"(-?[\d.]+)(.*)", text)
    return Quantity(D(m.group(1)), m.group(2))


def _same_quantity(got: Quantity | None, want: Quantity | None) -> bool:
    if got is None or want is None:
        return got is want
    return got.amount == want.amount and got.unit == want.unit


# --------------------------------------------------------------------------- the seed list

def test_seed_list_covers_all_seeds_and_roles():
    assert {r["seed"] for r in ROWS} == {"000", "001", "002", "003", "004"}
    assert {r["role"] for r in ROWS} == {"target", "actual", "last_year"}
    assert len(ROWS) >= 240


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['seed']}-{r['role']}-{r['lines']}" for r in ROWS])
def test_seed_value(row):
    v = parse_value(row["text"])
    assert v.text == row["text"]
    assert v.kind == row["kind"]
    assert v.parsed == (row["parsed"] == "1")
    assert v.in_prose == (row["in_prose"] == "1")
    assert v.note == row["note"]
    assert v.deadline == row["deadline"]
    assert v.op == (row["op"] or None)
    if row["kind"] in (BOUND, BARE, TOLERANCE):
        quantity = v.quantity
        if row["role"] == "actual" and quantity is not None and not quantity.unit:
            quantity = Quantity(quantity.amount, _paired_target_unit(row))   # read in its target's unit
        assert _same_quantity(quantity, Quantity(D(row["amount"]), row["unit"]))
        assert quantity.unit == row["unit"]       # canonical spelling (个月 → 月)
    else:
        assert v.quantity is None
    assert _same_quantity(v.low, _q(row["low"]))
    assert _same_quantity(v.high, _q(row["high"]))
    assert v.tolerance == (D(row["tolerance"]) if row["tolerance"] else None)
    if v.kind in (QUALITATIVE, EMPTY):
        assert v.canonical() == row["text"]
    else:
        _assert_round_trip(v)


def _paired_target_unit(row) -> str:
    """The unit of the 指标值 on the same seed lines as an actual (what judge compares it in)."""
    target = next(r for r in ROWS if r["seed"] == row["seed"] and r["role"] == "target" and r["lines"] == row["lines"])
    value = parse_value(target["text"])
    return value.quantity.unit if value.quantity is not None else ""


def _structure(v: Value):
    q = lambda x: None if x is None else (x.amount, x.unit)   # noqa: E731
    return (v.kind, v.op, q(v.quantity), q(v.low), q(v.high), v.tolerance, v.note, v.deadline,
            v.low_open, v.high_open, v.parsed)


def _assert_round_trip(v: Value):
    again = parse_value(v.canonical())
    assert _structure(again) == _structure(v), (v.text, v.canonical())
    assert not again.in_prose
    assert again.canonical() == v.canonical()


# --------------------------------------------------------------------------- targeted

@pytest.mark.parametrize("text, canonical", [
    ("≥ 615.31亿元", "≥615.31亿元"),
    (">23.50亿元", ">23.50亿元"),
    ("≥ 6个月", "≥6月"),
    ("不低于150元/月", "≥150元/月"),
    ("＞＝90%", "≥90%"),
    ("≧5人", "≥5人"),
    ("≦3次", "≤3次"),
    ("=>90%", "≥90%"),
    ("4.4 万人", "4.4万人"),
    ("354,657万元", "354657万元"),
    ("70%-85%", "70%–85%"),
    ("105%≤95%", "95%–105%"),
    ("105%≤≥95%", "95%–105%"),
    ("$105\\% \\leq 95\\%$", "95%–105%"),
    ("≥6月&&≤9月", "6月–9月"),
    ("95%≤x<105%", "≥95%&&<105%"),
    (">6月&&≤9月", ">6月&&≤9月"),
    ("3.59亿元±5%", "3.59亿元±5%"),
    ("上访率控制在 0.1% 以内，维护社会稳定，长治久安", "≤0.1%"),
    ("≥ 95% (不包括上解全国统筹调剂资金支出50.04亿元)", "≥95%（不包括上解全国统筹调剂资金支出50.04亿元）"),
    ("≥95%（不包括上解全国统筹调剂资金支出50.04亿元）", "≥95%（不包括上解全国统筹调剂资金支出50.04亿元）"),
    ("每月 25 日前", "每月25日前"),
    ("2020/12/31", "2020-12-31"),
    ("2020年12月31日前", "2020-12-31前"),
    ("95%以上", "≥95%"),
    ("5个工作日内", "≤5工作日"),
    ("达到95%", "≥95%"),
    ("符合国家规定", "符合国家规定"),
])
def test_canonical(text, canonical):
    v = parse_value(text)
    assert v.text == text
    assert v.canonical() == canonical
    if v.kind not in (QUALITATIVE, EMPTY):
        _assert_round_trip(v)


def test_tolerance_ends_are_exact():
    v = parse_value("3.59亿元±5%")
    assert v.kind == TOLERANCE and v.tolerance == 5
    assert v.low == Quantity(D("3.4105"), "亿元") and str(v.low.amount) == "3.4105"
    assert v.high == Quantity(D("3.7695"), "亿元") and str(v.high.amount) == "3.7695"
    assert v.decimals() == 2
    assert compare(v, Quantity(D(35926), "万元")) is True           # 3.5926亿元
    assert compare(v, Quantity(D("3.41"), "亿元")) is False
    assert compare(v, Quantity(D("3.4105"), "亿元")) is True


def test_percent_tolerance_is_in_points():
    v = parse_value("100%±5%")
    assert (v.low.amount, v.high.amount) == (95, 105)


def test_budget_band_variants_are_one_range():
    forms = ["105%≤95%", "105%≤≥95%", "$105\\% \\leq 95\\%$", "95%-105%", "95%～105%", "95%≤x≤105%"]
    structures = {(_structure(parse_value(f))) for f in forms}
    assert len(structures) == 1
    v = parse_value(forms[0])
    assert v.kind == RANGE and v.low == Quantity(D(95), "%") and v.high == Quantity(D(105), "%")


def test_annotation_kept():
    v = parse_value("≥ 95% (不包括上解全国统筹调剂资金支出50.04亿元)")
    assert (v.kind, v.op, v.quantity) == (BOUND, ">=", Quantity(D(95), "%"))
    assert v.note == "不包括上解全国统筹调剂资金支出50.04亿元"
    assert not v.in_prose


def test_year_is_not_the_number():
    v = parse_value("2020年末实际参保缴费人数32.68万人")
    assert (v.kind, v.quantity, v.in_prose) == (BARE, Quantity(D("32.68"), "万人"), True)
    v = parse_value("2020年代缴医疗保险费人月数1402")
    assert v.quantity == Quantity(D(1402), "")
    v = parse_value("2020年全年企业基本养老保险基金支出保障到位")
    assert (v.kind, v.parsed) == (QUALITATIVE, True)


def test_deadline_in_prose_cannot_be_judged():
    actual = parse_value("养老金每月25日前按时足额发放")
    assert actual.kind == DEADLINE and actual.in_prose and actual.deadline == "每月25日前"
    assert compare(parse_value("每月25日前"), actual) is None
    assert compare(parse_value("≥95%"), actual) is None
    assert completion_rate(parse_value("每月25日前"), actual) is None


@pytest.mark.parametrize("text", [
    "≥", "≥高", "≥5斤", "3倍", "≥6月&&≥9月", "≥5%以内", "70%-85人",
    "全年保障21.81万名离退休人员按期足额领取养老金待遇，保障0.43万名离退休死亡人员丧葬抚恤金发放",
])
def test_unparseable_is_kept_verbatim(text):
    v = parse_value(text)
    assert (v.kind, v.parsed, v.text, v.canonical()) == (QUALITATIVE, False, text, text)
    assert text in v.warning


@pytest.mark.parametrize("text", ["", "   ", "-", "—", "/"])
def test_empty(text):
    v = parse_value(text)
    assert v.kind == EMPTY and v.text == text and v.parsed


def test_decimals():
    assert parse_value("<=84.33万元").decimals() == 2
    assert parse_value("95%").decimals() == 0
    assert parse_value(">23.50亿元").decimals() == 2
    assert parse_value("105%≤95%").decimals() == 0
    assert parse_value("符合国家规定").decimals() == 0


def test_effective_op():
    bare = parse_value("32.85万人")
    assert bare.effective_op() == ">=" and bare.effective_op(POSITIVE) == ">="
    assert bare.effective_op(NEGATIVE) == "<="
    assert parse_value("≤0人").effective_op(POSITIVE) == "<="
    assert parse_value("70%-85%").effective_op() is None
    assert parse_value("有效提高").effective_op() is None


# --------------------------------------------------------------------------- compare / completion

def test_cross_unit_compare():
    target = parse_value("0.37万人")
    actual = parse_value("2020年末实际保障工伤待遇人数745人")
    assert compare(target, actual) is False
    assert compare(target, Quantity(D(3700), "人")) is True
    assert compare(parse_value("2.44万人"), parse_value("2020年享受技能提升补贴人数1445人")) is False
    assert compare(parse_value("≥16.44万人"), Quantity(D(164400), "人")) is True


def test_incompatible_units_cannot_be_judged():
    target = parse_value("185751万元")
    actual = parse_value("2020年8家中央驻疆单位纳入自治区本级机关事业单位养老保险范围，实际补发基金养老金")
    assert compare(target, actual) is None
    assert completion_rate(target, actual) is None
    assert compare(parse_value("≥95%"), Quantity(D(96), "人")) is None


def test_unitless_side_takes_the_other_unit():
    assert compare(parse_value("1315人次"), parse_value("2020年代缴医疗保险费人月数1402")) is True
    assert compare(parse_value("<=0"), parse_value("0人")) is True
    assert compare(parse_value("≥95%"), D(96)) is True


def test_completion_rates():
    assert completion_rate(parse_value("32.85万人"), parse_value("2020年末实际参保缴费人数32.68万人")) == D("99.48")
    assert compare(parse_value("32.85万人"), parse_value("32.68万人")) is False
    assert completion_rate(parse_value("0.37万人"), Quantity(D(745), "人")) == D("20.14")
    # 反向: target / actual
    assert completion_rate(parse_value("≤0.1%"), Quantity(D("0.05"), "%")) == D("200.00")
    assert completion_rate(parse_value("0.1%"), Quantity(D("0.2"), "%"), NEGATIVE) == D("50.00")
    # zero denominators
    assert completion_rate(parse_value("≤0人"), Quantity(D(0), "人")) == D("100.00")
    assert completion_rate(parse_value("≤0人"), Quantity(D(2), "人")) == D("0.00")


def test_budget_execution_band():
    band = parse_value("105%≤≥95%")
    assert compare(band, parse_value("基本养老金支出预算执行率92.85%")) is False
    assert completion_rate(band, parse_value("92.85%")) == D("97.74")        # 92.85 / 95
    assert compare(band, parse_value("基本养老保险费收入预算执行率100.97%")) is True
    assert completion_rate(band, parse_value("100.97%")) == D("100.00")
    assert compare(band, parse_value("110%")) is False
    assert completion_rate(band, parse_value("110%")) == D("95.45")          # 105 / 110
    assert compare(band, parse_value("95%")) is True and compare(band, parse_value("105%")) is True


def test_open_range_ends():
    v = parse_value(">6月&&<9月")
    assert v.low_open and v.high_open
    assert compare(v, Quantity(D(6), "月")) is False
    assert compare(v, Quantity(D(7), "月")) is True
    assert compare(parse_value("≥6月&&≤9月"), Quantity(D(1), "年")) is False        # 12 months
    assert compare(parse_value("≥6月&&≤9月"), parse_value("7.5个月")) is True


def test_bounds_and_direction():
    assert compare(parse_value("<0.1%"), parse_value("离退休人员上访率<0.1%")) is False   # judged by its limit
    assert compare(parse_value("上访率控制在0.1%以内，维护社会稳定，长治久安"), parse_value("离退休人员上访率<0.1%")) is True
    assert compare(parse_value("≥95%"), parse_value("养老保险待遇首次发放成功率实际≥95%")) is True
    assert compare(parse_value(">98.5%"), Quantity(D("98.5"), "%")) is False
    assert compare(parse_value("0.1%"), Quantity(D("0.05"), "%"), NEGATIVE) is True
    assert compare(parse_value("0.1%"), Quantity(D("0.05"), "%"), POSITIVE) is False
    # "=" judged like the scoring rules
    assert compare(parse_value("=12次"), parse_value("12次")) is True
    assert compare(parse_value("=12次"), parse_value("11次")) is False
    assert compare(parse_value("=148.41万元"), Quantity(D("140"), "万元"), NEGATIVE) is True
    assert compare(parse_value("≤0人"), Quantity(D(1), "人")) is False


def test_cost_rule_rounds_to_target_precision():
    per_time = Quantity(D(1012) / 12, "万元")             # 84.333…
    target = parse_value("<=84.33万元")
    assert compare(target, per_time) is False
    assert compare(target, per_time, round_to_target=True) is True
    assert compare(parse_value("<=0.42万元/次"), Quantity(D(5) / 12, "万元/次"), round_to_target=True) is True


def test_non_numeric_targets_give_none():
    for text in ("符合国家规定", "每季末次月底前", "2020/12/31", "", "≥5斤"):
        assert compare(parse_value(text), Quantity(D(1))) is None
        assert completion_rate(parse_value(text), Quantity(D(1))) is None
    assert compare(parse_value("≥95%"), parse_value("符合国家规定")) is None


@pytest.mark.parametrize("name, text, direction", [
    ("离退休人员上访率", "上访率控制在 0.1% 以内，维护社会稳定，长治久安", NEGATIVE),
    ("离退休人员上访率", "0.1%", NEGATIVE),
    ("参保人数", "≤3人", NEGATIVE),
    ("参保人数", "<21.88亿元", NEGATIVE),
    ("参保人数", "3人", POSITIVE),
    ("参保人数", "≥3人", POSITIVE),
    ("重复参保人数（人）", "0人", NEGATIVE),
    ("虚假参保人数（人）", "≤0人", NEGATIVE),
    ("严格执行社保法规，违规使用社保基金情况", "0", NEGATIVE),
    ("成本指标/经济成本指标/每次发放（补助）", "=0.42万元/次", NEGATIVE),
    ("每季度拨付资金数", "2.13万元", NEGATIVE),
    ("其他支出占基金支出比重", "0.6%", NEGATIVE),
    ("社会保险待遇支出占基金支出比重", "95%", POSITIVE),
    ("社会保险费收入占基金收入比重", "≥30%", POSITIVE),
    ("参保人员满意度", "≥90%", POSITIVE),
    ("领取补贴人员生活", "有效提高", POSITIVE),
])
def test_infer_direction(name, text, direction):
    assert infer_direction(name, parse_value(text)) == direction


# --------------------------------------------------------------------------- units

def test_units():
    assert units.convert(D("0.37"), "万人", "人") == 3700
    assert units.convert(D(70667), "万元", "亿元") == D("7.0667")
    assert units.convert(D("3.4105"), "亿元", "元") == D(341050000)
    assert units.convert(D(6), "个月", "月") == 6
    assert units.convert(D(12), "元/人/年", "元/人/月") == 1
    assert units.normalize_unit("个月") == "月"
    assert units.normalize_unit("万 人次") == "万人次"
    assert units.normalize_unit("元／人·月") == "元/人/月"
    assert units.same_dimension("元/人/月", "万元/人/月")
    assert not units.same_dimension("人次", "人")
    assert not units.same_dimension("斤", "斤")
    with pytest.raises(units.UnitError, match="单位不兼容"):
        units.convert(D(1), "人", "元")
    with pytest.raises(units.UnitError, match="未知单位"):
        units.convert(D(1), "斤", "元")
    assert Quantity(D("0.37"), "万人").to("人") == Quantity(D(3700), "人")
    assert Quantity(D(6), "个月").unit == "月"


# --------------------------------------------------------------------------- properties

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises_and_keeps_text(text):
    v = parse_value(text)
    assert v.text == text
    assert v.kind in (BOUND, BARE, RANGE, TOLERANCE, DEADLINE, QUALITATIVE, EMPTY)
    v.canonical()
    v.decimals()


_ALPHABET = st.sampled_from(list("0123456789.%≥≤<>=±-~&万亿元人次月个日前每年/（）() 以上内不低于实际率") + ["&&", "$\\geq", "\\%$"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map("".join))
def test_parse_never_raises_on_grammar_soup(text):
    v = parse_value(text)
    assert v.text == text
    if v.kind not in (QUALITATIVE, EMPTY):
        again = parse_value(v.canonical())
        assert _structure(again) == _structure(v), (text, v.canonical())


_OPS = st.sampled_from(["≥", "≤", ">", "<", "=", ">=", "<=", "＞＝", "不低于", "不超过", ""])
_UNITS = st.sampled_from(["", "%", "人", "万人", "人次", "万人次", "元", "万元", "亿元", "元/人/月", "万元/次", "个月", "次"])
_AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(_OPS, _AMOUNTS, _UNITS, st.sampled_from(["", " "]))
def test_generated_bounds_round_trip(op, amount, unit, space):
    text = f"{op}{space}{amount}{space}{unit}"
    v = parse_value(text)
    assert v.kind == (BOUND if op else BARE)
    assert v.quantity.amount == amount
    assert v.quantity.unit == units.normalize_unit(unit)
    assert v.decimals() == 2
    _assert_round_trip(v)



def _plain_unit_pattern() -> str:
    """The unit alternation as one plain longest-first list of every spelling (before factoring)."""
    def spelled(s: str) -> str:
        for prefix in sorted(units._PREFIXES, key=len, reverse=True):
            rest = s[len(prefix):]
            if s.startswith(prefix) and rest and rest in units._SPELLINGS:
                return re.escape(prefix) + r"\s*" + re.escape(rest)
        return re.escape(s)

    simple = "|".join(spelled(s) for s in sorted((s for s in units._SPELLINGS if s), key=len, reverse=True))
    return rf"(?:{simple})(?:\s*[/／·•∙]\s*(?:{simple}))*"


def test_factored_unit_pattern_matches_as_the_plain_list_of_spellings():
    """unit_pattern() factors the scaled spellings by prefix (a start-up cost): it must match what
    the plain list matches and stop at the same place, on every pair of spellings and separators."""
    import itertools

    reference, factored = re.compile(_plain_unit_pattern()), re.compile(units.unit_pattern())
    assert len(factored.pattern) < len(reference.pattern) / 2
    pieces = [s for s in units._SPELLINGS if s] + ["千 元", "万 人次", "/", " / ", "·", "x", "千万", "百分", "1"]
    for a, b, c in itertools.product(pieces, pieces, ["", "/", "元", "次"]):
        text = a + b + c
        want, got = reference.match(text), factored.match(text)
        assert (want and want.end()) == (got and got.end()), text
