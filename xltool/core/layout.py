"""Form layouts: how each form family is laid out on a sheet.

A layout turns a form instance (or a blank one, for templates) into a
``SheetPlan``: plain data saying which cell holds which label or value, which
cells are input and which computed (with their Excel formula where there is
one), merges, widths, drop-downs and print setup. Adapters render plans
(``xltool.io.xlsx`` with openpyxl); the reader (``xltool.core.reader``) finds the
same labels again. Nothing here imports a spreadsheet library.

Every value cell carries a *field key* that names what it holds:
``fund``/``total``/… for header fields, ``ind.<i>.<column>`` for indicator
cells and ``<table kind>.<row key>.<0|1|pct>`` for 附表 amounts.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from xltool.core import funds, model
from xltool.core.cellref import col_letter
from xltool.core.formulas import F4_HELPER_LABELS, HELPER_LABELS
from xltool.core.regional_formulas import HELPER_LABELS as F1_HELPER_LABELS

FORMAT_VERSION = "1"
META_SHEET = "_xltool"

LEVEL1_CHOICES = ("决策指标", "过程指标", "产出指标", "成本指标", "效益指标", "满意度指标")
SCORING_RULES = ("按照正常比例赋分", "直接赋分", "按评判等级赋分", "满意度赋分")
# 定性 grades offered in the 实际完成值 drop-down (a number or any text may still be typed).
GRADE_CHOICES = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")


@dataclass
class CellPlan:
    row: int
    col: int
    value: object = None
    style: str = "text"       # title, subtitle, unit, header, label, input, computed
    field: str = ""           # field key ("" for labels)
    formula: str = ""         # Excel formula (with "=") for computed cells that have one
    number_format: str = ""

    @property
    def role(self) -> str:
        if self.style == "input":
            return "input"
        if self.style == "computed":
            return "computed"
        return "label"


@dataclass
class SheetPlan:
    name: str
    form: str
    cells: list[CellPlan] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    validations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)   # (A1 range, choices)
    hidden_cols: set[int] = field(default_factory=set)   # helper columns the formulas use
    free_lists: set[str] = field(default_factory=set)    # validation ranges offering choices, any value allowed
    print_title_rows: str = ""
    landscape: bool = True
    heights: dict[int, float] = field(default_factory=dict)  # row → height (points) for long text

    def put(self, row, col, value=None, style="text", field="", formula="", number_format="", span=1, down=1):
        self.cells.append(CellPlan(row, col, value, style, field, formula, number_format))
        if span > 1 or down > 1:
            self.merges.append((row, col, row + down - 1, col + span - 1))

    def by_field(self) -> dict[str, CellPlan]:
        return {c.field: c for c in self.cells if c.field}


@dataclass
class WorkbookPlan:
    form: str
    sheets: list[SheetPlan]
    meta: dict[str, str] = field(default_factory=dict)


# --- indicator tables -----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str                  # attribute of model.Indicator, or a computed key
    label: str
    width: float = 12
    computed: bool = False
    choices: tuple[str, ...] = ()
    hidden: bool = False      # a helper column of the formulas (core.formulas)


LEVEL_COLUMNS = (Column("level1", "一级指标", 10, choices=LEVEL1_CHOICES), Column("level2", "二级指标", 12),
                 Column("level3", "三级指标", 26))
DIRECTION = Column("direction", "指标方向", 8, choices=model.DIRECTIONS)

INDICATOR_COLUMNS: dict[str, tuple[Column, ...]] = {
    model.REGIONAL_TARGET: (*LEVEL_COLUMNS, Column("target", "指标值", 30), DIRECTION,
                            Column("measured", "测算值", 12, computed=True),
                            Column("judgement", "是否达标", 10, computed=True),
                            *(Column(key, label, 4, computed=True, hidden=True)
                              for key, label in F1_HELPER_LABELS.items())),
    model.FUND_EXPENDITURE_TARGET: (*LEVEL_COLUMNS, Column("target", "指标值（包含数字及文字描述）", 32), DIRECTION),
    model.SELF_EVALUATION: (*LEVEL_COLUMNS, Column("target", "年度指标值", 18), DIRECTION,
                            Column("actual", "实际完成值", 26, choices=GRADE_CHOICES), Column("weight", "分值", 7),
                            Column("scoring_rule", "赋分规则", 12, choices=SCORING_RULES),
                            Column("score", "得分", 7, computed=True),
                            Column("rate", "完成率", 9, computed=True),
                            Column("judgement", "是否达标", 10, computed=True),
                            Column("deviation", "偏差原因分析及改进措施", 26),
                            *(Column(key, label, 4, computed=True, hidden=True)
                              for key, label in HELPER_LABELS.items())),
    model.PROJECT_TARGET: (*LEVEL_COLUMNS, Column("target", "指标值", 16), DIRECTION,
                           Column("basis", "指标值设置依据", 12), Column("last_year", "上年完成值", 11),
                           Column("weight", "指标分值权重", 8),
                           Column("scoring_rule", "指标赋分规则", 16, choices=SCORING_RULES),
                           Column("evidence", "佐证资料", 10),
                           *(Column(key, label, 4, computed=True, hidden=True)
                             for key, label in F4_HELPER_LABELS.items())),
}
BLANK_INDICATOR_ROWS = {model.REGIONAL_TARGET: 22, model.FUND_EXPENDITURE_TARGET: 16,
                        model.SELF_EVALUATION: 16, model.PROJECT_TARGET: 10}

# Header blocks: rows of (label, field key). "{fund_label}" is filled from the instance.
HEADERS: dict[str, tuple[tuple[tuple[str, str], ...], ...]] = {
    model.REGIONAL_TARGET: (
        (("险种名称", "fund"),),
        (("中央主管部门及相关部门", "central_dept"),),
        (("省级财政部门", "provincial_finance"), ("省级主管部门及相关部门", "provincial_dept")),
        (("地区财政部门", "local_finance"), ("地区主管部门及相关部门", "local_dept")),
        (("收入预算金额(亿元)", "income_yi"), ("支出预算金额(亿元)", "expenditure_yi")),
        (("整体目标", "overall_goal"),),
        (("总体目标", "long_term_goal"), ("年度目标", "annual_goal")),
    ),
    model.FUND_EXPENDITURE_TARGET: (
        (("预算单位", "unit"), ("项目名称", "project")),
        (("年度资金总额", "total"),),
        (("其中：{fund_label}", "fund_amount"), ("其他资金", "other_amount")),
        (("项目总体目标", "goal"),),
    ),
    model.SELF_EVALUATION: (
        (("项目名称", "project"),),
        (("社会保险基金预算支出部门", "department"),),
        (("预算数", "budget"), ("执行数", "executed"), ("执行率", "execution_rate")),
        (("其中：社会保险基金", "fund_amount"), ("其他资金", "other_amount")),
        (("预算执行率分值", "execution_weight"), ("预算执行率得分", "execution_score")),
        (("预期目标", "goal_expected"), ("实际完成目标", "goal_actual")),
    ),
    model.PROJECT_TARGET: (
        (("预算单位", "unit"),),
        (("项目名称", "project"), ("项目负责人", "manager")),
        (("年度预算总额", "total"), ("其中：财政拨款", "fiscal"), ("其他资金", "other")),
        (("项目总体目标", "goal"),),
    ),
}
FOOTERS: dict[str, tuple[tuple[str, str], ...]] = {
    model.SELF_EVALUATION: (("总分", "total_score"), ("等级", "grade")),
    model.PROJECT_TARGET: (("权重合计", "weight_sum"),),
}
# Header fields xltool computes (never typed by the clerk).
COMPUTED_FIELDS = {"execution_rate", "execution_score", "total_score", "grade", "weight_sum"}
MONEY_FIELDS = {"total", "fund_amount", "other_amount", "budget", "executed", "fiscal", "other"}
TEXT_FIELDS_WIDE = {"overall_goal", "long_term_goal", "annual_goal", "goal", "goal_expected", "goal_actual"}

TITLES = {
    model.REGIONAL_TARGET: ("社会保险基金预算区域绩效目标表", "（{year}年度）"),
    model.FUND_EXPENDITURE_TARGET: ("社会保险基金支出绩效目标表", "（{year}年度）"),
    model.SELF_EVALUATION: ("社会保险支出绩效自评表", "（{year}年度）"),
    model.PROJECT_TARGET: ("项目支出绩效目标表", "（{year}年）"),
}
SHEET_NAMES = {model.REGIONAL_TARGET: "区域绩效目标表", model.FUND_EXPENDITURE_TARGET: "支出绩效目标表",
               model.SELF_EVALUATION: "绩效自评表", model.PROJECT_TARGET: "项目绩效目标表",
               model.PROJECT_SELF_EVALUATION: "项目绩效自评表"}
UNIT_NOTE = {model.FUND_EXPENDITURE_TARGET: "单位：万元", model.SELF_EVALUATION: "单位：万元",
             model.PROJECT_TARGET: "单位：万元"}

INDICATOR_HEADER = "绩效指标"


def header_label(label: str, instance) -> str:
    return label.format(fund_label=getattr(instance, "fund_label", "") or "社保基金")


def _display(value):
    return "" if value is None else value


def plan_target_form(instance) -> SheetPlan:
    """Lay out an F1–F4 instance (indicators may be empty: a blank template)."""
    form = instance.form
    columns = INDICATOR_COLUMNS[form]
    ncols = len([c for c in columns if not c.hidden])
    plan = SheetPlan(SHEET_NAMES[form], form)
    title, subtitle = TITLES[form]
    plan.put(1, 1, instance.title or title, "title", "title", span=ncols)
    plan.put(2, 1, subtitle.format(year=instance.year if instance.year else "    "), "subtitle", "year", span=ncols)
    row = 3
    if form in UNIT_NOTE:
        plan.put(row, 1, UNIT_NOTE[form], "unit", span=ncols)
        row += 1
    for pairs in HEADERS[form]:
        share = ncols // len(pairs)
        col = 1
        for n, (label, key) in enumerate(pairs):
            span = share if n < len(pairs) - 1 else ncols - col + 1
            plan.put(row, col, header_label(label, instance), "label")
            value = getattr(instance, key, None) if key not in COMPUTED_FIELDS else None
            style = "computed" if key in COMPUTED_FIELDS else "input"
            fmt = "0.00" if key.endswith("_yi") else ("#,##0.####" if key in MONEY_FIELDS else "")
            plan.put(row, col + 1, _display(value), style, key, number_format=fmt, span=span - 1)
            col += span
        row += 1
    plan.put(row, 1, INDICATOR_HEADER, "header", span=ncols)
    row += 1
    header_row = row
    for c, column in enumerate(columns, start=1):
        plan.put(row, c, column.label, "header")
        plan.widths[c] = column.width
        if column.hidden:
            plan.hidden_cols.add(c)
    plan.print_title_rows = f"{header_row}:{header_row}"
    indicators = list(instance.indicators) or [model.Indicator()] * BLANK_INDICATOR_ROWS[form]
    for i, indicator in enumerate(indicators):
        row += 1
        for c, column in enumerate(columns, start=1):
            key = f"ind.{i}.{column.key}"
            if column.computed:
                plan.put(row, c, None, "computed", key, number_format="0.00" if column.key in ("score", "rate") else "")
            else:
                value = getattr(indicator, column.key)
                plan.put(row, c, _display(value), "input", key)
    first, last = header_row + 1, row
    for c, column in enumerate(columns, start=1):
        if column.choices:
            plan.validations.append((f"{col_letter(c)}{first}:{col_letter(c)}{last}", column.choices))
            if column.key == "actual":
                plan.free_lists.add(plan.validations[-1][0])
    for label, key in FOOTERS.get(form, ()):
        row += 1
        plan.put(row, 1, label, "label", span=3)
        plan.put(row, 4, None, "computed", key, formula=_footer_formula(form, key, columns, first, last),
                 number_format="0.00" if key != "grade" else "", span=ncols - 3)
    if form == model.SELF_EVALUATION:
        from xltool.core.formulas import apply_self_evaluation

        apply_self_evaluation(plan, instance)
    elif form == model.REGIONAL_TARGET:
        from xltool.core.regional_formulas import apply_regional

        apply_regional(plan, instance)
    elif form == model.PROJECT_TARGET:
        from xltool.core.formulas import apply_project_target

        apply_project_target(plan)
    return plan


def _footer_formula(form, key, columns, first, last) -> str:
    if key == "weight_sum":   # adds each weight in points (core.formulas.apply_project_target: 20% → 20)
        keys = [col.key for col in columns]
        c = col_letter(1 + keys.index("h_w" if "h_w" in keys else "weight"))
        return f'=IF(COUNT({c}{first}:{c}{last})=0,"",SUM({c}{first}:{c}{last}))'
    return ""


def plan_budget_workbook(book: model.BudgetWorkbook) -> list[SheetPlan]:
    """Lay out the seven 附表 of one unit and level, one sheet each."""
    level = 1 if book.level == "本级" else 0
    region = book.region + ("本级" if level else "")
    year = book.year   # None: a blank template, the year left for the clerk to fill in
    return [plan_budget_table(spec, book.tables.get(spec.kind), region, year,
                              (book.tables[spec.kind].number if spec.kind in book.tables and
                               book.tables[spec.kind].number else spec.numbers[level]))
            for spec in funds.TABLES]


def plan_budget_table(spec: funds.TableSpec, table: model.BudgetTable | None, region: str, year: int | None,
                      number: str) -> SheetPlan:
    plan = SheetPlan(spec.sheet, model.BUDGET_TABLES)
    columns = (table.columns if table and len(table.columns) == len(spec.columns) else spec.columns_for(year))
    stated = {row.key: row for row in (table.rows + table.right_rows)} if table else {}
    if spec.kind == "balance":
        return _plan_balance(plan, spec, table, stated, region, year, number, columns)
    ncols = 2 + len(columns) + (1 if spec.percent else 0)
    plan.put(1, 1, f"{number}：{table.title if table and table.title else spec.title_for(region, year)}",
             "title", "title", span=ncols)
    plan.put(2, 1, "单位：万元", "unit", span=ncols)
    headers = ("项目", *columns, *([spec.percent] if spec.percent else ()))
    plan.put(3, 1, headers[0], "header", span=2)
    for c, label in enumerate(headers[1:], start=3):
        plan.put(3, c, label, "header")
    plan.widths.update({1: 4, 2: 40, **{c: 16 for c in range(3, ncols + 1)}})
    plan.print_title_rows = "3:3"
    specs = funds.row_specs(spec.kind)
    rows_of = {s.key: 4 + n for n, s in enumerate(specs)}
    for n, rs in enumerate(specs):
        r = 4 + n
        row = stated.get(rs.key)
        plan.put(r, 1, "", "label")
        plan.put(r, 2, row.label if row else _level_label(rs.label, number), "label", f"{spec.kind}.{rs.key}.label")
        for j in range(len(columns)):
            c = 3 + j
            value = row.values[j] if row and j < len(row.values) else None
            if rs.role == "total":   # the stated figure is kept as the formula's cached value
                plan.put(r, c, value, "computed", f"{spec.kind}.{rs.key}.{j}",
                         _sum_formula(spec.kind, rs.key, specs, rows_of, col_letter(c)), "#,##0")
            else:
                plan.put(r, c, _display(value), "input", f"{spec.kind}.{rs.key}.{j}", number_format="#,##0")
        if spec.percent:
            a, b = col_letter(3), col_letter(4)
            plan.put(r, 5, row.percent if row else None, "computed", f"{spec.kind}.{rs.key}.pct",
                     f'=IF(OR({a}{r}="",{a}{r}=0),"",ROUND(N({b}{r})/{a}{r},4))', "0.00%")
    return plan


def _level_label(label: str, number: str) -> str:
    """A template's 合计 label names its level (本级 tables are 表八–十四)."""
    return label.replace("全地区", "本级") if number in BENJI_NUMBERS else label


