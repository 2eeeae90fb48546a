"""Live formulas for the regional target table (F1): 测算值 and 是否达标 of the derived shares.

``calc.regional`` derives three shares from the form's own amounts (亿元): 社会保险费收入占比 =
社会保险费收入 / 收入预算金额, 待遇支出占比 = 待遇支出 / (支出预算金额 − an excluded amount),
其他支出占比 = (支出 − excluded − 待遇支出) / (支出 − excluded). The amounts of 社会保险费收入 and
待遇支出 stand in other rows' 指标值 (``≥615.31亿元``), which a formula cannot parse, so xltool
keeps, per share row, hidden helper cells (headers starting ``xlt``), filled when the template is
made and on every recompute:

- ``h_kind``  which share the row is (``fee`` / ``benefit`` / ``other``; blank: not derived);
- ``h_amt``   the 亿元 amount of 社会保险费收入 / 待遇支出 read from its row (blank: none usable);
- ``h_excl``  the amount (亿元) the 指标值's note excludes from the base (``不包括…50.04亿元``);
- ``h_op``/``h_lo``/``h_hi``  the 指标值's comparator (``≥ > ≤ <`` or a range ``[] (] [) ()``)
  and bounds, as in the self-evaluation (``core.formulas``);

- ``h_wnum``/``h_wden``  a row measured against the 附表 (``xltool derive-targets``): the 万元
  figures its 测算值 divides (numerator; denominator, blank for a 亿元 amount), read back on
  every recompute (``Indicator.source_wan``); ``h_kind`` is then also ``yi`` (社会保险费收入 /
  待遇支出 in 亿元, truncated) or ``months`` (基金静态可支付月数 = 结余 × 12 / 支出), and the
  comparator and bounds are in the figure's unit (亿元, %, 个月);

and one formula helper ``h_m`` (the measured figure, rounded as the forms round it: a share in
percent half-up 2 dp; from the 万元 figures when the row has them, else from the form's 亿元
amounts). The 收入/支出预算金额 cells are referenced directly, so a clerk who changes them sees
测算值 and 是否达标 change at once in Excel, WPS and LibreOffice (IF, OR, AND, NOT, N, ISNUMBER,
ROUND, ROUNDDOWN, TEXT, LEFT, RIGHT only); a row with 万元 figures follows those instead.
"""
from __future__ import annotations

from decimal import Decimal

from xltool.core import model
from xltool.core.formulas import effective_op, indicator_columns, met_formula, target_parts

VALUE_HELPERS = ("h_kind", "h_amt", "h_excl", "h_op", "h_lo", "h_hi", "h_wnum", "h_wden")
HELPERS = (*VALUE_HELPERS, "h_m")
HELPER_LABELS = {"h_kind": "xlt测算类型", "h_amt": "xlt测算金额（亿元）", "h_excl": "xlt扣除金额（亿元）",
                 "h_op": "xlt比较符", "h_lo": "xlt目标值", "h_hi": "xlt目标上限",
                 "h_wnum": "xlt附表分子（万元）", "h_wden": "xlt附表分母（万元）", "h_m": "xlt测算值"}
_KIND = {"fee_share": "fee", "benefit_share": "benefit", "other_share": "other"}
# figure of core.calc.derive → h_kind of a row measured against the 附表
_BASIS_KIND = {"premium_share": "fee", "benefit_share": "benefit", "other_share": "other",
               "premium_yi": "yi", "benefit_yi": "yi", "months": "months"}
_UNIT = {"yi": "亿元", "months": "个月"}     # else %


def row_helpers(instance, values, derived=None, basis=None) -> dict[int, dict[str, object]]:
    """Indicator index → its helper values (every row: blank for rows that are not derived).
    ``values``: (parsed target, parsed actual) per indicator, as ``calc.regional`` takes them;
    ``derived`` / ``basis``: ``derive_regional(instance, values)`` and {index: ``budget_basis``} of the
    rows that have one, when the caller has worked them out already."""
    from xltool.core.calc.regional import _amount, derive_regional, excluded

    out: dict[int, dict[str, object]] = {i: dict.fromkeys(HELPERS) for i in range(len(instance.indicators))}
    for d in derive_regional(instance, values) if derived is None else derived:
        target = values[d.index][0]
        amount, one_sided = _amount(values[d.sources[0]][0]) if d.sources else (None, False)
        if d.kind == "other_share" and one_sided:
            amount = None              # 待遇支出 itself a bound: nothing can be derived
        op, lo, hi = target_parts(target, model.POSITIVE)
        out[d.index].update(h_kind=_KIND[d.kind], h_amt=amount,
                            h_excl=excluded(target) if d.kind != "fee_share" else 0,
                            h_op=effective_op(op, model.POSITIVE), h_lo=lo, h_hi=hi, h_m=d.measured)
    if basis is None:
        basis = {i: h for i, ind in enumerate(instance.indicators) if (h := budget_basis(ind)) is not None}
    for i, helpers in basis.items():
        out[i].update(helpers)
    return out


