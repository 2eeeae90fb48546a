"""The seven social-insurance funds and the row/column layout of the 附表 (F5).

Row keys are stable identifiers shared by every table and every unit, so that
tables can be compared (cross-table rules) and summed (汇总) by key, while the
printed labels stay as the official forms print them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fund:
    key: str
    name: str                 # 企业职工基本养老保险
    income_code: str          # 科目代码 of its income line in the 平衡表
    expenditure_code: str
    benefit_label: str        # its 待遇支出 sub-item as printed in 表三/六
    premium_name: str         # its 保险费收入 as the 预算说明 names it
    pooling: str = ""         # "" (budgeted locally) or the level it is pooled at
    extra_expenditure: tuple[tuple[str, str], ...] = ()   # further 其中 lines (key suffix, label)
    aliases: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        text = text.replace(" ", "")
        return any(name in text for name in (self.name, *self.aliases))


FUNDS: tuple[Fund, ...] = (
    Fund("enterprise_pension", "企业职工基本养老保险", "10201", "20901", "基本养老待遇支出",
         "基本养老保险费收入", pooling="全国统筹"),
    Fund("resident_pension", "城乡居民基本养老保险", "10210", "20910", "基本养老待遇支出",
         "基本养老保险费收入", aliases=("城乡养老保险", "城乡居民养老")),
    Fund("public_pension", "机关事业单位基本养老保险", "10211", "20911", "基本养老待遇支出",
         "基本养老保险费收入", aliases=("机关事业单位养老",)),
    Fund("employee_medical", "职工基本医疗保险", "10203", "20903", "基本医疗保险待遇支出",
         "基本医疗保险费收入", aliases=("城镇职工基本医疗保险", "职工医保")),
    Fund("resident_medical", "城乡居民基本医疗保险", "10212", "20912", "基本医疗保险待遇支出",
         "个人缴费收入", extra_expenditure=(("critical_illness", "大病保险支出"),),
         aliases=("居民基本医疗保险", "居民医保")),
    Fund("work_injury", "工伤保险", "10204", "20904", "工伤保险待遇支出", "工伤保险费收入",
         pooling="自治区级统筹"),
    Fund("unemployment", "失业保险", "10202", "20902", "失业保险待遇支出", "失业保险费收入",
         pooling="自治区级统筹"),
)
FUND_BY_KEY = {fund.key: fund for fund in FUNDS}
BALANCE_ORDER = tuple(sorted(FUNDS, key=lambda f: f.income_code))   # 10201, 10202, … 10212

NUMERALS = "一二三四五六七八九十"


def find_fund(text: str) -> Fund | None:
    """The fund a label or 险种名称 names (longest name wins: 城乡居民基本医疗 before 职工基本医疗)."""
    text = (text or "").replace(" ", "")
    best = None
    for fund in FUNDS:
        for name in (fund.name, *fund.aliases):
            if name in text and (best is None or len(name) > best[1]):
                best = (fund, len(name))
    return best[0] if best else None


# --- the seven tables -------------------------------------------------------

INCOME_ITEMS = (("premium", "保险费收入"), ("subsidy", "财政补贴收入"), ("interest", "利息收入"))


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    code: str = ""
    role: str = "input"        # input / total (a sum over other rows)
    parent: str = ""           # for 其中 rows: the key of the row they belong to
    indent: int = 0


BLANK_YEAR = "    "   # an unknown year in a title: room to write it in


@dataclass(frozen=True)
class TableSpec:
    kind: str
    numbers: tuple[str, str]   # (全地区, 本级): 表一 / 表八
    title: str                 # with {region} {prev} {year}
    columns: tuple[str, ...]   # amount columns, with {prev} {year}
    percent: str = ""          # the % column's label, "" when none
    sheet: str = ""            # sheet name in our workbooks

    def title_for(self, region: str, year: int | None) -> str:
        """The printed title; an unknown year is left blank for the clerk to fill in (never a made-up one)."""
        if year is None:
            return self.title.format(region=region, prev=BLANK_YEAR, year=BLANK_YEAR)
        return self.title.format(region=region, prev=year - 1, year=year)

    def columns_for(self, year: int | None) -> list[str]:
        """Column labels; without a year they read 上年… / 本年…."""
        if year is None:
            return [c.replace("{prev}年", "上年").replace("{year}年", "本年") for c in self.columns]
        return [c.format(prev=year - 1, year=year) for c in self.columns]


def _income_rows(total_label: str) -> tuple[RowSpec, ...]:
    rows = [RowSpec("total", total_label, role="total")]
    rows += [RowSpec(f"total.{k}", ("其中：" if i == 0 else "") + label, role="total", parent="total", indent=1)
             for i, (k, label) in enumerate(INCOME_ITEMS)]
    for n, fund in enumerate(FUNDS):
        rows.append(RowSpec(fund.key, f"{NUMERALS[n]}、{fund.name}基金收入"))
        rows += [RowSpec(f"{fund.key}.{k}", ("其中：" if i == 0 else "") + label, parent=fund.key, indent=1)
                 for i, (k, label) in enumerate(INCOME_ITEMS)]
    return tuple(rows)


def _expenditure_rows(total_label: str) -> tuple[RowSpec, ...]:
    rows = [RowSpec("total", total_label, role="total"),
            RowSpec("total.benefit", "其中：社会保险待遇支出", role="total", parent="total", indent=1)]
    for n, fund in enumerate(FUNDS):
        rows.append(RowSpec(fund.key, f"{NUMERALS[n]}、{fund.name}基金支出"))
        rows.append(RowSpec(f"{fund.key}.benefit", f"其中：{fund.benefit_label}", parent=fund.key, indent=1))
        rows += [RowSpec(f"{fund.key}.{k}", label, parent=fund.key, indent=1) for k, label in fund.extra_expenditure]
    return tuple(rows)


def _surplus_rows(total_label: str) -> tuple[RowSpec, ...]:
    rows = [RowSpec("total", total_label, role="total")]
    rows += [RowSpec(fund.key, f"{NUMERALS[n]}、{fund.name}基金年末累计结余") for n, fund in enumerate(FUNDS)]
    return tuple(rows)


BALANCE_INCOME_ROWS: tuple[RowSpec, ...] = (
    *(RowSpec(f"in.{f.key}", f"{NUMERALS[n]}、{f.name}基金收入", f.income_code) for n, f in enumerate(BALANCE_ORDER)),
    RowSpec("in.total", "社会保险基金收入合计", "102", role="total"),
    RowSpec("in.carry_over", "社会保险基金上年结余收入", "11008"),
    RowSpec("in.upper_subsidy", "社会保险基金上级补助收入", "11017"),
    RowSpec("in.lower_remit", "社会保险基金下级上解收入", "11018"),
    RowSpec("in.grand_total", "收入总计", role="total"),
)
BALANCE_EXPENDITURE_ROWS: tuple[RowSpec, ...] = (
    *(RowSpec(f"out.{f.key}", f"{NUMERALS[n]}、{f.name}基金支出", f.expenditure_code) for n, f in enumerate(BALANCE_ORDER)),
    RowSpec("out.total", "社会保险基金支出合计", "209", role="total"),
    RowSpec("out.year_end", "社会保险基金年终结余", "23009"),
    RowSpec("out.lower_subsidy", "社会保险基金补助下级支出", "23018"),
    RowSpec("out.upper_remit", "社会保险基金上解上级支出", "23019"),
    RowSpec("out.grand_total", "支出总计", role="total"),
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec("balance", ("表一", "表八"),
              "{region}{prev}年社会保险基金预算执行情况和{year}年社会保险基金预算安排平衡表",
              ("{prev}年执行数", "{year}年预算数"), sheet="平衡表"),
    TableSpec("income_exec", ("表二", "表九"), "{region}{prev}年社会保险基金预算收入执行情况表",
              ("{prev}年预算调整数", "{prev}年预计执行数"), "预计执行数为预算数的%", sheet="收入执行"),
    TableSpec("expenditure_exec", ("表三", "表十"), "{region}{prev}年社会保险基金预算支出执行情况表",
              ("{prev}年预算调整数", "{prev}年预计执行数"), "预计执行数为预算数的%", sheet="支出执行"),
    TableSpec("surplus_exec", ("表四", "表十一"), "{region}{prev}年社会保险基金预算结余情况表",
              ("{prev}年年末累计结余预算调整数", "{prev}年年末累计结余预计数"), "预计结余数为预算数的%",
              sheet="结余执行"),
    TableSpec("income_plan", ("表五", "表十二"), "{region}{year}年社会保险基金预算收入安排表",
              ("{prev}年预计执行数", "{year}年预算数"), "预算数为上年预计执行数的%", sheet="收入安排"),
    TableSpec("expenditure_plan", ("表六", "表十三"), "{region}{year}年社会保险基金预算支出安排表",
              ("{prev}年预计执行数", "{year}年预算数"), "预算数为上年预计执行数的%", sheet="支出安排"),
    TableSpec("surplus_plan", ("表七", "表十四"), "{region}{year}年社会保险基金预算结余安排表",
              ("{prev}年年末累计结余预计数", "{year}年年末累计结余预算数"), "预算数为上年预计数的%",
              sheet="结余安排"),
)
TABLE_BY_KIND = {t.kind: t for t in TABLES}
TABLE_KINDS = tuple(TABLE_BY_KIND)

ROWS_BY_KIND: dict[str, tuple[RowSpec, ...]] = {
    "income_exec": _income_rows("全地区社会保险基金收入合计"),
    "expenditure_exec": _expenditure_rows("全地区社会保险基金支出合计"),
    "surplus_exec": _surplus_rows("全地区社会保险基金年末累计结余"),
    "income_plan": _income_rows("全地区社会保险基金收入合计"),
    "expenditure_plan": _expenditure_rows("全地区社会保险基金支出合计"),
    "surplus_plan": _surplus_rows("全地区社会保险基金年末累计结余"),
}


def row_specs(kind: str) -> tuple[RowSpec, ...]:
    if kind == "balance":
        return BALANCE_INCOME_ROWS + BALANCE_EXPENDITURE_ROWS
    return ROWS_BY_KIND[kind]
