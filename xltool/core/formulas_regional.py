"""Live formulas for the regional target table (F1): 测算值 and 是否达标 of the derived fund shares.

The three shares of ``calc.regional`` (社会保险费收入占基金收入比重, 待遇支出占基金支出比重,
其他支出占基金支出比重) are computed by formulas from the header's 收入/支出预算金额 and the
amounts of the 社会保险费收入 / 待遇支出 rows. As in the self-evaluation (``core.formulas``),
what a formula cannot parse sits in hidden helper cells filled by xltool: ``h_op``/``h_lo``/
``h_hi`` (the share's 指标值), ``h_amt`` (a row's amount in 亿元: a bound or a tolerance
centre); ``h_x`` (the share, percent, 2 dp) and ``h_met`` are formulas. An amount a target's
note excludes (``不包括…50.04亿元``) and whether 待遇支出 is a one-sided bound are written into
the formula itself (both come from the 指标值 text, re-read on every recompute).
"""
from __future__ import annotations

from xltool.core import model
from xltool.core.calc.regional import _amount, _find, excluded
from xltool.core.formulas import _fmt, target_parts
from xltool.core.values import EQ, compare, parse_value

HELPERS = ("h_op", "h_lo", "h_hi", "h_amt", "h_x", "h_met")
AMOUNT_LABEL = "xlt金额（亿元）"


def sources(instance) -> dict[str, int | None]:
    """Row indices of the amounts and the three shares (None where the form has no such row)."""
    inds = instance.indicators
    return {"fee": _find(inds, lambda n: "保险费收入" in n and "占" not in n),
            "benefit": _find(inds, lambda n: "待遇支出" in n and "占" not in n),
            "fee_share": _find(inds, lambda n: "费收入占" in n),
            "benefit_share": _find(inds, lambda n: "待遇支出占" in n),
            "other_share": _find(inds, lambda n: "其他支出占" in n)}


def row_values(instance, i: int) -> dict[str, object]:
    """The value helpers of row i (its 指标值 parts; its amount in 亿元)."""
    target = parse_value(instance.indicators[i].target)
    op, lo, hi = target_parts(target, model.POSITIVE)    # the shares are judged as compare() does: 正向 default
    return {"h_op": op, "h_lo": lo, "h_hi": hi, "h_amt": _amount(target)[0]}


def share_values(measured, target_text: str, upper: bool) -> dict[str, object]:
    met = compare(parse_value(target_text), measured) if measured is not None else None
    return {"h_x": measured, "h_met": met}


def _one_sided(instance, benefit_i) -> bool:
    if benefit_i is None:
        return False
    target = parse_value(instance.indicators[benefit_i].target)
    return _amount(target)[1] and target.op != EQ


def formulas(instance, where) -> dict[str, str]:
    """Field key → formula for the share rows; ``where(key)`` gives a field's A1 (None if absent)."""
    src = sources(instance)
    out: dict[str, str] = {}
    income, spending = where("income_yi"), where("expenditure_yi")
    for kind in ("fee_share", "benefit_share", "other_share"):
        i = src[kind]
        if i is None:
            continue
        cell = {k: where(f"ind.{i}.{k}") for k in ("h_op", "h_lo", "h_hi", "h_x", "h_met")}
        if None in cell.values() or income is None or spending is None:
            continue
        excl = _fmt(excluded(parse_value(instance.indicators[i].target)))
        base = f"({spending}-{excl})" if excl != "0" else spending
        if kind == "fee_share":
            num = where(f"ind.{src['fee']}.h_amt") if src["fee"] is not None else None
            x = f'IF(OR({num}="",N({income})<=0),"",ROUND({num}*100/{income},2))' if num else '""'
        else:
            num = where(f"ind.{src['benefit']}.h_amt") if src["benefit"] is not None else None
            if not num or (kind == "other_share" and _one_sided(instance, src["benefit"])):
                x = '""'
            else:
                share = f"{num}*100/{base}" if kind == "benefit_share" else f"({base}-{num})*100/{base}"
                x = f'IF(OR({num}="",{spending}="",{base}<=0),"",ROUND({share},2))'
        op, lo, hi, hx, met = (cell[k] for k in ("h_op", "h_lo", "h_hi", "h_x", "h_met"))
        eop = f'IF(RIGHT({op},1)="?",LEFT({op},1),{op})'
        out[f"ind.{i}.h_x"] = f"={x}"
        out[f"ind.{i}.h_met"] = (
            f'=IF(OR({hx}="",{op}=""),"",IF({eop}="≥",{hx}>={lo},IF({eop}=">",{hx}>{lo},IF({eop}="≤",{hx}<={lo},'
            f'IF({eop}="<",{hx}<{lo},AND(IF(LEFT({op},1)="(",{hx}>{lo},{hx}>={lo}),'
            f'IF(RIGHT({op},1)=")",{hx}<{hi},{hx}<={hi})))))))')
        out[f"ind.{i}.measured"] = f'=IF({hx}="","",TEXT({hx},"0.00")&"%")'
        out[f"ind.{i}.judgement"] = (f'=IF({met}="","需人工判断",IF({met},"达标",'
                                     f'{chr(34) + "需人工判断" + chr(34) if kind == "other_share" else chr(34) + "未达标" + chr(34)}))')
    return out


def apply_regional(plan, instance) -> None:
    """Give a regional target plan its helper values and share formulas."""
    from xltool.core.cellref import a1

    cells = plan.by_field()
    for i in range(len(instance.indicators)):
        for key, value in row_values(instance, i).items():
            if f"ind.{i}.{key}" in cells:
                cells[f"ind.{i}.{key}"].value = value

    def where(key):
        cp = cells.get(key)
        return a1(cp.row, cp.col) if cp else None

    for key, formula in formulas(instance, where).items():
        cells[key].formula = formula
