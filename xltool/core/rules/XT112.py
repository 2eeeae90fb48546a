"""XT112 指标未达标 — an indicator whose 实际完成值 (or, in a 区域绩效目标表, the share derived
from the form's own amounts) does not meet its 指标值.

Units are converted before comparing (0.37万人 vs 745人); the message gives the completion
rate. Qualitative and deadline indicators are 需人工判断, never 未达标.

Bad:  参保缴费人数 指标值 32.85万人, 实际完成值 32.68万人 (完成率 99.48%);
      基金支出预算执行率 指标值 105%≤≥95%, 实际完成值 61.86%.
Good: 保障退休待遇人数 指标值 21.72万人, 实际完成值 21.75万人;
      社会保险费收入占基金收入比重 ≥79%, derived 615.31 / 773.15 = 79.58%.
"""
from xltool.core.calc.score import NOT_MET
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import WARNING, Finding
from xltool.core.model import PROJECT_SELF_EVALUATION, REGIONAL_TARGET, SELF_EVALUATION

CODE, NAME, SEVERITY, FORMS = "XT112", "指标未达标", WARNING, (SELF_EVALUATION, REGIONAL_TARGET, PROJECT_SELF_EVALUATION)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    inds = ctx.instance.indicators
    if ctx.instance.form == REGIONAL_TARGET:
        for d in ctx.facts.get("derived", ()):
            if d.judgement != NOT_MET:
                continue
            expected = calcs[d.index].target.canonical()
            yield Finding(CODE, SEVERITY, f"{NAME}：“{label_of(inds[d.index])}”按{d.basis}测算为 {d.formula} = "
                          f"{d.text}，未达到目标 {expected}", f"ind.{d.index}.measured", expected, d.text,
                          [f"ind.{d.index}.target", *(f"ind.{i}.target" for i in d.sources)])
        return
    for calc in calcs:
        if calc.judgement != NOT_MET:
            continue
        expected, found = calc.target.canonical(), calc.actual.canonical()
        rate = f"，完成率 {calc.rate}%" if calc.rate is not None else ""
        yield Finding(CODE, SEVERITY, f"{NAME}：“{label_of(inds[calc.index])}”实际完成 {found}，"
                      f"目标 {expected}{rate}", f"ind.{calc.index}.actual", expected, found,
                      [f"ind.{calc.index}.target"])
