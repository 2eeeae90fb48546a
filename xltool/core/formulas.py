"""Live formulas for the self-evaluation (F3), and moving any layout formula onto a read sheet.

Every computed cell of the 自评表 carries a formula that Excel, WPS and LibreOffice all
evaluate (IF, AND, OR, ROUND, MIN, MAX, SUM, COUNT, ISNUMBER, SEARCH, LEFT, RIGHT, LEN,
CELL, N), so a clerk who types a new 实际完成值 sees 完成率, 是否达标, 得分, 总分 and 等级
change at once. A 指标值 such as ``≥216786人`` or ``105%≤≥95%`` cannot be parsed by a
formula: xltool keeps its parsed parts in hidden helper columns, filled when the template
is made and on every recompute:

- ``h_op``    the comparator: ``≥ > ≤ <``; ``≥?``/``≤?`` for a bare value or ``=`` (the
              指标方向 column decides, the character before ``?`` is the inferred default);
              ``[] (] [) ()`` for a range (open/closed ends); blank when not numeric;
- ``h_lo``/``h_hi``  the target (range: its ends) in the target's own unit (95 for 95%);
- ``h_act``   the 实际完成值 xltool read, in the target's unit (used when the cell is text,
              e.g. ``2020年末实际参保缴费人数32.68万人``; a number typed in the cell wins);
- ``h_grade`` the share of the 定性 grade phrase xltool recognised in the actual.

and five formula helpers the visible formulas share: ``h_eop`` (the comparator in force),
``h_x`` (the actual in the target's unit: a percent-formatted 0.95 is 95), ``h_met``
(TRUE/FALSE), ``h_share`` (the grade picked from the drop-down, else ``h_grade``) and ``h_w``
(the 分值 in points: a weight typed as ``20%`` is stored as 0.2 and means 20 points).
The rules are those of ``calc.score`` and ``values.judge``; the cached value of every
formula is xltool's own value.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from xltool.core import model
from xltool.core.cellref import a1
from xltool.core.values import BARE, BOUND, EQ, GE, GT, LE, LT, RANGE, TOLERANCE, Value, compare
from xltool.core.values.judge import _actual_quantity, _in_unit

VALUE_HELPERS = ("h_op", "h_lo", "h_hi", "h_act", "h_grade")
FORMULA_HELPERS = ("h_eop", "h_x", "h_met", "h_share", "h_w")
HELPERS = VALUE_HELPERS + FORMULA_HELPERS
HELPER_LABELS = {"h_op": "xlt比较符", "h_lo": "xlt目标值", "h_hi": "xlt目标上限", "h_act": "xlt实际值（文字）",
                 "h_grade": "xlt等级系数（文字）", "h_eop": "xlt适用比较符", "h_x": "xlt实际值", "h_met": "xlt是否达到",
                 "h_share": "xlt等级系数", "h_w": "xlt分值（分）"}
_SYMBOL = {GE: "≥", GT: ">", LE: "≤", LT: "<"}


# --- helper values (what xltool writes, and what each formula helper evaluates to) -----------------


def target_parts(target: Value, inferred: str) -> tuple[str | None, Decimal | None, Decimal | None]:
    """(h_op, h_lo, h_hi) of a parsed 指标值; ``inferred`` is the direction without the 指标方向 column."""
    default = "≤" if inferred == model.NEGATIVE else "≥"
    if target.kind == BOUND:
        t = target.quantity.amount
        if target.op == EQ:
            return ("≤" if t == 0 else default + "?"), t, None
        return _SYMBOL[target.op], t, None
    if target.kind == BARE:
        return default + "?", target.quantity.amount, None
    if target.kind in (RANGE, TOLERANCE):
        return (("(" if target.low_open else "[") + (")" if target.high_open else "]"),
                target.low.amount, target.high.amount)
    return None, None, None


def actual_amount(target: Value, actual: Value | None) -> Decimal | None:
    """The actual in the target's unit, as ``values.judge`` compares it (None: not comparable)."""
    if actual is None or not target.numeric:
        return None
    q = _actual_quantity(actual)
    if q is None:
        return None
    unit = target.quantity.unit if target.kind in (BOUND, BARE) else target.low.unit
    return _in_unit(q, unit)


def effective_op(h_op: str | None, direction: str) -> str | None:
    if not h_op:
        return None
    if h_op.endswith("?"):
        return {model.NEGATIVE: "≤", model.POSITIVE: "≥"}.get(direction, h_op[0])
    return h_op


