"""Recomputation of the F3' 项目支出绩效自评表 — the Decimal twin of ``formulas``.

Each value here is what the matching formula gives, computed with Decimal:

- 年度资金总额 as used (``effective``): the typed figure, or — typed as 0 or left blank — the sum
  of its 其中 rows (so a forgotten total never yields an execution rate from 0; XT150 reports it);
- 执行率 per row = 全年执行数 / 全年预算数 (percent, half-up 2 dp; none when the budget is blank or 0);
  得分 of 年度资金总额 = 分值 × 执行数 / 预算数, within [0, 分值], 2 dp;
- 资金来源 合计 per row;
- indicator 得分 (DOMAIN.md "Scoring"): 正向 proportional capped at 分值, 反向 falling to 0 at twice
  the target, ranges proportional to the nearer end, 直接赋分 all or nothing; a text actual that is
  not a number is scored by ``calc.score`` (定性 grade phrases in their band, or the clerk's own
  score judged by hand);
- 分值合计, 总分 = 预算执行率得分 + Σ 得分 (only when every weighted indicator is scored), 等级.
A number typed against a percentage target that is at most 1.5 is a fraction (0.95 = 95%),
as Excel stores a typed ``95%``.
"""
from __future__ import annotations

from decimal import Decimal

from xltool.core import model
from xltool.core.arith import percent, round_half_up
from xltool.core.calc.score import amount_in, score_indicator
from xltool.core.calc.targets import IndicatorCalc, direction_of, is_blank_form
from xltool.core.values import (BARE, BOUND, EQ, GE, GT, LE, LT, NEGATIVE, RANGE, TOLERANCE, Value,
                                completion_rate, parse_value)
from xltool.core.calc.score import judge

ZERO = Decimal(0)
PCT_LIMIT = Decimal("1.5")


def effective(instance: model.ProjectSelfEvaluation, column: str) -> Decimal | None:
    total = getattr(instance.line("total"), column)
    if total is not None and total != 0:
        return total
    parts = [getattr(line, column) for line in instance.funds if line.key != "total"]
    present = [p for p in parts if p is not None]
    return sum(present, ZERO) if present else None


def parts_sum(instance, column: str) -> Decimal | None:
    present = [getattr(line, column) for line in instance.funds if line.key != "total"
               and getattr(line, column) is not None]
    return sum(present, ZERO) if present else None


def numeric_parts(target: Value, direction: str):
    """(kind, low, high, pct) of a numeric 年度指标值, or ("", None, None, None)."""
    if target.kind in (BOUND, BARE):
        t = target.quantity.amount
        op = target.effective_op(direction)
        if op == EQ:
            op = LE if (direction == NEGATIVE or t == 0) else GE
        kind = {GE: "ge", GT: "gt", LE: "le", LT: "lt"}[op]
        return kind, t, None, target.quantity.unit == "%"
    if target.kind in (RANGE, TOLERANCE) and target.low.unit == target.high.unit:
        return "range", target.low.amount, target.high.amount, target.low.unit == "%"
    return "", None, None, None


def _unit(target: Value) -> str:
    return target.quantity.unit if target.kind in (BOUND, BARE) else target.low.unit


def _fraction(amount: Decimal, pct: bool) -> Decimal:
    return amount * 100 if pct and abs(amount) <= PCT_LIMIT else amount


def raw_score(kind: str, weight: Decimal, x: Decimal, low: Decimal, high: Decimal | None) -> Decimal:
    if kind in ("ge", "gt"):
        return weight if x >= low else (weight * x / low if low > 0 else ZERO)
    if kind in ("le", "lt"):
        if x <= low:
            return weight
        return ZERO if (low <= 0 or x >= 2 * low) else weight * (1 - (x - low) / low)
    if low <= x <= high:
        return weight
    if x < low:
        return weight * x / low if low > 0 else ZERO
    return weight * high / x if x > 0 else ZERO


