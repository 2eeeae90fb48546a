"""Domain model: one dataclass per form family (DOMAIN.md, "The form families").

These are what importers produce, what the workbook reader gives back and what
computations and rules consume. Texts are kept exactly as typed; numbers are
Decimal (None = blank cell). Nothing here knows about spreadsheets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Form ids, as used on the command line (`xltool template FORM`).
REGIONAL_TARGET = "regional-target"                  # F1
FUND_EXPENDITURE_TARGET = "fund-expenditure-target"  # F2
SELF_EVALUATION = "self-evaluation"                  # F3
PROJECT_TARGET = "project-target"                    # F4
BUDGET_TABLES = "budget-tables"                      # F5
PROJECT_SELF_EVALUATION = "project-self-evaluation"  # F3' (财预〔2020〕10号 layout)
FORM_IDS = (REGIONAL_TARGET, FUND_EXPENDITURE_TARGET, SELF_EVALUATION, PROJECT_TARGET, BUDGET_TABLES,
            PROJECT_SELF_EVALUATION)

FORM_NAMES = {
    REGIONAL_TARGET: "社会保险基金预算区域绩效目标表",
    FUND_EXPENDITURE_TARGET: "社会保险基金支出绩效目标表",
    SELF_EVALUATION: "社会保险支出绩效自评表",
    PROJECT_TARGET: "项目支出绩效目标表",
    BUDGET_TABLES: "社会保险基金预算表",
    PROJECT_SELF_EVALUATION: "项目支出绩效自评表",
}

POSITIVE = "正向"   # more is better: a bare value means ≥
NEGATIVE = "反向"   # less is better: a bare value means ≤
DIRECTIONS = (POSITIVE, NEGATIVE)


@dataclass
class Indicator:
    """One row of an indicator tree (一级/二级/三级指标 → 指标值).

    Which optional columns are used depends on the form: F3 has ``actual``,
    ``weight`` and ``deviation``; F4 has ``basis``, ``last_year``, ``weight``,
    ``scoring_rule`` and ``evidence``.
    """

    level1: str = ""
    level2: str = ""
    level3: str = ""
    target: str = ""          # 指标值 / 年度指标值, verbatim
    direction: str = ""       # 正向 / 反向; "" = infer from the value and the name
    basis: str = ""           # 指标值设置依据
    last_year: str = ""       # 上年完成值
    weight: Decimal | None = None   # 指标分值权重 / 分值
    scoring_rule: str = ""    # 指标赋分规则
    evidence: str = ""        # 佐证资料
    actual: str = ""          # 实际完成值
    deviation: str = ""       # 偏差原因分析及改进措施
    score: Decimal | None = None    # 得分 as stated in the workbook (computed column)
    # F1 rows measured against the 附表 (``xltool derive-targets``): the figures in 万元 the
    # 测算值 divides (numerator, denominator or None), kept in hidden helper cells
    source_wan: tuple[Decimal, Decimal | None] | None = None

    def is_blank(self) -> bool:
        return not any((self.level1, self.level2, self.level3, self.target, self.actual))


@dataclass
class RegionalTarget:
    """F1 社会保险基金预算区域绩效目标表 (one fund, one region, one year)."""

    year: int | None = None
    title: str = ""
    region: str = ""              # e.g. 新疆维吾尔自治区, 喀什地区, 喀什地区本级
    fund: str = ""                # 险种名称
    central_dept: str = ""        # 中央主管部门及相关部门
    provincial_finance: str = ""  # 省级财政部门
    provincial_dept: str = ""     # 省级主管部门及相关部门
    local_finance: str = ""       # 地区财政部门
    local_dept: str = ""          # 地区主管部门及相关部门
    income_yi: Decimal | None = None       # 收入预算金额(亿元)
    expenditure_yi: Decimal | None = None  # 支出预算金额(亿元)
    overall_goal: str = ""        # 整体目标
    long_term_goal: str = ""      # 总体目标
    annual_goal: str = ""         # 年度目标
    indicators: list[Indicator] = field(default_factory=list)

    form = REGIONAL_TARGET

    @property
    def entity(self) -> str:
        return self.fund


@dataclass
class FundExpenditureTarget:
    """F2 社会保险基金支出绩效目标表 (amounts in 万元)."""

    year: int | None = None
    title: str = ""
    unit: str = ""              # 预算单位
    project: str = ""           # 项目名称
    total: Decimal | None = None          # 年度资金总额
    fund_label: str = "社保基金"           # 其中：社保基金 / 医保基金 / 财政拨款
    fund_amount: Decimal | None = None
    other_amount: Decimal | None = None   # 其他资金
    goal: str = ""              # 项目总体目标
    indicators: list[Indicator] = field(default_factory=list)

    form = FUND_EXPENDITURE_TARGET

    @property
    def entity(self) -> str:
        return self.project


@dataclass
class SelfEvaluation:
    """F3 社会保险支出绩效自评表 (target vs actual, amounts in 万元)."""

    year: int | None = None
    title: str = ""
    project: str = ""           # 项目名称
    department: str = ""        # 社会保险基金预算支出部门
    budget: Decimal | None = None         # 预算数
    executed: Decimal | None = None       # 执行数
    fund_amount: Decimal | None = None    # 其中：社会保险基金
    other_amount: Decimal | None = None   # 其他资金
    goal_expected: str = ""     # 年度目标 预期目标
    goal_actual: str = ""       # 实际完成目标
    indicators: list[Indicator] = field(default_factory=list)
    execution_weight: Decimal = Decimal(10)   # 预算执行率 分值

    form = SELF_EVALUATION

    @property
    def entity(self) -> str:
        return self.project


@dataclass
class ProjectTarget:
    """F4 项目支出绩效目标表 (with weights and scoring rules, amounts in 万元)."""

    year: int | None = None
    title: str = ""
    unit: str = ""              # 预算单位
    project: str = ""           # 项目名称
    manager: str = ""           # 项目负责人
    total: Decimal | None = None          # 年度预算总额
    fiscal: Decimal | None = None         # 其中：财政拨款
    other: Decimal | None = None          # 其他资金
    goal: str = ""              # 项目总体目标
    indicators: list[Indicator] = field(default_factory=list)

    form = PROJECT_TARGET

    @property
    def entity(self) -> str:
        return self.project


@dataclass
class BudgetRow:
    """One row of a 附表: a 科目 or 项目 line with its amounts (万元).

    ``key`` identifies the row across tables and units (see ``core.funds``),
    ``label`` is the text printed in the form. ``values`` follow the table's
    amount columns; ``percent`` is the stated % column (None when blank).
    """

    key: str
    label: str
    code: str = ""
    values: list[Decimal | None] = field(default_factory=list)
    percent: Decimal | None = None


@dataclass
class BudgetTable:
    """One 附表. ``kind`` is one of ``core.funds.TABLE_KINDS``.

    The 平衡表 (kind "balance") keeps its income side in ``rows`` and its
    expenditure side in ``right_rows``; the other tables have one side.
    """

    kind: str
    number: str = ""            # 表一 … 表十四, as printed
    title: str = ""
    columns: list[str] = field(default_factory=list)   # amount column labels as printed
    rows: list[BudgetRow] = field(default_factory=list)
    right_rows: list[BudgetRow] = field(default_factory=list)

    def row(self, key: str) -> BudgetRow | None:
        for row in (*self.rows, *self.right_rows):
            if row.key == key:
                return row
        return None


@dataclass
class BudgetWorkbook:
    """F5: the seven 附表 of one unit at one level (全地区 or 本级)."""

    region: str = ""            # 喀什地区
    level: str = ""             # 全地区 / 本级
    year: int | None = None     # the budget year (2023); the execution year is year - 1
    tables: dict[str, BudgetTable] = field(default_factory=dict)

    form = BUDGET_TABLES

    @property
    def entity(self) -> str:
        return f"{self.region}{'本级' if self.level == '本级' else ''}"


# --- F3' 项目支出绩效自评表 (财预〔2020〕10号) ------------------------------------------

FUND_LINES = (("total", "年度资金总额"), ("fiscal", "其中：本年财政拨款"), ("carry_over", "上年结转资金"),
              ("other", "其他资金"))
FUND_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("executed", "全年执行数"))
SOURCES = (("central", "中央"), ("provincial", "省级"), ("city", "市级"), ("county", "县级"), ("other", "其他"))


@dataclass
class FundLine:
    """One row of the 项目资金（万元） block; ``sources`` splits its 全年预算数 by level (optional)."""

    key: str                                  # one of FUND_LINES' keys
    label: str = ""                           # as printed
    initial: Decimal | None = None            # 年初预算数
    budget: Decimal | None = None             # 全年预算数
    executed: Decimal | None = None           # 全年执行数
    sources: dict[str, Decimal | None] = field(default_factory=dict)   # SOURCES key → amount

    def amounts(self) -> tuple[Decimal | None, ...]:
        return self.initial, self.budget, self.executed


@dataclass
class ProjectSelfEvaluation:
    """F3' 项目支出绩效自评表 in the 财预〔2020〕10号 layout (amounts in 万元).

    ``funds`` holds the four rows of FUND_LINES in that order; indicators use level1–3,
    target (年度指标值), actual, weight (分值), score (得分 as stated), deviation; the hidden
    helper columns keep ``direction`` and ``scoring_rule`` carried over from a target table.
    """

    year: int | None = None
    title: str = ""
    project: str = ""           # 项目名称
    department: str = ""        # 主管部门
    implementer: str = ""       # 实施单位
    funds: list[FundLine] = field(default_factory=lambda: [FundLine(k, label) for k, label in FUND_LINES])
    source_labels: dict[str, str] = field(default_factory=dict)   # SOURCES key → label as printed (自治区 …)
    execution_weight: Decimal | None = Decimal(10)   # 分值 of 年度资金总额
    goal_expected: str = ""     # 年度总体目标 预期目标
    goal_actual: str = ""       # 实际完成情况
    indicators: list[Indicator] = field(default_factory=list)
    stated_total: Decimal | None = None   # 总分 as stated (import)
    stated_grade: str = ""                # 等级 as stated (import)
    actual_numbers: dict[int, Decimal] = field(default_factory=dict)   # indicator → 实际完成值 typed as a number

    form = PROJECT_SELF_EVALUATION

    @property
    def entity(self) -> str:
        return self.project

    def line(self, key: str) -> FundLine:
        return next(line for line in self.funds if line.key == key)

    def is_blank(self) -> bool:
        texts = (self.project, self.department, self.implementer, self.goal_expected, self.goal_actual)
        amounts = [a for line in self.funds for a in (*line.amounts(), *line.sources.values())]
        return (not any(t.strip() for t in texts) and all(a is None for a in amounts)
                and all(ind.is_blank() for ind in self.indicators))


FormInstance = (RegionalTarget | FundExpenditureTarget | SelfEvaluation | ProjectTarget | BudgetWorkbook
                | ProjectSelfEvaluation)
