"""XT114 衍生指标无法核实/不符 — a fund share of a 区域绩效目标表 that the form's own amounts
cannot confirm.

- 其他支出占基金支出比重 = (支出 − 待遇支出) / 支出 is only an upper bound: the 附表 do not
  itemise 其他支出 (transfers out may hide in the remainder). When that bound exceeds the
  target it is a warning that says so, never an error; against a floor or a range (``≥0.6%``) the
  bound proves nothing: information, and 是否达标 stays 需人工判断, never 达标.
- When 社会保险待遇支出 is itself a one-sided bound (``≤584.35亿元``), or an amount is
  missing, the share cannot be derived at all: information "无法核实", never a made-up share.

Bad:  城乡居民养老 支出 7.11亿元, 待遇支出 7.06亿元±5%, 其他支出占比 ≤0.6%:
      (7.11 − 7.06) / 7.11 = 0.70% (upper bound) → warning.
      企业职工养老 待遇支出 ≤584.35亿元 → 其他支出占比 无法核实 (information).
Good: 机关事业养老 (37.93 − 37.76) / 37.93 = 0.45% ≤ 0.5%.
"""
from xltool.core.calc.score import MANUAL
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import INFO, WARNING, Finding
from xltool.core.model import REGIONAL_TARGET
from xltool.core.values import UPPER_OPS

CODE, NAME, SEVERITY, FORMS = "XT114", "衍生指标无法核实/不符", WARNING, (REGIONAL_TARGET,)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    inds = ctx.instance.indicators
    for d in ctx.facts.get("derived", ()):
        name, target = label_of(inds[d.index]), calcs[d.index].target.canonical()
        related = [f"ind.{d.index}.target", *(f"ind.{i}.target" for i in d.sources)]
        if d.measured is None:
            yield Finding(CODE, INFO, f"{NAME}：“{name}”无法核实：{d.reason}", f"ind.{d.index}.judgement",
                          target, "无法推算", related)
        elif d.upper_bound and d.judgement == MANUAL and calcs[d.index].target.effective_op() not in UPPER_OPS:
            yield Finding(CODE, INFO, f"{NAME}：按{d.basis}推算“{name}”为 {d.formula} = {d.text}，但附表未单列"
                          f"其他支出，该值只是上限（实际比重可能更低），无法核验下限目标 {target}，请人工判断",
                          f"ind.{d.index}.judgement", target, f"{d.text}（上限）", related)
        elif d.upper_bound and d.judgement == MANUAL:
            yield Finding(CODE, SEVERITY,
                          f"{NAME}：按{d.basis}推算“{name}”为 {d.formula} = {d.text}，高于目标 {target}；"
                          "但附表未单列其他支出（差额中可能含调出等其他项目），该值只是上限，请核实",
                          f"ind.{d.index}.measured", target, f"{d.text}（上限）", related)
        elif d.judgement == MANUAL:
            yield Finding(CODE, INFO, f"{NAME}：“{name}”测算为 {d.text}，但指标值“{inds[d.index].target}”"
                          "无法自动比较，请人工判断", f"ind.{d.index}.judgement", target, d.text, related)
