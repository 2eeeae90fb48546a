"""XT154 自评得分与计算不符 — a 得分, 总分 or 评价等级 stated in a 项目支出绩效自评表 differs from xltool's.

The stated figure (typed, or published and imported) is compared with the recomputation; the
recomputed value is written and the stated one is kept in the note. A stated 得分 of a 定性
indicator inside its grade's band is the evaluator's score and stands (XT152 covers scores
outside the band).

Bad:  总分 stated 87.86 (良) where 预算执行率得分 9.80 + Σ 得分 87.86 = 97.66 (优) — the
      预算执行率 was scored 0 because 年度资金总额 was left at 0.
Good: 总分 100, 等级 优 with every indicator at full score and the budget fully executed.
"""
from decimal import Decimal

from xltool.core import model
from xltool.core.arith import ArithmeticInputError, to_decimal
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import WARNING, Finding, fmt

CODE, NAME, SEVERITY, FORMS = "XT154", "自评得分与计算不符", WARNING, (model.PROJECT_SELF_EVALUATION,)


def _number(value):
    try:
        return to_decimal(value)
    except ArithmeticInputError:
        return None


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    inds = ctx.instance.indicators
    for calc in calcs:
        key = f"ind.{calc.index}.score"
        stated, ours = _number(ctx.stated.get(key)), ctx.computed.get(key)
        if stated is None or ours is None or stated == ours or ctx.computed.get(f"ind.{calc.index}.raw") is None:
            continue
        yield Finding(CODE, SEVERITY, f"{NAME}：“{label_of(inds[calc.index])}”得分填写为 {fmt(stated)}，"
                      f"按年度指标值与实际完成值计算为 {fmt(ours)}", key, fmt(ours), fmt(stated),
                      [f"ind.{calc.index}.target", f"ind.{calc.index}.actual", f"ind.{calc.index}.weight"])
    stated, ours = _number(ctx.stated.get("total_score")), ctx.computed.get("total_score")
    if stated is not None and ours is not None and stated != ours:
        yield Finding(CODE, SEVERITY, f"{NAME}：总分填写为 {fmt(stated)}，按预算执行率得分与各指标得分计算为 "
                      f"{fmt(ours)}", "total_score", fmt(ours), fmt(stated), ["funds.total.score"])
    stated, ours = str(ctx.stated.get("grade") or "").strip(), ctx.computed.get("grade")
    if stated and ours and stated != ours:
        yield Finding(CODE, SEVERITY, f"{NAME}：评价等级填写为“{stated}”，按总分 {fmt(ctx.computed.get('total_score'))} "
                      f"应为“{ours}”", "grade", ours, stated, ["total_score"])
