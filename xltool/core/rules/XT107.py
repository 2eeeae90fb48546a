"""XT107 成本指标与预算不符 — a 成本指标 disagrees with 年度预算总额 and the counts of the form.

per disbursement = 年度预算总额 / 次数 (the 次数 from a 数量指标 such as ``=12次``, else from
the label: 每季度 → 4); per person-month = 总额 × 10000 / 人数 / 12 (元/人/月). The figure is
rounded half-up to the precision the target is written with before comparing.

Bad:  年度预算总额 52 万元, 补助人数 ``=973人``, 成本指标 ``=45.5元/人/月``
      (520000 / 973 / 12 = 44.54 元/人/月).
Good: 1012 万元, ``=12次``, ``<=84.33万元`` (1012 / 12 = 84.333 → 84.33);
      28.8 万元, ``=200人``, ``=120元/人/月``.
"""
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import PROJECT_TARGET

CODE, NAME, SEVERITY, FORMS = "XT107", "成本指标与预算不符", ERROR, (PROJECT_TARGET,)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    for cost in ctx.facts.get("costs", ()):
        if cost.agrees:
            continue
        ind = ctx.instance.indicators[cost.index]
        target = calcs[cost.index].target
        yield Finding(CODE, SEVERITY,
                      f"{NAME}：“{label_of(ind)}”按年度预算总额推算为 {cost.formula} = {fmt(cost.shown)}{cost.unit}，"
                      f"与指标值“{ind.target}”不符", f"ind.{cost.index}.target", fmt(cost.shown),
                      fmt(target.quantity.amount), ["total", *(f"ind.{i}.target" for i in cost.sources)])
