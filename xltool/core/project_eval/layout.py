"""Sheet plan of the F3' 项目支出绩效自评表 (财预〔2020〕10号 layout).

Eight printed columns A–H, the layout of the published form:

- 项目名称 / 主管部门 / 实施单位;
- 项目资金（万元）: rows 年度资金总额 / 其中：本年财政拨款 / 上年结转资金 / 其他资金, columns
  年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分 (分值 10 on 年度资金总额);
- 资金来源（全年预算数，万元）: the optional split of each row's 全年预算数 by level
  (中央 / 省级 / 市级 / 县级 / 其他) and its 合计;
- 年度总体目标: 预期目标 | 实际完成情况;
- the indicator table 一级 / 二级 / 三级指标 / 年度指标值 / 实际完成值 / 分值 / 得分 /
  偏差原因分析及改进措施;
- 总分 (分值合计, 总分) and 评价等级.

Computed cells carry live formulas (``formulas``). Indicator scores need the parsed
parts of each 年度指标值; they sit in hidden helper columns J–T (see ``HELPERS``), filled
by xltool when the form is made and on every recompute.

Field keys: header fields by name (``project``, ``department``, ``implementer``,
``goal_expected``, ``goal_actual``, ``execution_weight``); ``funds.<line>.<initial|budget|
executed>``, ``funds.<line>.rate``, ``funds.total.score``, ``funds.total.eff.<column>``;
``sources.<line>.<source>``, ``sources.<line>.sum``; ``ind.<i>.<column>``; ``weight_sum``,
``total_score``, ``grade``.
"""
from __future__ import annotations

from xltool.core import model
from xltool.core.cellref import col_letter
from xltool.core.layout import SheetPlan
from xltool.core.project_eval import formulas

SHEET_NAME = "项目绩效自评表"
TITLE = "项目支出绩效自评表"
NCOLS = 8
BLANK_INDICATOR_ROWS = 14

# Indicator table: printed columns.
INDICATOR_COLUMNS = (("level1", "一级指标", 17), ("level2", "二级指标", 19), ("level3", "三级指标", 24),
                     ("target", "年度指标值", 15), ("actual", "实际完成值", 15), ("weight", "分值", 8),
                     ("score", "得分", 8), ("deviation", "偏差原因分析及改进措施", 28))
# Helper columns (hidden): key, header, role. "input" helpers keep what was carried over from a
# target table (指标方向, 赋分规则); the others are xltool's parse of the row, refreshed on recompute.
HELPERS = (("kind", "_判分方式", "computed"), ("low", "_目标值", "computed"), ("high", "_上限", "computed"),
           ("pct", "_百分比", "computed"), ("parsed_text", "_已解析文本", "computed"),
           ("parsed_amount", "_解析数值", "computed"), ("amount", "_实际数值", "computed"),
           ("raw", "_比例得分", "computed"), ("judged", "_定性得分", "computed"),
           ("direction", "指标方向", "input"), ("scoring_rule", "赋分规则", "input"),
           ("points", "_分值（分）", "computed"))
HELPER_FIRST = NCOLS + 2    # column J (I is left empty as a gap)
HELPER_COL = {key: HELPER_FIRST + n for n, (key, _, _) in enumerate(HELPERS)}
assert col_letter(HELPER_COL["points"]) == formulas.POINTS
PRINTED = {key: n for n, (key, _, _) in enumerate(INDICATOR_COLUMNS, start=1)}

FUND_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
FUND_ROW0 = 7          # 年度资金总额
SOURCE_ROW0 = 12       # sources of 年度资金总额
GOAL_ROW = 16
HEADER_ROW = 18


def _display(value):
    return "" if value is None else value