def _indicator(i: int, ind: model.Indicator, number: Decimal | None, config, computed: dict) -> IndicatorCalc:
    target = parse_value(ind.target)
    direction = direction_of(ind, target)
    kind, low, high, pct = numeric_parts(target, direction)
    text = ind.actual if number is None else ""
    amount = parsed_text = parsed_amount = None
    actual = None
    if number is not None:
        amount = _fraction(number, bool(pct)) if kind else number
        actual = parse_value(f"{amount.normalize():f}%" if pct else f"{number.normalize():f}")
    elif text.strip():
        parsed_text = text
        actual = parse_value(text)
        if kind:
            parsed_amount = amount_in(actual, _unit(target))
            if parsed_amount is not None and pct and actual.kind in (BOUND, BARE) and not actual.quantity.unit:
                parsed_amount = _fraction(parsed_amount, True)
                actual = parse_value(f"{parsed_amount.normalize():f}%")
            amount = parsed_amount
    weight = ind.weight
    raw = raw_score(kind, weight, amount, low, high) if kind and amount is not None and weight is not None else None
    score = judged = None
    if raw is not None:
        if "直接" in (ind.scoring_rule or ""):
            tie = kind in ("gt", "lt") and amount == low
            score = round_half_up(weight if raw >= weight and not tie else ZERO)
        else:
            score = round_half_up(max(ZERO, min(weight, raw)))
    elif parsed_text is not None and weight is not None:
        judged = score_indicator(weight, target, actual, direction, ind.scoring_rule, config, ind.score)
        if judged is None and ind.score is not None and 0 <= ind.score <= weight:
            judged = ind.score            # judged by hand: the clerk's score stands
        score = judged
    computed.update({f"ind.{i}.kind": kind or None, f"ind.{i}.low": low, f"ind.{i}.high": high,
                     f"ind.{i}.pct": 1 if pct else None, f"ind.{i}.parsed_text": parsed_text,
                     f"ind.{i}.parsed_amount": parsed_amount, f"ind.{i}.amount": amount,
                     f"ind.{i}.raw": raw, f"ind.{i}.judged": judged, f"ind.{i}.score": score,
                     f"ind.{i}.points": weight})
    calc = IndicatorCalc(i, target, actual, None, direction)
    calc.score = score
    if actual is not None:
        calc.judgement = judge(target, actual, direction, config)
        calc.rate = completion_rate(target, actual, direction)
    return calc


def compute(read, config) -> tuple[dict[str, object], dict[str, object]]:
    instance: model.ProjectSelfEvaluation = read.instance
    facts: dict[str, object] = {"blank": is_blank_form(instance)}
    computed: dict[str, object] = {}
    calcs = [IndicatorCalc(i, parse_value(ind.target), parse_value(ind.actual), None,
                           direction_of(ind, parse_value(ind.target))) for i, ind in enumerate(instance.indicators)]
    facts["indicators"] = calcs
    if facts["blank"]:
        return computed, facts
    eff = {col: effective(instance, col) for col, _ in model.FUND_COLUMNS}
    for col, _ in model.FUND_COLUMNS:
        computed[f"funds.total.eff.{col}"] = eff[col]
    budget, executed = eff["budget"], eff["executed"]
    for line in instance.funds:
        b, e = (budget, executed) if line.key == "total" else (line.budget, line.executed)
        computed[f"funds.{line.key}.rate"] = percent(e, b) if b is not None and b != 0 and e is not None else None
        present = [v for v in line.sources.values() if v is not None]
        computed[f"sources.{line.key}.sum"] = sum(present, ZERO) if present else None
    weight = instance.execution_weight
    exec_score = None
    if weight is not None and computed["funds.total.rate"] is not None:
        exec_score = round_half_up(max(ZERO, min(weight, weight * executed / budget)))
    computed["funds.total.score"] = exec_score
    facts.update(budget_total=budget if budget is not None else eff["initial"], execution_score=exec_score)
    calcs = [_indicator(i, ind, instance.actual_numbers.get(i), config, computed)
             for i, ind in enumerate(instance.indicators)]
    facts["indicators"] = calcs
    weights = [ind.weight for ind in instance.indicators if ind.weight is not None]
    facts["weighted"] = bool(weights)
    computed["weight_sum"] = (weight or ZERO) + sum(weights, ZERO) if weights else None   # once indicators are weighted
    scores = [c.score for c, ind in zip(calcs, instance.indicators) if ind.weight is not None]
    total = None
    if weights and exec_score is not None and all(s is not None for s in scores):
        total = round_half_up(exec_score + sum(scores, ZERO))
    computed["total_score"] = total
    computed["grade"] = config.grade(total) if total is not None else None
    facts["total_score"] = total
    return computed, facts
