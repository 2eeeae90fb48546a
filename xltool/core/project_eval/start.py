"""The year-end 项目支出绩效自评表 (财预〔2020〕10号) started from a 项目支出绩效目标表 (F4).

Carried over: year, 项目名称, 预算单位 (as 实施单位), 年度预算总额 / 财政拨款 / 其他资金 as the
年初预算数 of their rows, 项目总体目标 as 预期目标, and the indicator tree with 指标值, 分值,
指标方向 and 指标赋分规则; each 一级指标 is printed with its weight (``产出指标（50分）``).
全年预算数, 全年执行数, 实际完成值 and 偏差原因 are left for the clerk.
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltool.core import model


def _with_weight(level1: str, weights: dict[str, Decimal]) -> str:
    if not level1 or re.search(r"[（(]\s*[\d.]+\s*分\s*[)）]", level1) or level1 not in weights:
        return level1
    return f"{level1}（{format(weights[level1].normalize(), 'f')}分）"


def start_from_target(target) -> model.ProjectSelfEvaluation:
    """From a ProjectTarget (F4) or a FundExpenditureTarget (F2: 其中 社保基金 counts as 财政拨款)."""
    evaluation = model.ProjectSelfEvaluation(year=target.year, project=target.project, implementer=target.unit,
                                             goal_expected=target.goal)
    evaluation.line("total").initial = target.total
    evaluation.line("fiscal").initial = getattr(target, "fiscal", getattr(target, "fund_amount", None))
    evaluation.line("other").initial = getattr(target, "other", getattr(target, "other_amount", None))
    weights: dict[str, Decimal] = {}
    for ind in target.indicators:
        if ind.weight is not None:
            weights[ind.level1] = weights.get(ind.level1, Decimal(0)) + ind.weight
    for ind in target.indicators:
        carried = model.Indicator(level1=_with_weight(ind.level1, weights), level2=ind.level2, level3=ind.level3,
                                  target=ind.target, direction=ind.direction, weight=ind.weight,
                                  scoring_rule=ind.scoring_rule)
        evaluation.indicators.append(carried)
    return evaluation