def plan(instance: model.ProjectSelfEvaluation) -> SheetPlan:
    sheet = SheetPlan(SHEET_NAME, model.PROJECT_SELF_EVALUATION)
    put = sheet.put
    put(1, 1, instance.title or TITLE, "title", "title", span=NCOLS)
    put(2, 1, f"（{instance.year if instance.year else '    '}年度）", "subtitle", "year", span=NCOLS)
    put(3, 1, "单位：万元", "unit", span=NCOLS)
    put(4, 1, "项目名称", "label", span=2)
    put(4, 3, instance.project, "input", "project", span=6)
    put(5, 1, "主管部门", "label", span=2)
    put(5, 3, instance.department, "input", "department", span=2)
    put(5, 5, "实施单位", "label")
    put(5, 6, instance.implementer, "input", "implementer", span=3)
    _funds(sheet, instance)
    _sources(sheet, instance)
    put(GOAL_ROW, 1, "年度总体目标", "label", down=2)
    put(GOAL_ROW, 2, "预期目标", "header", span=3)
    put(GOAL_ROW, 5, "实际完成情况", "header", span=4)
    put(GOAL_ROW + 1, 2, instance.goal_expected, "input", "goal_expected", span=3)
    put(GOAL_ROW + 1, 5, instance.goal_actual, "input", "goal_actual", span=4)
    last = _indicators(sheet, instance)
    _footer(sheet, last, instance)
    sheet.widths.update({n: width for n, (_, _, width) in enumerate(INDICATOR_COLUMNS, start=1)})
    sheet.widths.update({1: 17, 2: 19})
    sheet.heights.update({GOAL_ROW + 1: 48})
    sheet.widths[NCOLS + 1] = 2
    for col in HELPER_COL.values():
        sheet.widths[col] = 10
    sheet.hidden_cols.update(range(NCOLS + 1, HELPER_FIRST + len(HELPERS)))
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return sheet


def fund_row(key: str) -> int:
    return FUND_ROW0 + [k for k, _ in model.FUND_LINES].index(key)


def source_row(key: str) -> int:
    return SOURCE_ROW0 + [k for k, _ in model.FUND_LINES].index(key)


def _funds(sheet: SheetPlan, instance) -> None:
    put = sheet.put
    top = FUND_ROW0 - 1
    put(top, 1, "项目资金（万元）", "label", down=len(model.FUND_LINES) + 1)
    put(top, 2, "", "header")
    for c, label in enumerate(FUND_HEADERS, start=3):
        put(top, c, label, "header")
    for line in instance.funds:
        r = fund_row(line.key)
        put(r, 2, line.label or dict(model.FUND_LINES)[line.key], "label")
        for c, (col, _) in enumerate(model.FUND_COLUMNS, start=3):
            put(r, c, _display(getattr(line, col)), "input", f"funds.{line.key}.{col}", number_format="#,##0.00##")
        put(r, 7, None, "computed", f"funds.{line.key}.rate", formula=formulas.line_rate(r), number_format="0.00%")
        if line.key == "total":
            put(r, 6, _display(instance.execution_weight), "input", "execution_weight", number_format="0.##")
            put(r, 8, None, "computed", "funds.total.score", formula=formulas.execution_score(r),
                number_format="0.00")
            for n, (col, _) in enumerate(model.FUND_COLUMNS):
                put(r, HELPER_FIRST + n, None, "computed", f"funds.total.eff.{col}",
                    formula=formulas.effective_total(r, 3 + n), number_format="0.00##")
        else:
            put(r, 6, "—", "label")
            put(r, 8, "—", "label")


def _sources(sheet: SheetPlan, instance) -> None:
    put = sheet.put
    top = SOURCE_ROW0 - 1
    put(top, 1, "资金来源（全年预算数，万元）", "label", down=len(model.FUND_LINES) + 1)
    put(top, 2, "", "header")
    for c, (key, label) in enumerate(model.SOURCES, start=3):
        put(top, c, instance.source_labels.get(key) or label, "header")
    put(top, 8, "合计", "header")
    for line in instance.funds:
        r = source_row(line.key)
        put(r, 2, line.label or dict(model.FUND_LINES)[line.key], "label")
        for c, (key, _) in enumerate(model.SOURCES, start=3):
            put(r, c, _display(line.sources.get(key)), "input", f"sources.{line.key}.{key}",
                number_format="#,##0.00##")
        put(r, 8, None, "computed", f"sources.{line.key}.sum", formula=formulas.source_sum(r),
            number_format="#,##0.00##")


