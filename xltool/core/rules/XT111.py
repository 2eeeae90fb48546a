"""XT111 指标值无法解析 — a 指标值 / 实际完成值 / 上年完成值 that the 指标值 grammar cannot read.

The text is kept verbatim and treated as qualitative (it is never dropped or altered), so
the indicator cannot be judged or scored automatically.

Bad:  ``≥5斤`` (unknown unit), ``≥高`` (a comparator without a number),
      ``≥6月&&≥9月`` (contradictory), ``全年保障21.81万名…保障0.43万名`` (two values).
Good: ``≥ 615.31亿元``, ``105%≤≥95%``, ``3.59亿元±5%``, ``每月25日前``, ``符合国家规定``.
"""
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import WARNING, Finding
from xltool.core.model import PROJECT_SELF_EVALUATION, FUND_EXPENDITURE_TARGET, PROJECT_TARGET, REGIONAL_TARGET, SELF_EVALUATION

CODE, NAME, SEVERITY = "XT111", "指标值无法解析", WARNING
FORMS = (REGIONAL_TARGET, FUND_EXPENDITURE_TARGET, SELF_EVALUATION, PROJECT_TARGET, PROJECT_SELF_EVALUATION)
COLUMNS = (("target", "指标值"), ("actual", "实际完成值"), ("last_year", "上年完成值"))


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    for calc, ind in zip(calcs, ctx.instance.indicators):
        for column, label in COLUMNS:
            value = getattr(calc, column)
            if value is None or value.parsed:
                continue
            yield Finding(CODE, SEVERITY, f"{NAME}：指标“{label_of(ind)}”的{label}“{value.text}”无法识别，"
                          "已按定性文字原样保留，不能自动判断是否达标", f"ind.{calc.index}.{column}",
                          "可识别的指标值（如 ≥95%、=12次、3.59亿元±5%）", value.text)
