"""XT106 权重合计不为90 — the indicator weights must sum to 90 (+10 for 预算执行率 = 100).

Applies to every 项目支出绩效目标表 and to a 自评表 whose indicators carry 分值. The 90 and
the 10 are ``ScoringConfig.indicator_total`` / ``execution_weight``.

Bad:  产出 40 + 成本 20 + 效益 20 + 满意度 5 = 85.
Good: 产出 40 + 成本 20 + 效益 20 + 满意度 10 = 90 (all nine projects of seed 003).
"""
from decimal import Decimal

from xltool.core.calc.targets import target_facts
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import PROJECT_SELF_EVALUATION, PROJECT_TARGET, SELF_EVALUATION
from xltool.core.calc.scoring import DEFAULT_CONFIG

CODE, NAME, SEVERITY, FORMS = "XT106", "权重合计不为90", ERROR, (PROJECT_TARGET, SELF_EVALUATION, PROJECT_SELF_EVALUATION)


def check(ctx):
    if target_facts(ctx) is None:
        return
    inst = ctx.instance
    config = ctx.facts.get("config", DEFAULT_CONFIG)
    weighted = [(i, ind.weight) for i, ind in enumerate(inst.indicators) if ind.weight is not None]
    if not inst.indicators or (not weighted and inst.form == SELF_EVALUATION):
        return
    total = sum((w for _, w in weighted), Decimal(0))
    want = config.indicator_total
    if weighted and total == want:
        return
    key = "weight_sum" if inst.form == PROJECT_TARGET else "total_score"
    detail = (f"实为 {fmt(total)}" if weighted else "未填写任何指标分值权重")
    yield Finding(CODE, SEVERITY,
                  f"{NAME}：各指标分值权重合计应为 {fmt(want)}（另 {fmt(config.execution_weight)} 分为预算执行率，"
                  f"共 {fmt(config.total)} 分），{detail}", key, fmt(want), fmt(total) if weighted else "空白",
                  [f"ind.{i}.weight" for i, _ in weighted])