def _indicators(sheet: SheetPlan, instance) -> int:
    put = sheet.put
    for c, (_, label, _) in enumerate(INDICATOR_COLUMNS, start=1):
        put(HEADER_ROW, c, label, "header")
    for key, label, _ in HELPERS:
        put(HEADER_ROW, HELPER_COL[key], label, "header")
    indicators = list(instance.indicators) or [model.Indicator()] * BLANK_INDICATOR_ROWS
    parsed = _helper_values(instance)
    first = HEADER_ROW + 1
    above = ("", "")
    for i, ind in enumerate(indicators):
        r = first + i
        shown = {"level1": ind.level1 if ind.level1 != above[0] else "",
                 "level2": ind.level2 if (ind.level1, ind.level2) != above else ""}
        above = (ind.level1, ind.level2)
        for c, (key, _, _) in enumerate(INDICATOR_COLUMNS, start=1):
            if key in shown:   # 一级/二级 printed where they change, as in the published form
                put(r, c, shown[key], "input", f"ind.{i}.{key}")
            elif key == "score":   # a stated 得分 (import) is kept as the formula's cached value
                put(r, c, ind.score, "computed", f"ind.{i}.score", formula=formulas.indicator_score(r),
                    number_format="0.00")
            else:
                fmt = "0.##" if key == "weight" else ""
                put(r, c, _display(getattr(ind, key)), "input", f"ind.{i}.{key}", number_format=fmt)
        for key, _, role in HELPERS:
            c = HELPER_COL[key]
            if role == "input":
                put(r, c, getattr(ind, key), "input", f"ind.{i}.{key}")
            else:
                put(r, c, parsed.get(f"ind.{i}.{key}"), "computed", f"ind.{i}.{key}", formula=formulas.helper(key, r))
    return first + len(indicators) - 1


def _helper_values(instance) -> dict:
    """xltool's parse of each indicator row (the helper columns), computed as on a recompute."""
    from types import SimpleNamespace

    from xltool.core.calc.scoring import DEFAULT_CONFIG
    from xltool.core.project_eval.calc import compute

    computed, _ = compute(SimpleNamespace(instance=instance), DEFAULT_CONFIG)
    return {k: v for k, v in computed.items() if k.rsplit(".", 1)[-1] in HELPER_KEYS}


HELPER_KEYS = {key for key, _, role in HELPERS if role == "computed"} - {"amount", "raw", "points"}


def _footer(sheet: SheetPlan, last: int, instance) -> None:
    put = sheet.put
    first = HEADER_ROW + 1
    r = last + 1
    put(r, 1, "总分", "label", span=5)
    put(r, 6, None, "computed", "weight_sum", formula=formulas.weight_sum(FUND_ROW0, first, last),
        number_format="0.##")
    put(r, 7, instance.stated_total, "computed", "total_score",
        formula=formulas.total_score(FUND_ROW0, first, last), number_format="0.00")
    put(r, 8, "", "label")
    put(r + 1, 1, "评价等级", "label", span=5)
    put(r + 1, 6, instance.stated_grade or None, "computed", "grade", formula=formulas.grade(f"G{r}"), span=3)


def plan_workbook(instance):
    from xltool.core.layout import FORMAT_VERSION, WorkbookPlan

    meta = {"form": model.PROJECT_SELF_EVALUATION, "version": FORMAT_VERSION, "year": str(instance.year or "")}
    return WorkbookPlan(model.PROJECT_SELF_EVALUATION, [plan(instance)], meta)


def letter(key: str) -> str:
    return col_letter(PRINTED[key]) if key in PRINTED else col_letter(HELPER_COL[key])


_HEADER_ITEMS = {"project": "项目名称", "department": "主管部门", "implementer": "实施单位",
                 "goal_expected": "预期目标", "goal_actual": "实际完成情况", "execution_weight": "预算执行率分值",
                 "weight_sum": "分值合计", "total_score": "总分", "grade": "评价等级"}
_FUND_COLUMN_LABELS = {**dict(model.FUND_COLUMNS), "rate": "执行率", "score": "得分"}
COMPUTED_HEADERS = {"weight_sum", "total_score", "grade"}


def describe(key: str, instance) -> tuple[str, str, str, bool] | None:
    """(table, item, column, computed) of a field key for the long table; None for helper cells."""
    parts = key.split(".")
    lines = dict(model.FUND_LINES)
    if parts[0] == "funds" and parts[2] != "eff":
        line = instance.line(parts[1])
        return "项目资金", line.label or lines[parts[1]], _FUND_COLUMN_LABELS[parts[2]], parts[2] in ("rate", "score")
    if parts[0] == "sources":
        line = instance.line(parts[1])
        column = "合计" if parts[2] == "sum" else (instance.source_labels.get(parts[2]) or dict(model.SOURCES)[parts[2]])
        return "资金来源", line.label or lines[parts[1]], column, parts[2] == "sum"
    if parts[0] == "ind":
        labels = {k: label for k, label, _ in INDICATOR_COLUMNS}
        if parts[2] not in labels:
            return None
        return "绩效指标", instance.indicators[int(parts[1])].level3, labels[parts[2]], parts[2] == "score"
    if key in _HEADER_ITEMS:
        return "表头", _HEADER_ITEMS[key], "", key in COMPUTED_HEADERS
    return None