BENJI_NUMBERS = {spec.numbers[1] for spec in funds.TABLES}


def _sum_formula(kind, key, specs, rows_of, letter) -> str:
    """Σ over the funds (or their 其中 line) for the 合计 rows."""
    suffix = key.partition(".")[2]
    parts = [s.key for s in specs if s.role != "total" and s.key.partition(".")[2] == suffix]
    cells = ",".join(f"{letter}{rows_of[k]}" for k in parts)
    return f'=IF(COUNT({cells})=0,"",SUM({cells}))'


def _plan_balance(plan, spec, table, stated, region, year, number, columns) -> SheetPlan:
    title = table.title if table and table.title else spec.title_for(region, year)
    plan.put(1, 1, f"{number}：{title}", "title", "title", span=8)
    plan.put(2, 1, "单位：万元", "unit", span=8)
    plan.put(3, 1, "收 入", "header", span=4)
    plan.put(3, 5, "支 出", "header", span=4)
    for side in (0, 4):
        for c, label in enumerate(("科目代码", "科目名称", *columns), start=1 + side):
            plan.put(4, c, label, "header")
    plan.widths.update({1: 9, 2: 36, 3: 14, 4: 14, 5: 9, 6: 36, 7: 14, 8: 14})
    plan.print_title_rows = "3:4"
    for side, specs in ((0, funds.BALANCE_INCOME_ROWS), (4, funds.BALANCE_EXPENDITURE_ROWS)):
        for n, rs in enumerate(specs):
            r = 5 + n
            row = stated.get(rs.key)
            plan.put(r, 1 + side, rs.code, "label", f"balance.{rs.key}.code")
            plan.put(r, 2 + side, row.label if row else rs.label, "label", f"balance.{rs.key}.label")
            for j in range(2):
                c = 3 + side + j
                letter = col_letter(c)
                key = f"balance.{rs.key}.{j}"
                if rs.role == "total":
                    funds_rows = [5 + m for m, s in enumerate(specs) if s.code and len(s.code) == 5
                                  and s.code.startswith(("102", "209"))]
                    if rs.key.endswith(".total"):
                        cells = ",".join(f"{letter}{x}" for x in funds_rows)
                    else:   # 收入总计 / 支出总计: 合计 + the three lines below it
                        cells = ",".join(f"{letter}{x}" for x in range(r - 4, r))
                    value = row.values[j] if row and j < len(row.values) else None
                    plan.put(r, c, value, "computed", key, f'=IF(COUNT({cells})=0,"",SUM({cells}))', "#,##0")
                else:
                    value = row.values[j] if row and j < len(row.values) else None
                    plan.put(r, c, _display(value), "input", key, number_format="#,##0")
    return plan


