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

and one formula helper ``h_m`` (the share in percent, half-up 2 dp). The 收入/支出预算金额 cells
are referenced directly, so a clerk who changes them sees 测算值 and 是否达标 change at once in
Excel, WPS and LibreOffice (IF, OR, AND, NOT, ISNUMBER, ROUND, TEXT, LEFT, RIGHT only).
"""
from __future__ import annotations

from xltool.core import model
from xltool.core.formulas import effective_op, indicator_columns, target_parts

VALUE_HELPERS = ("h_kind", "h_amt", "h_excl", "h_op", "h_lo", "h_hi")
HELPERS = (*VALUE_HELPERS, "h_m")
HELPER_LABELS = {"h_kind": "xlt测算类型", "h_amt": "xlt测算金额（亿元）", "h_excl": "xlt扣除金额（亿元）",
                 "h_op": "xlt比较符", "h_lo": "xlt目标值", "h_hi": "xlt目标上限", "h_m": "xlt测算值（%）"}
_KIND = {"fee_share": "fee", "benefit_share": "benefit", "other_share": "other"}


def row_helpers(instance, values) -> dict[int, dict[str, object]]:
    """Indicator index → its helper values (every row: blank for rows that are not derived).
    ``values``: (parsed target, parsed actual) per indicator, as ``calc.regional`` takes them."""
    from xltool.core.calc.regional import _amount, derive_regional, excluded

    out: dict[int, dict[str, object]] = {i: dict.fromkeys(HELPERS) for i in range(len(instance.indicators))}
    for d in derive_regional(instance, values):
        target = values[d.index][0]
        amount, one_sided = _amount(values[d.sources[0]][0]) if d.sources else (None, False)
        if d.kind == "other_share" and one_sided:
            amount = None              # 待遇支出 itself a bound: nothing can be derived
        op, lo, hi = target_parts(target, model.POSITIVE)
        out[d.index].update(h_kind=_KIND[d.kind], h_amt=amount,
                            h_excl=excluded(target) if d.kind != "fee_share" else 0,
                            h_op=effective_op(op, model.POSITIVE), h_lo=lo, h_hi=hi, h_m=d.measured)
    return out


def indicator_formulas(L: dict[str, str], r: int, income: str, spending: str) -> dict[str, str]:
    """Formulas of one F1 indicator row; ``L`` maps column keys to letters, ``income``/``spending``
    are the A1 references of 收入预算金额 / 支出预算金额 (亿元)."""
    c = {k: f"{v}{r}" for k, v in L.items()}
    kind, amt, excl, op, lo, hi, m = (c[k] for k in ("h_kind", "h_amt", "h_excl", "h_op", "h_lo", "h_hi", "h_m"))
    den = f'IF({kind}="fee",{income},{spending}-{excl})'
    num = f'IF({kind}="other",{spending}-{excl}-{amt},{amt})'
    met_range = f'AND(IF(LEFT({op},1)="(",{m}>{lo},{m}>={lo}),IF(RIGHT({op},1)=")",{m}<{hi},{m}<={hi}))'
    met = (f'IF({op}="≥",{m}>={lo},IF({op}=">",{m}>{lo},IF({op}="≤",{m}<={lo},'
           f'IF({op}="<",{m}<{lo},{met_range}))))')
    return {
        "h_m": (f'=IF(OR({kind}="",{amt}=""),"",IF(NOT(ISNUMBER(IF({kind}="fee",{income},{spending}))),"",'
                f'IF({den}<=0,"",ROUND({num}*100/{den},2))))'),
        "measured": f'=IF({m}="","",TEXT({m},"0.00")&"%")',
        "judgement": (f'=IF({kind}="","",IF(OR({m}="",{op}=""),"需人工判断",'
                      f'IF({met},"达标",IF({kind}="other","需人工判断","未达标"))))'),
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
