"""XT109 漏填 — a required field is empty in a form that has been partly filled in.

Required: 项目支出绩效目标表 预算单位 / 项目名称 / 年度预算总额; 支出绩效目标表 预算单位 /
项目名称 / 年度资金总额; 自评表 项目名称 / 预算数 / 执行数; 区域绩效目标表 险种名称 /
收入预算金额 / 支出预算金额. Every indicator with a 三级指标 name needs a 指标值, and in a
自评表 every indicator with a 指标值 needs a 实际完成值. A wholly blank form is XT100's, not
reported here. (A blank 预算数 beside a 执行数 is XT115's.)

Bad:  自评表 with 项目名称 and indicators but no 执行数; an indicator 参保缴费人数 with
      指标值 32.85万人 and no 实际完成值.
Good: every required field filled.
"""
from xltool.core import layout
from xltool.core.calc.targets import label_of, target_facts
from xltool.core.findings import ERROR, INFO, Finding
from xltool.core.model import FUND_EXPENDITURE_TARGET, PROJECT_TARGET, REGIONAL_TARGET, SELF_EVALUATION

CODE, NAME, SEVERITY = "XT109", "漏填", ERROR
FORMS = (REGIONAL_TARGET, FUND_EXPENDITURE_TARGET, SELF_EVALUATION, PROJECT_TARGET)
REQUIRED = {
    PROJECT_TARGET: ("unit", "project", "total"),
    FUND_EXPENDITURE_TARGET: ("unit", "project", "total"),
    SELF_EVALUATION: ("project", "budget", "executed"),
    REGIONAL_TARGET: ("fund", "income_yi", "expenditure_yi"),
}


def _labels(form: str) -> dict[str, str]:
    return {key: label.replace("其中：{fund_label}", "其中") for pairs in layout.HEADERS[form] for label, key in pairs}


def awaiting_input(inst) -> bool:
    """A form carried over (rollover) or just started (self-evaluation) whose figures for the
    year have not been typed yet: no amounts and, on a 自评表, no 执行数 and no actual."""
    carried = any(ind.target.strip() for ind in inst.indicators) and all(
        getattr(inst, key) not in (None, "") for key in REQUIRED[inst.form] if key in ("unit", "project", "fund"))
    if not carried:
        return False
    if inst.form == SELF_EVALUATION:
        return inst.executed is None and not any(ind.actual.strip() for ind in inst.indicators)
    if inst.form == REGIONAL_TARGET:
        return inst.income_yi is None and inst.expenditure_yi is None
    amounts = ("total", "fund_amount", "other_amount") if inst.form == FUND_EXPENDITURE_TARGET else ("total", "fiscal", "other")
    return all(getattr(inst, name) is None for name in amounts)


def check(ctx):
    if target_facts(ctx) is None:
        return
    inst = ctx.instance
    if awaiting_input(inst):
        yield Finding(CODE, INFO, "待填写：本表的本年金额或实际完成值尚未填写（新年度或新建的表单），填写后再次校验",
                      "total" if inst.form != SELF_EVALUATION else "executed", "", "")
        return
    labels = _labels(inst.form)
    for key in REQUIRED[inst.form]:
        if getattr(inst, key) not in (None, ""):
            continue
        if key == "budget" and inst.executed is not None:
            continue        # XT115 预算数为零
        yield Finding(CODE, SEVERITY, f"{NAME}：未填写“{labels.get(key, key)}”", key, "必填", "空白")
    evaluation = inst.form == SELF_EVALUATION
    for i, ind in enumerate(inst.indicators):
        if ind.level3.strip() and not ind.target.strip():
            yield Finding(CODE, SEVERITY, f"{NAME}：指标“{label_of(ind)}”未填写指标值", f"ind.{i}.target",
                          "必填", "空白", [f"ind.{i}.level3"])
        elif evaluation and ind.target.strip() and not ind.actual.strip():
            yield Finding(CODE, SEVERITY, f"{NAME}：指标“{label_of(ind)}”未填写实际完成值", f"ind.{i}.actual",
                          "必填", "空白", [f"ind.{i}.target"])
