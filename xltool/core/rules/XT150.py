"""XT150 项目资金其中项与合计不符 — in a 项目支出绩效自评表 (财预〔2020〕10号), 年度资金总额 must equal
其中：本年财政拨款 + 上年结转资金 + 其他资金, column by column (年初预算数, 全年预算数, 全年执行数).

A 年度资金总额 left at 0 (or blank) while its 其中 rows are filled is an error too; xltool then
takes the sum of the 其中 rows as the total (never an execution rate from 0) and says so.

Bad:  年度资金总额 全年预算数 0, 其中：本年财政拨款 202.64 (the total row was never filled);
      年度资金总额 321.25, 本年财政拨款 300 + 上年结转资金 20 + 其他资金 0 = 320.
Good: 年度资金总额 202.64 = 202.64 + 0 + 0.
"""
from xltool.core import model
from xltool.core.calc.targets import target_facts
from xltool.core.findings import ERROR, Finding, fmt

CODE, NAME, SEVERITY, FORMS = "XT150", "项目资金其中项与合计不符", ERROR, (model.PROJECT_SELF_EVALUATION,)


def check(ctx):
    if target_facts(ctx) is None:
        return
    inst = ctx.instance
    total_line = inst.line("total")
    parts = [line for line in inst.funds if line.key != "total"]
    for col, col_label in model.FUND_COLUMNS:
        values = [getattr(line, col) for line in parts]
        present = [v for v in values if v is not None]
        if not present:
            continue
        total = getattr(total_line, col)
        parts_sum = sum(present)
        shown = " + ".join(fmt(v) if v is not None else "空白" for v in values)
        related = [f"funds.{line.key}.{col}" for line in parts]
        if (total is None or total == 0) and parts_sum != 0:
            yield Finding(CODE, SEVERITY, f"{NAME}：年度资金总额的{col_label}为{'空白' if total is None else ' 0'}，"
                          f"而其中各项为 {shown} = {fmt(parts_sum)}；执行率和得分已按其中各项合计 {fmt(parts_sum)} "
                          "计算，请补填年度资金总额", f"funds.total.{col}", fmt(parts_sum), fmt(total), related)
        elif total is not None and total != 0 and parts_sum != total:
            yield Finding(CODE, SEVERITY, f"{NAME}：年度资金总额的{col_label} {fmt(total)} ≠ 本年财政拨款 + 上年结转资金 "
                          f"+ 其他资金 = {shown} = {fmt(parts_sum)}", f"funds.total.{col}", fmt(parts_sum),
                          fmt(total), related)
