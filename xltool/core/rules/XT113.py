"""XT113 偏差原因未填写 — an indicator scored below its full 分值 needs a 偏差原因分析及改进措施.

In a 自评表 with 分值, every indicator whose 得分 is below its 分值 must explain the shortfall
(warning). Independently, an actual at or above 130% of its target (completion rate ≥ 130%,
``ScoringConfig.overshoot_note``) without an explanation gets a note: the target may have
been set too low (information).

Bad:  参保缴费人数 分值 10, 得分 9.95, 偏差原因 empty;
      保障享受失业待遇人数 指标值 110人, 实际 214人 (194.55%), 偏差原因 empty (note).
Good: 偏差原因分析及改进措施 "年末部分企业停保，参保人数略低于预期，下年加强扩面".
"""
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import INFO, WARNING, Finding, fmt
from xltool.core.model import PROJECT_SELF_EVALUATION, SELF_EVALUATION
from xltool.core.calc.scoring import DEFAULT_CONFIG

CODE, NAME, SEVERITY, FORMS = "XT113", "偏差原因未填写", WARNING, (SELF_EVALUATION, PROJECT_SELF_EVALUATION)


def check(ctx):
    calcs = target_facts(ctx)
    if calcs is None:
        return
    config = ctx.facts.get("config", DEFAULT_CONFIG)
    for calc, ind in zip(calcs, ctx.instance.indicators):
        if ind.deviation.strip():
            continue
        key = f"ind.{calc.index}.deviation"
        if ind.weight is not None and calc.score is not None and calc.score < ind.weight:
            yield Finding(CODE, SEVERITY, f"{NAME}：“{label_of(ind)}”得分 {fmt(calc.score)} 低于分值 "
                          f"{fmt(ind.weight)}，请填写偏差原因分析及改进措施", key, "偏差原因分析及改进措施", "空白",
                          [f"ind.{calc.index}.score", f"ind.{calc.index}.actual"])
        elif calc.rate is not None and calc.rate >= config.overshoot_note:
            yield Finding(CODE, INFO, f"{NAME}：“{label_of(ind)}”实际完成值为目标的 {calc.rate}%"
                          f"（≥{fmt(config.overshoot_note)}%），建议说明原因（目标是否设定偏低）", key,
                          f"< {fmt(config.overshoot_note)}%", f"{calc.rate}%",
                          [f"ind.{calc.index}.actual", f"ind.{calc.index}.target"])
