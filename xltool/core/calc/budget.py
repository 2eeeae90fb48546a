"""Recomputation of the 附表 (F5): 合计 rows, 102/209, 收入总计/支出总计 and % columns.

Values are keyed like the cells: ``<kind>.<row key>.<0|1|pct>``; a % is kept as
a number of percent (104.22), the adapter writes it as a fraction with a
0.00% format.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xltool.core import funds
from xltool.core.arith import percent, sum_present
from xltool.core.model import BudgetWorkbook


def parts_of(kind: str, key: str) -> list[str]:
    """The rows a total row sums (the same rows the template's formula names)."""
    if kind == "balance":
        side = key.split(".")[0]
        specs = funds.BALANCE_INCOME_ROWS if side == "in" else funds.BALANCE_EXPENDITURE_ROWS
        if key.endswith(".total"):
            return [s.key for s in specs if s.code.startswith(("102", "209")) and len(s.code) == 5]
        keys = [s.key for s in specs]
        at = keys.index(key)
        return keys[at - 4:at]
    suffix = key.partition(".")[2]
    return [s.key for s in funds.row_specs(kind) if s.role != "total" and s.key.partition(".")[2] == suffix]


@dataclass
class BudgetCalc:
    cells: dict[str, Decimal | None] = field(default_factory=dict)       # computed cell → value
    rows: dict[str, dict[str, list[Decimal | None]]] = field(default_factory=dict)   # kind → row key → [v0, v1]

    def value(self, kind: str, key: str, j: int) -> Decimal | None:
        return self.rows.get(kind, {}).get(key, [None, None])[j]


def recompute_budget(book: BudgetWorkbook) -> BudgetCalc:
    calc = BudgetCalc()
    out = calc.cells
    for kind, table in book.tables.items():
        spec = funds.TABLE_BY_KIND[kind]
        values: dict[str, list[Decimal | None]] = {}
        for row in (*table.rows, *table.right_rows):
            values[row.key] = list(row.values) + [None] * (2 - len(row.values))
        for rs in funds.row_specs(kind):
            values.setdefault(rs.key, [None, None])
        for rs in funds.row_specs(kind):   # totals in spec order: 102 before 收入总计
            if rs.role == "total":
                parts = parts_of(kind, rs.key)
                values[rs.key] = [sum_present(values[p][j] for p in parts) for j in range(2)]
                for j in range(2):
                    out[f"{kind}.{rs.key}.{j}"] = values[rs.key][j]
        if spec.percent:
            for rs in funds.row_specs(kind):
                v = values[rs.key]
                out[f"{kind}.{rs.key}.pct"] = percent(v[1], v[0])
        calc.rows[kind] = values
    return calc
