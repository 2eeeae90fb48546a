"""XT104 其中项之和大于合计 — the 其中 lines are a subset of their row: Σ 其中 ≤ total.

Bad:  表六 城乡居民基本医疗保险基金支出 2022: 待遇支出 313336 + 大病保险支出 56848
      = 370184 > 367065.
Good: 表二 城乡居民养老 116640 ≥ 33741 + 68718 + 3578.
"""
from decimal import Decimal

from xltool.core import funds
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT104", "其中项之和大于合计", ERROR, (BUDGET_TABLES,)


def check(ctx):
    calc = ctx.facts["budget"]
    for kind, rows in calc.rows.items():
        if kind == "balance":
            continue
        columns = funds.TABLE_BY_KIND[kind].columns_for(ctx.instance.year)
        for spec, children in _with_children(kind):
            for j in (0, 1):
                total = rows[spec.key][j]
                parts = [rows[c][j] for c in children if rows[c][j] is not None]
                if total is None or not parts or sum(parts, Decimal(0)) <= total:
                    continue
                addends = " + ".join(fmt(p) for p in parts)
                yield Finding(CODE, SEVERITY, f"{NAME}（{columns[j]}）：{addends} = {fmt(sum(parts))}，超过合计",
                              f"{kind}.{spec.key}.{j}", f"≥ {fmt(sum(parts))}", fmt(total),
                              [f"{kind}.{c}.{j}" for c in children])


_CHILDREN: dict[str, tuple] = {}


def _with_children(kind: str) -> list[tuple]:
    """(row spec, keys of its 其中 rows) for the rows of a table that have any, in table order (worked out
    once per table: the row specs are fixed)."""
    specs = funds.row_specs(kind)
    known = _CHILDREN.get(kind)
    if known is None or known[0] is not specs:
        pairs = [(spec, [s.key for s in specs if s.parent == spec.key]) for spec in specs]
        known = _CHILDREN[kind] = (specs, [(spec, children) for spec, children in pairs if children])
    return known[1]
