"""XT153 成本上限超出预算 — an upper-bound 成本指标 times its count allows more than the budget.

A ceiling such as ``每次发放 ≤280万元`` with ``资金发放次数 =4次`` allows 280 × 4 = 1,120 万元; when
that exceeds the 年度预算总额 (项目支出绩效目标表) or the 年度资金总额's 全年预算数 (项目支出绩效自评表),
the ceiling does not constrain anything the budget does not already constrain (warning). The
count is a 数量指标 in 次 (else the label: 每季度 → 4) or in 人 (× 12 for a per-person-month cost).
Half a unit of the ceiling's last written digit is allowed for rounding (see ``calc.ceiling``).

Bad:  年度预算总额 1084.25 万元, ``资金发放次数 =4次``, ``每次发放 ≤280万元`` (allows 280 × 4 万元).
Good: 年度预算总额 5 万元, ``发放补助次数 =12次``, ``每次发放（补助） <=0.42万元/次`` (5 / 12 = 0.4167,
      written to 2 decimals); 1084.25 万元 with ``≤271.06万元`` per disbursement.
"""
from xltool.core import model
from xltool.core.calc.ceiling import _fmt, cost_ceilings
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import WARNING, Finding

CODE, NAME, SEVERITY = "XT153", "成本上限超出预算", WARNING
FORMS = (model.PROJECT_TARGET, model.PROJECT_SELF_EVALUATION)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    inst = ctx.instance
    if inst.form == model.PROJECT_TARGET:
        budget, budget_key, budget_label = inst.total, "total", "年度预算总额"
    else:
        budget, budget_key, budget_label = ctx.facts.get("budget_total"), "funds.total.budget", "年度资金总额（全年预算数）"
    for c in cost_ceilings(budget, inst.indicators, [x.target for x in calcs], [x.direction for x in calcs]):
        if not c.exceeds:
            continue
        ind = inst.indicators[c.index]
        yield Finding(CODE, SEVERITY,
                      f"{NAME}：“{label_of(ind)}”上限“{ind.target}”× {c.count_text} = {_fmt(c.allowed)} 万元，"
                      f"高于{budget_label} {_fmt(c.budget)} 万元，成本上限失去约束作用，请核实指标值或次数",
                      f"ind.{c.index}.target", f"≤ {_fmt(c.budget)} 万元", f"{_fmt(c.allowed)} 万元",
                      [budget_key, *(f"ind.{i}.target" for i in c.sources)])