def budget_basis(ind) -> dict[str, object] | None:
    """The helper values of a row measured against the 附表 (None: the row has no 万元 figures)."""
    if not ind.source_wan:   # most rows: nothing to import or work out
        return None
    from xltool.core.calc.derive import indicator_figure, judge_measured, measure
    from xltool.core.calc.targets import direction_of
    from xltool.core.values import BARE, BOUND, parse_value
    from xltool.core.values.judge import _in_unit
    from xltool.core.values.types import Quantity

    key = indicator_figure(ind.level3)
    if key is None or ind.source_wan[0] is None:
        return None
    num, den = ind.source_wan
    measured = measure(key, num, den)
    kind = _BASIS_KIND[key]
    out = dict.fromkeys(HELPERS)
    out.update(h_kind=kind, h_wnum=num, h_wden=den, h_m=measured)
    j = judge_measured(0, ind, key, measured if measured is not None else Decimal(0))
    if j.met is None:          # nothing to compare (qualitative, other units, 其他支出 against a floor)
        return out
    target = parse_value(ind.target)
    op, lo, hi = target_parts(target, direction_of(ind, target))
    unit = _UNIT.get(kind, "%")
    if lo is not None:
        lo = _in_unit(Quantity(lo, target.quantity.unit if target.kind in (BOUND, BARE) else target.low.unit), unit)
    if hi is not None:
        hi = _in_unit(Quantity(hi, target.high.unit), unit)
    out.update(h_op=effective_op(op, direction_of(ind, target)), h_lo=lo, h_hi=hi)
    return out


def basis_outcome(helpers: dict[str, object]) -> tuple[str | None, str]:
    """(测算值 text, 是否达标) a row's formulas give from its helper values (their Decimal twin)."""
    kind, m, op, lo, hi = (helpers.get(k) for k in ("h_kind", "h_m", "h_op", "h_lo", "h_hi"))
    if not kind:
        return None, ""
    text = None if m is None else f"{format(m, 'f')}{_UNIT.get(kind, '%')}"
    if m is None or not op:
        return text, "需人工判断"
    if op in ("≥", ">", "≤", "<"):
        met = {"≥": m >= lo, ">": m > lo, "≤": m <= lo, "<": m < lo}[op]
    else:
        met = (m > lo if op[0] == "(" else m >= lo) and (m < hi if op[1] == ")" else m <= hi)
    if kind == "other" and op not in ("≤", "<"):   # an upper bound proves nothing against a floor
        met = False
    return text, "达标" if met else ("需人工判断" if kind == "other" else "未达标")


def indicator_formulas(L: dict[str, str], r: int, income: str, spending: str) -> dict[str, str]:
    """Formulas of one F1 indicator row; ``L`` maps column keys to letters, ``income``/``spending``
    are the A1 references of 收入预算金额 / 支出预算金额 (亿元)."""
    c = {k: f"{v}{r}" for k, v in L.items()}
    kind, amt, excl, op, lo, hi, m = (c[k] for k in ("h_kind", "h_amt", "h_excl", "h_op", "h_lo", "h_hi", "h_m"))
    wnum, wden = c["h_wnum"], c["h_wden"]
    den = f'IF({kind}="fee",{income},{spending}-{excl})'
    num = f'IF({kind}="other",{spending}-{excl}-{amt},{amt})'
    # 亿元 truncated: ROUND to 8 places first, so that 70600/10000 (7.0599999… in binary) stays 7.06
    from_budget = (f'IF({kind}="yi",ROUNDDOWN(ROUND({wnum}/10000,8),2),IF(N({wden})<=0,"",'
                   f'ROUND({wnum}*IF({kind}="months",12,100)/{wden},2)))')
    from_form = (f'IF({amt}="","",IF(NOT(ISNUMBER(IF({kind}="fee",{income},{spending}))),"",'
                 f'IF({den}<=0,"",ROUND({num}*100/{den},2))))')
    unit = f'IF({kind}="yi","亿元",IF({kind}="months","个月","%"))'
    met = met_formula(op, m, lo, hi)
    return {
        "h_m": f'=IF({kind}="","",IF(ISNUMBER({wnum}),{from_budget},{from_form}))',
        "measured": f'=IF({m}="","",TEXT({m},"0.00")&{unit})',
        "judgement": (f'=IF({kind}="","",IF(OR({m}="",{op}=""),"需人工判断",'
                      f'IF(AND({met},OR({kind}<>"other",{op}="≤",{op}="<")),"达标",'
                      f'IF({kind}="other","需人工判断","未达标"))))'),
    }


def apply_regional(plan, instance) -> None:
    """Give an F1 plan its formulas and helper values (templates, imports, relocation)."""
    from xltool.core.cellref import a1
    from xltool.core.values import parse_value

    cells = plan.by_field()
    if "income_yi" not in cells or "expenditure_yi" not in cells:
        return
    income = a1(cells["income_yi"].row, cells["income_yi"].col)
    spending = a1(cells["expenditure_yi"].row, cells["expenditure_yi"].col)
    helpers = row_helpers(instance, [(parse_value(ind.target), None) for ind in instance.indicators])
    for i, letters in indicator_columns(cells).items():
        r = cells[f"ind.{i}.target"].row
        formulas = indicator_formulas(letters, r, income, spending)
        for column in ("measured", "judgement", *HELPERS):
            cp = cells[f"ind.{i}.{column}"]
            cp.formula = formulas.get(column, "")
            if column in VALUE_HELPERS:
                cp.value = helpers.get(i, {}).get(column)


def basis_derived(i: int, helpers: dict[str, object]):
    """The ``calc.regional.Derived`` of a row measured against the 附表, for the rules (XT112, XT114)."""
    from xltool.core.calc.regional import Derived

    text, verdict = basis_outcome(helpers)
    kind, num, den, m = (helpers[k] for k in ("h_kind", "h_wnum", "h_wden", "h_m"))
    fmt = lambda d: format(d, "f")   # noqa: E731
    formula = (f"{fmt(num)} / 10000" if kind == "yi" else
               f"{fmt(num)} × 12 / {fmt(den)}" if kind == "months" else
               f"{fmt(num)} / {fmt(den)}" if den is not None else "")
    return Derived(i, kind, m, verdict, formula=f"{formula}（万元）" if formula else "",
                   reason="" if m is not None else "附表中作为分母的金额为空白或为零",
                   upper_bound=kind == "other" and bool(helpers.get("h_op")),
                   unit=_UNIT.get(kind, "%"), basis="附表金额")
