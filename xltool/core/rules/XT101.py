"""XT101 合计与明细不符 — a stated total differs from the sum of its rows.

A 合计 row (and the 102 / 209 / 收入总计 / 支出总计 lines of the 平衡表) is the
sum of the rows it totals. When the workbook states a different figure, xltool
writes the recomputed sum and keeps the stated one in the note.

Bad:  表二 全地区社会保险基金收入合计 = 1158000 while the funds add up to 1158257.
Good: 表二 全地区社会保险基金收入合计 = 1158257.
A blank total is not a finding: it is simply filled (seed 004 leaves 102/209 blank).
"""
from xltool.core.arith import to_decimal, ArithmeticInputError
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT101", "合计与明细不符", ERROR, (BUDGET_TABLES,)


def check(ctx):
    from xltool.core.calc.budget import parts_of
    for key, value in ctx.computed.items():
        kind, _, rest = key.partition(".")
        if rest.endswith(".pct") or value is None:
            continue
        raw = ctx.stated.get(key)
        try:
            stated = to_decimal(raw)
        except ArithmeticInputError:
            stated = None
        if stated is None or stated == value:
            continue
        row_key, j = rest.rsplit(".", 1)
        related = [f"{kind}.{p}.{j}" for p in parts_of(kind, row_key)]
        yield Finding(CODE, SEVERITY, f"{NAME}：该行应为各明细行之和", key, fmt(value), fmt(raw), related)
