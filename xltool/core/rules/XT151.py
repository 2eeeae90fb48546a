"""XT151 资金来源与合计不符 — the split of a 项目资金 row by source (中央 / 省级 / 市级 / 县级 / 其他)
must add up to that row's 全年预算数.

Only rows whose sources are filled are checked. For 年度资金总额 the row's 全年预算数 as typed is
used, or — typed as 0 or left blank — the sum of its 其中 rows (see XT150).

Bad:  年度资金总额 321.25, sources 中央 166 + 自治区 136 + 盟市 20.25 = 322.25.
Good: 年度资金总额 1084.25, sources 900 + 150 + 34.25 = 1084.25.
"""
from xltool.core import model
from xltool.core.calc.targets import target_facts
from xltool.core.findings import ERROR, Finding, fmt

CODE, NAME, SEVERITY, FORMS = "XT151", "资金来源与合计不符", ERROR, (model.PROJECT_SELF_EVALUATION,)


def check(ctx):
    if target_facts(ctx) is None:
        return
    inst = ctx.instance
    labels = {key: inst.source_labels.get(key) or label for key, label in model.SOURCES}
    for line in inst.funds:
        filled = [(key, v) for key, v in line.sources.items() if v is not None]
        if not filled:
            continue
        budget = line.budget
        if line.key == "total" and (budget is None or budget == 0):
            budget = ctx.computed.get("funds.total.eff.budget", budget)
        if budget is None:
            continue
        total = sum(v for _, v in filled)
        if total == budget:
            continue
        shown = " + ".join(f"{labels[key]} {fmt(v)}" for key, v in filled)
        name = (line.label or dict(model.FUND_LINES)[line.key]).replace("其中：", "").replace("其中:", "")
        yield Finding(CODE, SEVERITY, f"{NAME}：“{name}”的资金来源 {shown} = {fmt(total)}，与其全年预算数 "
                      f"{fmt(budget)} 不符", f"sources.{line.key}.sum", fmt(budget), fmt(total),
                      [f"funds.{line.key}.budget", *(f"sources.{line.key}.{key}" for key, _ in filled)])
