"""XT115 预算数为零 — a 自评表 with an 执行数 but a 预算数 of 0 (or blank).

The 预算执行率 = 执行数 / 预算数 cannot be computed, and neither can the 预算执行率 score;
some published tables print 100% there, which is not a figure but a placeholder.

Bad:  预算数 0, 执行数 5769, 执行率 100%.
Good: 预算数 6926, 执行数 5769 → 83.29%.
"""
from xltool.core.calc.targets import target_facts
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import SELF_EVALUATION
from xltool.core.budget_read import stated_percent

CODE, NAME, SEVERITY, FORMS = "XT115", "预算数为零", ERROR, (SELF_EVALUATION,)


def check(ctx):
    if target_facts(ctx) is None:
        return
    inst = ctx.instance
    if inst.executed is None or inst.executed == 0 or (inst.budget is not None and inst.budget != 0):
        return
    stated = stated_percent(ctx.stated.get("execution_rate"))
    shown = f"；表中所填执行率 {fmt(stated)}% 不是计算结果" if stated is not None else ""
    yield Finding(CODE, SEVERITY, f"{NAME}：预算数为{'空白' if inst.budget is None else '零'}而执行数为 "
                  f"{fmt(inst.executed)}，无法计算预算执行率和预算执行率得分{shown}", "budget", "大于零的预算数",
                  fmt(inst.budget), ["executed", "execution_rate"])
