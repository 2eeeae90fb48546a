"""XT105 自报执行率与计算不符 — a self-reported 支出预算执行率 differs from 执行数 / 预算数.

An indicator of a 自评表 whose name contains 预算执行率 and whose 实际完成值 states a
percentage is compared with 执行数 / 预算数 at the precision it was reported (98% agrees
with 97.73%, 84% does not agree with 83.29%). 收入预算执行率 cannot be checked: the form
carries no income figures.

Bad:  预算数 1410942, 执行数 1281199 (= 90.80%), 实际完成值 "基本养老金支出预算执行率92.85%".
Good: 预算数 16244, 执行数 10049 (= 61.86%), 实际完成值 "基金支出预算执行率61.86%";
      or 预算数 489150, 执行数 478059 (= 97.73%), reported as 98%.
"""
from xltool.core.calc.targets import target_facts
from xltool.core.findings import WARNING, Finding, fmt
from xltool.core.model import SELF_EVALUATION
from xltool.core.rules import same_at_precision
from xltool.core.values import BARE, BOUND, EQ

CODE, NAME, SEVERITY, FORMS = "XT105", "自报执行率与计算不符", WARNING, (SELF_EVALUATION,)


def check(ctx):
    calcs = target_facts(ctx)
    rate = ctx.facts.get("execution_rate")
    if calcs is None or rate is None:
        return
    inst = ctx.instance
    for calc, ind in zip(calcs, inst.indicators):
        name = ind.level3 or ""
        if "预算执行率" not in name or "收入" in name:
            continue
        actual = calc.actual
        if actual is None or actual.kind not in (BOUND, BARE) or actual.quantity.unit != "%":
            continue
        if actual.kind == BOUND and actual.op != EQ:
            continue        # "实际≥95%" is a bound, not a reported figure
        stated = actual.quantity.amount
        if same_at_precision(stated, rate):
            continue
        yield Finding(CODE, SEVERITY,
                      f"{NAME}：“{name}”自报 {fmt(stated)}%，按执行数/预算数（{fmt(inst.executed)} / "
                      f"{fmt(inst.budget)}）计算为 {rate}%", f"ind.{calc.index}.actual",
                      f"{rate}%", f"{fmt(stated)}%", ["execution_rate", "executed", "budget"])
