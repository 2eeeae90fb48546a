"""Next year's blank forms from this year's (``xltool rollover``), and the year-end
self-evaluation started from this year's target forms (``xltool self-evaluation``).

Pure: form instances in, form instances out.
"""
from __future__ import annotations

import copy
import re

from xltool.core import funds, model
from xltool.core.values import parse_value

MONEY_UNITS = ("元", "万元", "亿元")


def _advance(text: str, to_year: int, from_year: int | None = None) -> str:
    from_year = to_year - 1 if from_year is None else from_year
    return re.sub(rf"{from_year}(\s*)年", rf"{to_year}\1年", text or "")


def roll_budget(book: model.BudgetWorkbook, to_year: int) -> model.BudgetWorkbook:
    """This year's 预算数 → next year's 上年 column; 年末结余 → 上年结余收入; new inputs empty."""
    def col(kind, key, j):
        table = book.tables.get(kind)
        row = table.row(key) if table else None
        return row.values[j] if row and len(row.values) > j else None

    new = model.BudgetWorkbook(region=book.region, level=book.level, year=to_year)
    for spec in funds.TABLES:
        table = model.BudgetTable(spec.kind, number=book.tables[spec.kind].number if spec.kind in book.tables else "")
        for rs in funds.row_specs(spec.kind):
            if rs.role == "total":
                values = [None, None]
            elif spec.kind == "balance":
                values = [col("balance", rs.key, 1), None]
                if rs.key == "in.carry_over":
                    values[1] = col("balance", "out.year_end", 1)
            elif spec.kind.endswith("_exec"):   # 上年预算调整数 and (provisionally) 预计执行数 ← this year's budget
                budget = col(spec.kind.replace("_exec", "_plan"), rs.key, 1)
                values = [budget, budget]
            else:                               # 上年预计执行数 ← this year's budget
                values = [col(spec.kind, rs.key, 1), None]
            target = table.right_rows if rs.key.startswith("out.") else table.rows
            target.append(model.BudgetRow(rs.key, rs.label, rs.code, values))
        new.tables[spec.kind] = table
    return new


def _is_amount(text: str) -> bool:
    value = parse_value(text)
    quantity = value.quantity or value.low
    return bool(quantity and quantity.unit in MONEY_UNITS)


def refusal(year: int | None, to_year: int | None) -> str | None:
    """Why rolling a form of ``year`` over to ``to_year`` is refused (None: it is the next year)."""
    if year is None:
        return "无法确定本表的年度（标题或表头中应有年份），不能结转"
    if to_year is None or to_year == year + 1:
        return None
    if to_year <= year:
        return f"本表为 {year} 年，结转只能到下一年（{year + 1} 年），不能结转到 {to_year} 年"
    return (f"本表为 {year} 年，结转只能到下一年（{year + 1} 年）；结转到 {to_year} 年会把 {year} 年的预算数"
            f"当作 {to_year - 1} 年的执行数")


def norm_name(text: str) -> str:
    """A project name for matching a target form with its self-evaluation."""
    text = re.sub(r"\s+", "", text or "")
    return re.sub(r"(绩效)?(自评表|目标表)$", "", text)


def roll_targets(instance, to_year: int, actuals: dict[str, str] | None = None):
    """F1/F2/F4: structure and targets carry over, amounts are cleared; F4's 上年完成值 is
    this year's actual (``actuals``: 三级指标 → 实际完成值, from the matching self-evaluation);
    without one it is left blank (never the target, which is not what was achieved)."""
    new = copy.deepcopy(instance)
    new.year = to_year
    new.title = _advance(new.title, to_year, instance.year)
    for name in ("income_yi", "expenditure_yi", "total", "fund_amount", "other_amount", "fiscal", "other",
                 "budget", "executed"):
        if hasattr(new, name):
            setattr(new, name, None)
    for indicator in new.indicators:
        indicator.source_wan = None     # this year's 附表 figures (derive-targets) do not carry over
        if instance.form == model.PROJECT_TARGET:
            indicator.last_year = (actuals or {}).get(norm_name(indicator.level3), "")
        elif instance.form in (model.REGIONAL_TARGET, model.FUND_EXPENDITURE_TARGET) and _is_amount(indicator.target):
            indicator.target = ""
        if instance.form == model.SELF_EVALUATION:
            indicator.actual, indicator.deviation, indicator.score = "", "", None
    return new


def roll(instance, to_year: int, actuals: dict[str, str] | None = None):
    if instance.form == model.BUDGET_TABLES:
        return roll_budget(instance, to_year)
    return roll_targets(instance, to_year, actuals)


def start_self_evaluation(target) -> model.SelfEvaluation:
    """A 自评表 from a target form (F2/F4): details, budget and the indicator tree carried over."""
    evaluation = model.SelfEvaluation(year=target.year, project=target.project, department=target.unit,
                                      budget=target.total,
                                      fund_amount=getattr(target, "fund_amount", None) or getattr(target, "fiscal", None),
                                      other_amount=getattr(target, "other_amount", None) or getattr(target, "other", None),
                                      goal_expected=target.goal)
    for indicator in target.indicators:
        carried = copy.copy(indicator)
        carried.actual, carried.deviation, carried.score, carried.last_year = "", "", None, ""
        evaluation.indicators.append(carried)
    return evaluation
