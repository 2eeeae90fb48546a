"""XT110 比率异常 — a percentage above 150% deserves a second look (warning).

Execution and growth rates far from 100% are usually a wrong base figure or a
figure in the wrong column.
Bad:  表九 机关事业单位基本养老保险基金收入 646.05%; 表十一 9631.02%.
Good: 104.22%.
"""
from decimal import Decimal

from xltool.core.findings import WARNING, Finding, fmt
from xltool.core.model import BUDGET_TABLES

CODE, NAME, SEVERITY, FORMS = "XT110", "比率异常", WARNING, (BUDGET_TABLES,)
LIMIT = Decimal(150)


def check(ctx):
    for key, value in ctx.computed.items():
        if key.endswith(".pct") and value is not None and value > LIMIT:
            base = key[: -len(".pct")]
            yield Finding(CODE, SEVERITY, f"{NAME}：比率 {fmt(value)}% 超过 150%，请核实两列数据", key,
                          "≤ 150%", f"{fmt(value)}%", [f"{base}.0", f"{base}.1"])
