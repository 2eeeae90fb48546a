"""XT152 定性得分超出等级区间 — a 定性 indicator scored outside the band of the grade it was given.

The 实际完成值 of a 定性 indicator is one of the grade phrases; each grade has a band of the
分值 (``ScoringConfig.qualitative``, DOMAIN.md "Scoring"): 达成年度指标 80%–100%,
部分达成年度指标并具有一定效果 60%–80% (80% excluded), 未达成年度指标且效果较差 0–60% (60% excluded).
A score typed within the band stands; one outside it is replaced by the grade's default share
(100% / 70% / 30%) and reported.

Bad:  分值 10, 实际完成值 “部分达成年度指标并具有一定效果”, 得分 9 (band 6 to under 8).
Good: 分值 20, 实际完成值 “达成年度指标”, 得分 18 (band 16–20).
"""
from xltool.core import model
from xltool.core.calc.score import grade_phrase, phrase_band
from xltool.core.calc.scoring import DEFAULT_CONFIG
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import ERROR, Finding, fmt

CODE, NAME, SEVERITY, FORMS = "XT152", "定性得分超出等级区间", ERROR, (model.PROJECT_SELF_EVALUATION,)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    config = ctx.facts.get("config", DEFAULT_CONFIG)
    for calc, ind in zip(calcs, ctx.instance.indicators):
        stated = ind.score
        if ind.weight is None or stated is None or ctx.computed.get(f"ind.{calc.index}.raw") is not None:
            continue
        phrase = grade_phrase(ind.actual, config)
        if not phrase:
            continue
        low, high, closed = phrase_band(phrase, config)
        lo, hi = (ind.weight * low).normalize(), (ind.weight * high).normalize()
        if lo <= stated and (stated < hi or (closed and stated <= hi)):
            continue
        band = f"{fmt(lo)}–{fmt(hi)} 分" + ("" if closed else f"（不含 {fmt(hi)}）")
        yield Finding(CODE, SEVERITY, f"{NAME}：“{label_of(ind)}”评为“{phrase}”，得分应在 {band}，实为 "
                      f"{fmt(stated)}；已按该等级默认 {fmt(config.qualitative[phrase] * 100)}% 计 "
                      f"{fmt(calc.score)} 分", f"ind.{calc.index}.score", band, fmt(stated),
                      [f"ind.{calc.index}.actual", f"ind.{calc.index}.weight"])
