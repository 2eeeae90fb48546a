"""The figures of a 预算说明 (F6), prepared from the 附表 (F5) of a region and its 本级.

DOMAIN.md F6: totals for the region and for 本级 (总收入 = 收入安排表 合计 本年预算数,
总支出 = 支出安排表 合计, 年末滚存结余 = 结余安排表 合计), then per fund, in the forms'
order, 本年预算收入 and its 其中 lines, 本年预算支出 and its 待遇支出 (and the fund's
further itemised lines, 大病保险支出), 预算年末滚存结余. Every number is a table cell.

Which funds a level lists:
- a fund with any figure in the level's budget-year column is listed; blank 其中 lines show 0;
- a fund pooled locally (``Fund.pooling`` empty) that the level leaves blank while the other
  level (the region, or 本级) budgets it is listed with zeros — a unit that is part of a
  fund's pooling and has no figures budgets zero (seed 004: 本级 城乡居民养老 is blank in
  表八–十四, the narrative lists it with zeros). Such a paragraph also states
  预算本年收支结余, as the seed's zero paragraph does;
- funds pooled at a higher level (企业职工养老 全国统筹; 工伤、失业 自治区级统筹) that no level
  budgets are left out and explained in the closing note, grouped by pooling level;
- a locally pooled fund that no level budgets is left out with a note in ``notes``.
Pure: works on model objects; amounts are Decimal 万元.
"""
from __future__ import annotations

from decimal import Decimal

from xltool.core import funds
from xltool.core.calc.budget import BudgetCalc, recompute_budget
from xltool.core.calc.derive import fund_figures, is_budgeted
from xltool.core.model import BudgetWorkbook

ZERO = Decimal(0)
NUMBERS = "一二三四五六七八九十"
_LEVEL_SUFFIXES = ("自治区", "自治州", "地区", "盟", "州", "市", "县", "区", "旗")
_AUTHORITY = {"地区": "行署", "盟": "行署"}


def short_level(region: str) -> str:
    """How the narrative names a region's own level: 喀什地区 → 地区本级, 乌鲁木齐市 → 市本级."""
    for suffix in _LEVEL_SUFFIXES:
        if region.endswith(suffix):
            return f"{suffix}本级"
    return "本级"


def _grade(region: str) -> str:
    """喀什地区 → 地区级 (the level below which the pooled funds are not budgeted)."""
    for suffix in _LEVEL_SUFFIXES:
        if region.endswith(suffix):
            return f"{suffix}级"
    return "本级"


def ordinal(n: int) -> str:
    return NUMBERS[n - 1] if n <= 10 else str(n)


def _z(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


def fund_paragraph(fund: funds.Fund, figures: dict | None) -> dict:
    """One fund's paragraph figures (figures None: listed with zeros)."""
    zero = figures is None
    f = figures or {}
    extras = [{"label": label, "amount": _z((f.get("extra") or {}).get(key))} for key, label in fund.extra_expenditure]
    income, spending = _z(f.get("income")), _z(f.get("expenditure"))
    return {
        "key": fund.key,
        "name": fund.name,
        "heading": f"{fund.name}基金",
        "zero_filled": zero,
        "income": income,
        "premium_name": fund.premium_name,
        "premium": _z(f.get("premium")),
        "subsidy": _z(f.get("subsidy")),
        "interest": _z(f.get("interest")),
        "expenditure": spending,
        "benefit_label": fund.benefit_label,
        "benefit": _z(f.get("benefit")),
        "extras": extras,
        "balance": income - spending,      # 本年收支结余
        "surplus": _z(f.get("surplus")),
    }


def level_section(book: BudgetWorkbook, calc: BudgetCalc, listed: list[funds.Fund]) -> dict:
    budgeted = {fund.key for fund in funds.FUNDS if is_budgeted(calc, fund)}
    paragraphs = [fund_paragraph(fund, fund_figures(calc, fund) if fund.key in budgeted else None) for fund in listed]
    return {
        "name": book.entity,
        "level": book.level,
        "heading": f"{book.entity}社会保险基金预算",
        "income": _z(calc.value("income_plan", "total", 1)),
        "expenditure": _z(calc.value("expenditure_plan", "total", 1)),
        "surplus": _z(calc.value("surplus_plan", "total", 1)),
        "funds": paragraphs,
    }


def pooled_note(left_out: list[funds.Fund], region: str) -> str:
    """企业职工基本养老保险实行全国统筹制度，工伤保险和失业保险实行自治区级统筹制度，以上保险基金预算编制到自治区级，
    地区级及以下不再编制预算。"""
    groups: dict[str, list[str]] = {}
    for fund in left_out:
        groups.setdefault(fund.pooling, []).append(fund.name)
    if not groups:
        return ""
    clauses = [f"{_join(names)}实行{pooling}制度" for pooling, names in groups.items()]
    provincial = next((p[: -len("统筹")] for p in groups if p.endswith("级统筹")), "省级")
    return f"{'，'.join(clauses)}，以上保险基金预算编制到{provincial}，{_grade(region)}及以下不再编制预算。"


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return "、".join(names[:-1]) + "和" + names[-1]


def explain_data(region: BudgetWorkbook, benji: BudgetWorkbook | None = None) -> dict:
    """Everything the 预算说明 templates need (see the module docstring for which funds are listed).

    Keys: year, region, benji_short (地区本级), subject (喀什地区及地区本级), authority (喀什地区行署),
    levels (one section per workbook: name, heading, income, expenditure, surplus, funds [paragraphs]),
    closing_note, notes (decisions worth telling the user, Chinese).
    """
    books = [region] + ([benji] if benji is not None else [])
    calcs = [recompute_budget(book) for book in books]
    budgeted_anywhere = {fund.key for calc in calcs for fund in funds.FUNDS if is_budgeted(calc, fund)}
    notes: list[str] = []
    sections = []
    for book, calc in zip(books, calcs):
        listed = []
        for fund in funds.FUNDS:
            if is_budgeted(calc, fund):
                listed.append(fund)
            elif fund.key in budgeted_anywhere and not fund.pooling:
                listed.append(fund)
                notes.append(f"{book.entity}附表中{fund.name}为空白，该险种在本地区统筹编制预算，按 0 列示")
        sections.append(level_section(book, calc, listed))
    left_out = [fund for fund in funds.FUNDS if fund.key not in budgeted_anywhere]
    for fund in left_out:
        if not fund.pooling:
            notes.append(f"{fund.name}各级附表均为空白，说明中未列示")
    name = region.region or region.entity
    subject = name + f"及{short_level(name)}" if benji is not None else region.entity
    suffix = next((s for s in _AUTHORITY if name.endswith(s)), None)
    return {
        "year": region.year or (benji.year if benji is not None else None),
        "region": name,
        "benji_short": short_level(name),
        "subject": subject,
        "authority": name + (_AUTHORITY[suffix] if suffix else "人民政府"),
        "levels": sections,
        "closing_note": pooled_note([f for f in left_out if f.pooling], name),
        "notes": notes,
    }