def helper_values(target: Value, actual: Value | None, typed_direction: str, inferred: str,
                  share: Decimal | None) -> dict[str, object]:
    """All nine helper values of one indicator row (formula helpers: the values their formulas give)."""
    op, lo, hi = target_parts(target, inferred)
    x = actual_amount(target, actual)
    met = compare(target, actual, typed_direction if typed_direction in model.DIRECTIONS else inferred) \
        if (actual is not None and actual.kind != "empty" and op) else None
    eop = effective_op(op, typed_direction)
    return {"h_op": op, "h_lo": lo, "h_hi": hi, "h_act": x, "h_grade": share,
            "h_eop": eop, "h_x": x if op else None, "h_met": met if x is not None else None, "h_share": share}


# --- formulas, by column letter ---------------------------------------------------------------------


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def met_formula(op: str, x: str, lo: str, hi: str) -> str:
    """Formula text: does ``x`` meet the comparator in ``op`` (≥ > ≤ < against ``lo``, or a range
    such as ``[)`` between ``lo`` and ``hi``)? The cells are A1 references."""
    in_range = f'AND(IF(LEFT({op},1)="(",{x}>{lo},{x}>={lo}),IF(RIGHT({op},1)=")",{x}<{hi},{x}<={hi}))'
    return (f'IF({op}="≥",{x}>={lo},IF({op}=">",{x}>{lo},IF({op}="≤",{x}<={lo},'
            f'IF({op}="<",{x}<{lo},{in_range}))))')


def indicator_formulas(L: dict[str, str], r: int, config) -> dict[str, str]:
    """Formulas of one self-evaluation indicator row; ``L`` maps column keys to letters."""
    c = {k: f"{v}{r}" for k, v in L.items()}
    F, D, E, H = c["actual"], c["target"], c["direction"], c["scoring_rule"]
    G = c["h_w"]                  # the 分值 in points (20% typed → 20)
    op, lo, hi, act, grade = c["h_op"], c["h_lo"], c["h_hi"], c["h_act"], c["h_grade"]
    eop, x, met, share = c["h_eop"], c["h_x"], c["h_met"], c["h_share"]
    phrases = sorted(config.qualitative.items(), key=lambda kv: -kv[1])
    share_f = f'IF({grade}="","",{grade})'
    for phrase, value in reversed(phrases):
        share_f = f"IF({F}={_q(phrase)},{_fmt(value)},{share_f})"
    clamp = "ROUND(MAX(0,MIN({G},{e})),2)"
    below = clamp.format(G=G, e=f"{G}*{x}/{lo}")
    above = clamp.format(G=G, e=f"{G}*{hi}/{x}")
    upper = clamp.format(G=G, e=f"{G}*(1-({x}-{lo})/{lo})")
    range_score = f"IF({x}<={lo},IF({lo}=0,0,{below}),IF({x}>0,{above},0))"
    single_score = f'IF({lo}<=0,0,IF(OR({eop}="≥",{eop}=">"),{below},IF({x}>=2*{lo},0,{upper})))'
    proportional = f"IF({met},ROUND({G},2),IF(LEN({eop})=2,{range_score},{single_score}))"
    direct = f'IF({met}<>"",IF({met},ROUND({G},2),0),IF({share}<>"",IF({share}>=1,ROUND({G},2),0),""))'
    rate_range = (f'IF({met},100,IF(OR({x}<{lo},AND(LEFT({eop},1)="(",{x}={lo})),'
                  f"IF({lo}=0,0,{x}*100/{lo}),IF({x}=0,0,{hi}*100/{x})))")
    rate_single = (f'IF(OR({eop}="≥",{eop}=">"),IF({lo}=0,IF({met},100,0),{x}*100/{lo}),'
                   f"IF({x}=0,IF({met},100,0),{lo}*100/{x}))")
    return {
        "h_w": weight_points_formula(c["weight"]),
        "h_eop": f'=IF({op}="","",IF(RIGHT({op},1)="?",IF({E}="反向","≤",IF({E}="正向","≥",LEFT({op},1))),{op}))',
        "h_x": f'=IF({op}="","",IF(ISNUMBER({F}),{F}*IF(LEFT(CELL("format",{F}),1)="P",100,1),IF({act}="","",{act})))',
        "h_met": f'=IF(OR({x}="",{eop}=""),"",{met_formula(eop, x, lo, hi)})',
        "h_share": f"={share_f}",
        "judgement": (f'=IF(OR({F}="",{D}=""),"",IF({met}<>"",IF({met},"达标","未达标"),'
                      f'IF({share}<>"",IF({share}>=1,"达标","未达标"),"需人工判断")))'),
        "rate": f'=IF({met}="","",ROUND(IF(LEN({eop})=2,{rate_range},{rate_single}),2)/100)',
        "score": (f'=IF(OR({G}="",{F}=""),"",IF(ISNUMBER(SEARCH("直接",{H})),{direct},'
                  f'IF({met}<>"",{proportional},IF({share}<>"",ROUND({G}*{share},2),""))))'),
    }