def plan_workbook(instance) -> WorkbookPlan:
    """The whole workbook for one form instance (F5: the seven 附表)."""
    if instance.form == model.PROJECT_SELF_EVALUATION:
        from xltool.core.project_eval.layout import plan_workbook as plan_project_evaluation
        return plan_project_evaluation(instance)
    if instance.form == model.BUDGET_TABLES:
        sheets = plan_budget_workbook(instance)
        meta = {"region": instance.region, "level": instance.level, "year": str(instance.year or "")}
    else:
        sheets = [plan_target_form(instance)]
        meta = {"year": str(instance.year or "")}
        if instance.form == model.REGIONAL_TARGET:
            meta["region"] = instance.region
    return WorkbookPlan(instance.form, sheets, {"form": instance.form, "version": FORMAT_VERSION, **meta})


LEVELS = ("全地区", "本级")


def blank_instance(form: str, year: int | None = None, region: str = "", level: str = "全地区", fund: str = ""):
    """An empty instance of a form, for templates: the year (None: left blank), region, level and fund
    written where the form has them (F1: 地区 and 险种; F2–F4: 预算单位 / 支出部门 and 项目名称; F5: the
    unit, and 本级 → 表八–十四)."""
    cls = {model.REGIONAL_TARGET: model.RegionalTarget, model.FUND_EXPENDITURE_TARGET: model.FundExpenditureTarget,
           model.SELF_EVALUATION: model.SelfEvaluation, model.PROJECT_TARGET: model.ProjectTarget,
           model.BUDGET_TABLES: model.BudgetWorkbook,
           model.PROJECT_SELF_EVALUATION: model.ProjectSelfEvaluation}[form]
    instance = cls(year=year)
    unit = region + ("本级" if level == "本级" and region and not region.endswith("本级") else "")
    if form == model.BUDGET_TABLES:
        instance.region, instance.level = region, level
    elif form == model.REGIONAL_TARGET:
        instance.region, instance.fund = unit, fund
        instance.title = f"{unit}{TITLES[form][0]}" if unit else ""
    else:
        if form == model.SELF_EVALUATION:
            instance.department = unit
        else:
            instance.unit = unit
        if fund:
            instance.project = f"{unit}{fund}{'' if fund.endswith('基金') else '基金'}支出"
    return instance


def field_names(cls) -> list[str]:
    return [f.name for f in fields(cls)]

