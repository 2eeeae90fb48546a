"""Recomputation for the target and evaluation forms (F1–F4).

``compute_target_form(read, config)`` returns (computed cell values keyed by field key,
facts for the rules). Computed keys:

- F3 自评表: ``execution_rate`` (percent, half-up 2 dp; None when 预算数 blank/0),
  ``execution_score`` (分值 × 执行数/预算数, capped at the 分值), per indicator
  ``ind.{i}.judgement`` (达标 / 未达标 / 需人工判断), ``ind.{i}.rate`` (completion rate,
  percent), ``ind.{i}.score`` (only with a 分值), ``total_score`` and ``grade`` (only when
  some indicator carries a 分值 and every weighted indicator could be scored).
- F4 项目目标表: ``weight_sum`` and per indicator ``ind.{i}.h_w`` (the weight in points, the helper
  the 权重合计 formula adds: a percent-formatted 20% is 20).
- F1 区域目标表: ``ind.{i}.measured`` (``"79.58%"``) and ``ind.{i}.judgement`` for the
  derivable fund shares (see ``calc_regional``), and on a sheet with the helper columns their
  helper values (``core.regional_formulas``); rows measured against the 附表 (``derive-targets``:
  万元 figures in hidden helper cells) give 测算值 and 是否达标 from those figures; other rows'
  测算值 are the clerk's.
- F2: nothing.

Facts (all forms): ``blank`` (a wholly blank form), ``indicators`` (one IndicatorCalc per
row: parsed target/actual, direction, judgement, rate, score); F3 ``execution_rate`` and
``weighted``; F4 ``costs`` (``calc_cost.CostCheck``); F1 ``derived`` (``calc_regional.Derived``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import lru_cache

from xltool.core import model
from xltool.core.arith import percent, round_half_up
from xltool.core.calc.cost import check_costs
from xltool.core.calc.regional import derive_regional
from xltool.core.calc.score import judge, score_indicator
from xltool.core.formulas import row_helpers
from xltool.core.regional_formulas import basis_derived, budget_basis
from xltool.core.regional_formulas import row_helpers as regional_helpers
from xltool.core.values import Value, completion_rate, infer_direction, parse_value

# Header fields that a fresh template already carries (not typed by the clerk).
_PRESET_FIELDS = {"year", "title", "region", "fund_label", "execution_weight", "indicators",
                  "fund"}   # F1's 险种: what `xltool template regional-target --fund` writes


def is_blank_form(instance) -> bool:
    """True for a wholly blank form: a fresh template, or one whose inputs were all cleared."""
    if hasattr(instance, "is_blank"):
        return instance.is_blank()
    if instance.form == model.BUDGET_TABLES:
        return all(v is None for table in instance.tables.values()
                   for row in (*table.rows, *table.right_rows) for v in row.values)
    for f in fields(instance):
        if f.name not in _PRESET_FIELDS and getattr(instance, f.name) not in (None, ""):
            return False
    return all(ind.is_blank() for ind in instance.indicators)


@dataclass
class IndicatorCalc:
    index: int
    target: Value
    actual: Value | None          # None on forms without 实际完成值
    last_year: Value | None
    direction: str
    judgement: str | None = None
    rate: Decimal | None = None
    score: Decimal | None = None

    @property
    def values(self) -> tuple[Value, Value | None]:
        return self.target, self.actual


_SPACE = re.compile(r"\s+")


def indicator_name(ind) -> str:
    return _joined(ind.level1, ind.level2, ind.level3)


@lru_cache(maxsize=4096)
def _joined(level1, level2, level3) -> str:
    return _SPACE.sub("", f"{level1}{level2}{level3}")


def direction_of(ind, target: Value) -> str:
    if ind.direction in model.DIRECTIONS:
        return ind.direction
    return infer_direction(indicator_name(ind), target)


def parse_indicators(instance) -> list[IndicatorCalc]:
    out = []
    has_actual = instance.form == model.SELF_EVALUATION
    for i, ind in enumerate(instance.indicators):
        target = parse_value(ind.target)
        out.append(IndicatorCalc(i, target, parse_value(ind.actual) if has_actual else None,
                                 parse_value(ind.last_year) if ind.last_year else None,
                                 direction_of(ind, target)))
    return out


def compute_target_form(read, config) -> tuple[dict[str, object], dict[str, object]]:
    instance = read.instance
    facts: dict[str, object] = {"blank": is_blank_form(instance)}
    if instance.form == model.BUDGET_TABLES:
        return {}, facts
    calcs = parse_indicators(instance)
    facts["indicators"] = calcs
    if facts["blank"]:
        return {}, facts
    computed: dict[str, object] = {}
    if instance.form == model.SELF_EVALUATION:
        _self_evaluation(instance, calcs, config, computed, facts, read.cells)
    elif instance.form == model.PROJECT_TARGET:
        weights = [ind.weight for ind in instance.indicators if ind.weight is not None]
        computed["weight_sum"] = sum(weights, Decimal(0)) if weights else None
        for i, ind in enumerate(instance.indicators):     # each weight in points (20% → 20)
            if f"ind.{i}.h_w" in read.cells:
                computed[f"ind.{i}.h_w"] = ind.weight
        facts["costs"] = check_costs(instance, [c.values for c in calcs])
    elif instance.form == model.REGIONAL_TARGET:
        values = [c.values for c in calcs]
        shares = derive_regional(instance, values)
        basis = {i: h for i, ind in enumerate(instance.indicators) if (h := budget_basis(ind)) is not None}
        derived = [d for d in shares if d.index not in basis] + [basis_derived(i, h) for i, h in basis.items()]
        facts["derived"] = derived
        if "income_yi" in read.cells and "expenditure_yi" in read.cells:   # helper cells of the formulas
            for i, helpers in regional_helpers(instance, values, shares, basis).items():
                if f"ind.{i}.h_kind" not in read.cells:
                    continue
                computed.update({f"ind.{i}.{k}": v for k, v in helpers.items()})
                if helpers["h_kind"] is None:   # not a derived share: what the cell holds stays
                    facts.setdefault("manual", set()).update({f"ind.{i}.measured", f"ind.{i}.judgement"})
        for d in derived:
            computed[f"ind.{d.index}.measured"] = d.text
            computed[f"ind.{d.index}.judgement"] = d.judgement
            calcs[d.index].judgement = d.judgement
    return computed, facts


def execution_rate(budget: Decimal | None, executed: Decimal | None) -> Decimal | None:
    if budget is None or budget == 0 or executed is None:
        return None
    return percent(executed, budget)


def _self_evaluation(instance, calcs, config, computed, facts, cells=()) -> None:
    budget, executed = instance.budget, instance.executed
    rate = execution_rate(budget, executed)
    weight = instance.execution_weight if instance.execution_weight is not None else config.execution_weight
    exec_score = None
    if rate is not None:
        exec_score = round_half_up(min(weight, weight * executed / budget))
    computed["execution_rate"] = rate
    computed["execution_score"] = exec_score
    facts["execution_rate"] = rate
    weighted = any(ind.weight is not None for ind in instance.indicators)
    facts["weighted"] = weighted
    scores: list[Decimal | None] = []
    manual = facts.setdefault("manual", set())    # keys whose value is the clerk's, not a formula's
    for calc, ind in zip(calcs, instance.indicators):
        calc.judgement = judge(calc.target, calc.actual, calc.direction, config)
        calc.rate = completion_rate(calc.target, calc.actual, calc.direction) if calc.actual else None
        computed[f"ind.{calc.index}.judgement"] = calc.judgement
        computed[f"ind.{calc.index}.rate"] = calc.rate
        for key, value in row_helpers(ind, config).items():
            computed[f"ind.{calc.index}.{key}"] = value
        if ind.weight is None:
            if f"ind.{calc.index}.h_op" in cells:    # a live sheet: the score formula shows blank
                computed[f"ind.{calc.index}.score"] = None
            continue
        calc.score = score_indicator(ind.weight, calc.target, calc.actual, calc.direction, ind.scoring_rule,
                                     config, ind.score)
        if calc.score != score_indicator(ind.weight, calc.target, calc.actual, calc.direction, ind.scoring_rule,
                                         config):
            manual.add(f"ind.{calc.index}.score")     # a score the clerk set within its 定性 band
        if calc.score is None and ind.score is not None and 0 <= ind.score <= ind.weight:
            calc.score = ind.score          # judged by hand: the clerk's score stands
            manual.add(f"ind.{calc.index}.score")
        computed[f"ind.{calc.index}.score"] = calc.score
        scores.append(calc.score)
    total = None
    if weighted and exec_score is not None and all(s is not None for s in scores):
        total = exec_score + sum(scores, Decimal(0))
    computed["total_score"] = total
    computed["grade"] = config.grade(total) if total is not None else None
    facts["total_score"] = total


def label_of(ind) -> str:
    """How a rule names an indicator in a message: its 三级 name, else 二级."""
    return (ind.level3 or ind.level2 or ind.level1 or "（未命名指标）").strip()


def target_facts(ctx) -> list[IndicatorCalc] | None:
    """The parsed indicators of a non-blank target form, or None (blank form / 附表)."""
    facts = ctx.facts
    if facts.get("blank") or "indicators" not in facts:
        return None
    return facts["indicators"]