def header_formulas(cells: dict[str, str], weights: str, scores: str, config) -> dict[str, str]:
    """预算执行率, its 得分, 总分 and 等级; ``cells`` maps header keys to A1, weights/scores are ranges."""
    B, X, W = cells["budget"], cells["executed"], cells["execution_weight"]
    rate, score, total = cells["execution_rate"], cells["execution_score"], cells["total_score"]
    w = f"IF({W}=\"\",{_fmt(config.execution_weight)},{W})"
    grade = _q(config.grades[-1][1])
    for floor, name in reversed(config.grades[:-1]):
        grade = f"IF({total}>={_fmt(floor)},{_q(name)},{grade})"
    return {
        "execution_rate": f'=IF(OR(N({B})=0,{X}=""),"",ROUND({X}*100/{B},2)/100)',
        "execution_score": f'=IF({rate}="","",ROUND(MIN({w},{w}*{X}/{B}),2))',
        "total_score": (f'=IF(AND(COUNT({weights})>0,ISNUMBER({score}),COUNT({scores})=COUNT({weights})),'
                        f'{score}+SUM({scores}),"")'),
        "grade": f'=IF({total}="","",{grade})',
    }


def _fmt(value) -> str:
    value = Decimal(value)
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


# --- moving a layout's formulas onto the sheet as read ------------------------------------------------

_REF = re.compile(r"(?<![A-Za-z_])\$?([A-Z]{1,3})\$?(\d+)(?![\d(A-Za-z_])")


