"""XT108 三级指标缺失/错行 — an indicator row without a 三级指标 name.

Every 指标值 belongs to a named 三级指标. A row that has a 二级指标 (and usually a 指标值)
but an empty 三级指标 cell lost its name, or its cells slid one column. (Rows whose leading
merged 一级/二级 cells were lost in a PDF extraction are realigned by the importer and are
not findings.)

Bad:  产出指标 | 时效指标 | (empty) | =100% | 历史标准 | 100% | 10 | 直接赋分   (seed 003, project 2).
Good: 产出指标 | 时效指标 | 资金发放及时性 | =100% | …
"""
from xltool.core.calc.targets import target_facts
from xltool.core.findings import ERROR, Finding
from xltool.core.model import PROJECT_SELF_EVALUATION, FUND_EXPENDITURE_TARGET, PROJECT_TARGET, REGIONAL_TARGET, SELF_EVALUATION

CODE, NAME, SEVERITY = "XT108", "三级指标缺失/错行", ERROR
FORMS = (REGIONAL_TARGET, FUND_EXPENDITURE_TARGET, SELF_EVALUATION, PROJECT_TARGET, PROJECT_SELF_EVALUATION)


def check(ctx):
    if target_facts(ctx) is None:
        return
    for i, ind in enumerate(ctx.instance.indicators):
        if ind.level3.strip() or not ind.level2.strip():
            continue
        shown = f"，指标值“{ind.target}”" if ind.target else ""
        yield Finding(CODE, SEVERITY, f"{NAME}：第 {i + 1} 条指标（{ind.level1}/{ind.level2}{shown}）"
                      "缺少三级指标名称，请补填或检查是否错行", f"ind.{i}.level3", "三级指标名称", "空白",
                      [f"ind.{i}.level2", f"ind.{i}.target"])
