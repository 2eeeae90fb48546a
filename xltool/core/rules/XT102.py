"""XT102 百分比计算有误 — a stated percentage differs from 分子/分母 (half-up, 2 decimals).

Bad:  表二 104.23% for 1207152 / 1158257 (= 104.2211…%).
Good: 104.22%. A blank numerator over a non-blank denominator is 0.00%;
blank over blank stays blank.
"""
from xltool.core import funds
from xltool.core.findings import ERROR, Finding, fmt
from xltool.core.model import BUDGET_TABLES
from xltool.core.budget_read import stated_percent

CODE, NAME, SEVERITY, FORMS = "XT102", "百分比计算有误", ERROR, (BUDGET_TABLES,)


def check(ctx):
    for key, value in ctx.computed.items():
        if not key.endswith(".pct"):
            continue
        stated = stated_percent(ctx.stated.get(key))
        if stated is None or value is None or stated == value:
            continue
        base = key[: -len(".pct")]
        kind = base.split(".")[0]
        first, second = funds.TABLE_BY_KIND[kind].columns_for(ctx.instance.year or 2000)[:2]
        yield Finding(CODE, SEVERITY, f"{NAME}：应为“{second}”÷“{first}”，四舍五入保留两位小数", key,
                      f"{fmt(value)}%", f"{fmt(stated)}%", [f"{base}.0", f"{base}.1"])