@lru_cache(maxsize=4096)
def _pieces(formula: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """A formula cut at its cell references (outside string literals): the texts between them and
    each reference's (row, column). Parsed once per formula text (files made from one template
    share their formulas)."""
    from xltool.core.cellref import col_index

    texts, refs, text = [], [], []
    for n, part in enumerate(formula.split('"')):
        if n:
            text.append('"')
        if n % 2:
            text.append(part)
            continue
        last = 0
        for m in _REF.finditer(part):
            text.append(part[last:m.start()])
            texts.append("".join(text))
            text = []
            refs.append((int(m.group(2)), col_index(m.group(1))))
            last = m.end()
        text.append(part[last:])
    texts.append("".join(text))
    return tuple(texts), tuple(refs)


_a1 = lru_cache(maxsize=65536)(a1)


def relocate(formula: str, plan_keys: dict[tuple[int, int], str], cells: dict[str, tuple[str, int, int]],
             sheet: str) -> str | None:
    """``formula`` (written for the layout's positions) with every reference moved to where the
    reader found the same field; None when a referenced field is not on the sheet."""
    texts, refs = _pieces(formula)
    out = [texts[0]]
    for ref, text in zip(refs, texts[1:]):
        key = plan_keys.get(ref)
        where = cells.get(key) if key else None
        if where is None or where[0] != sheet:
            return None
        out.append(_a1(where[1], where[2]))
        out.append(text)
    return "".join(out)


# A helper column a workbook from before it lacks, and the field its formulas then use instead:
# the weight itself (a percent-formatted weight is then added as a fraction, as it always was there).
_STAND_INS = {"h_w": "weight", "points": "weight"}


def _with_stand_ins(cells: dict[str, tuple[str, int, int]]) -> dict[str, tuple[str, int, int]]:
    extra = {}
    for key, where in cells.items():
        if key.startswith("ind."):
            head, _, column = key.rpartition(".")
            for helper, field in _STAND_INS.items():
                if column == field and f"{head}.{helper}" not in cells:
                    extra[f"{head}.{helper}"] = where
    return {**cells, **extra} if extra else cells


def formulas_for(read, plans) -> dict[str, str]:
    """Field key → the formula its computed cell must carry on the sheet as read."""
    out: dict[str, str] = {}
    cells = _with_stand_ins(read.cells)
    for plan in plans:
        plan_keys = {(cp.row, cp.col): cp.field for cp in plan.cells if cp.field}
        for cp in plan.cells:
            if cp.formula and cp.field in read.cells:
                sheet = read.cells[cp.field][0]
                moved = relocate(cp.formula, plan_keys, cells, sheet)
                if moved:
                    out[cp.field] = moved
    return out


# --- the project target table (F4): weights in points ----------------------------------------------

# A weight typed as ``20%`` is stored as 0.2 with a percent format. The weights of a project target
# table are points that add up to 100 (90 for the indicators, DOMAIN.md), so 20% means 20 points: the
# reader reads it so (``reader._decimal(points=True)``), and the hidden helper ``h_w`` gives the formulas
# each weight in points (×100 when the cell's format is a percentage), which 权重合计 adds up.
F4_HELPER_LABELS = {"h_w": "xlt分值（分）"}


def weight_points_formula(weight: str) -> str:
    """The weight in ``weight`` (A1) in points: a percent-formatted 0.2 is 20; blank or text gives ""."""
    return f'=IF(ISNUMBER({weight}),{weight}*IF(LEFT(CELL("format",{weight}),1)="P",100,1),"")'


def apply_project_target(plan) -> None:
    """Give a project target table's plan its per-row weight helpers (权重合计, ``layout``, adds them)."""
    cells = plan.by_field()
    for i, letters in indicator_columns(cells).items():
        if "h_w" in letters:
            cp = cells[f"ind.{i}.h_w"]
            cp.formula = weight_points_formula(f"{letters['weight']}{cp.row}")
            cp.number_format = "0.00"


# --- the self-evaluation's plan --------------------------------------------------------------------


def row_helpers(ind, config) -> dict[str, object]:
    """Helper values of one indicator (parsed here: the layout has only the texts)."""
    from xltool.core.calc.score import grade_phrase
    from xltool.core.values import infer_direction, parse_value

    target = parse_value(ind.target)
    actual = parse_value(ind.actual) if ind.actual else None
    name = re.sub(r"\s+", "", f"{ind.level1}{ind.level2}{ind.level3}")
    phrase = grade_phrase(actual.text, config) if actual else ""
    values = helper_values(target, actual, ind.direction, infer_direction(name, target),
                           config.qualitative[phrase] if phrase else None)
    values["h_w"] = ind.weight
    return values


def indicator_columns(cells) -> dict[int, dict[str, str]]:
    """Indicator index → {column key: column letter}, from a plan's ``by_field()`` cells (``ind.<i>.<column>``)."""
    from xltool.core.cellref import col_letter

    rows: dict[int, dict[str, str]] = {}
    for key, cp in cells.items():
        if key.startswith("ind."):
            _, i, column = key.split(".", 2)
            rows.setdefault(int(i), {})[column] = col_letter(cp.col)
    return rows


def apply_self_evaluation(plan, instance, config=None) -> None:
    """Give a self-evaluation plan its formulas and helper values (templates, imports, relocation)."""
    from xltool.core.calc.scoring import DEFAULT_CONFIG
    from xltool.core.cellref import a1

    config = config or DEFAULT_CONFIG
    cells = plan.by_field()
    rows = indicator_columns(cells)
    for i, letters in rows.items():
        r = cells[f"ind.{i}.actual"].row
        formulas = indicator_formulas(letters, r, config)
        helpers = row_helpers(instance.indicators[i], config) if i < len(instance.indicators) else {}
        for column in ("judgement", "rate", "score", *HELPERS):
            cp = cells[f"ind.{i}.{column}"]
            cp.formula = formulas.get(column, "")
            if column in VALUE_HELPERS:
                cp.value = helpers.get(column)
            if column == "rate":
                cp.number_format = "0.00%"
    if not rows or "total_score" not in cells:
        return
    first, last = min(rows), max(rows)

    def span(column: str) -> str:
        return f"{a1(cells[f'ind.{first}.{column}'].row, cells[f'ind.{first}.{column}'].col)}:" \
               f"{a1(cells[f'ind.{last}.{column}'].row, cells[f'ind.{last}.{column}'].col)}"

    where = {k: a1(cells[k].row, cells[k].col) for k in ("budget", "executed", "execution_weight", "execution_rate",
                                                         "execution_score", "total_score", "grade")}
    for key, formula in header_formulas(where, span("weight"), span("score"), config).items():
        cells[key].formula = formula
    cells["execution_rate"].number_format = "0.00%"
