"""Derive 区域绩效目标表 (F1) from a unit's 附表 (F5), and check existing ones against it.

``derive_targets(budget_path, out_dir, targets_paths=None)`` writes one target
workbook per fund the 附表 budget, named ``<单位>_区域绩效目标表_<险种>.xlsx`` in
``out_dir``. 资金情况 and the measured column (测算值) come from the budget
(core.calc.derive); the 是否达标 column judges the measured figures against the
指标值. The 万元 figures each 测算值 divides stay in the table's hidden helper cells, and
测算值 / 是否达标 are live formulas over them. When the clerk's target tables are given, their texts and indicator rows
are carried over unchanged (only 资金情况 is replaced by the budget's figures, the
stated ones are kept in the notes and the findings sheet), otherwise a standard
indicator set with suggested 指标值 is laid out for the clerk to finish.

``check_target_files(target_paths, budget_paths)`` is the file-level XT140 check.
The library prints nothing; errors are ``XltoolError`` with Chinese messages.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from xltool import process
from xltool.io import xlsx
from xltool.core import funds, model
from xltool.core.calc.budget import recompute_budget
from xltool.core.cellref import a1
from xltool.core.calc.derive import Judgement, derive_figures, figure_basis, judge, suggested_target
from xltool.core.findings import SEVERITY_ORDER, Finding
from xltool.core.reader import ReadForm
from xltool.core.rules import XT140
from xltool.workbooks import XltoolError, open_grid, plan_with_values, read_workbook


@dataclass
class DerivedTarget:
    """One fund's derived target table (``path`` None: a given target table whose fund the 附表 do not budget)."""

    fund: str                          # fund key (funds.FUND_BY_KEY)
    name: str                          # fund name
    path: Path | None
    target: model.RegionalTarget
    figures: dict | None               # core.derive_calc.fund_figures
    judgements: list[Judgement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    source: Path | None = None         # the clerk's table carried over, if any


# --- the standard indicator set of a new table (seed 004's tables; the clerk adjusts) ---------

PENSION_DEPT = "人力资源社会保障部、财政部、税务总局"
MEDICAL_DEPT = "国家医疗保障局、财政部、税务总局"
OVERALL_GOAL = "实现基金可持续运行，参保人员社会保险待遇得到有效保障。"
LONG_TERM_GOAL = "目标1：基金中长期收支平衡，增强基金可持续性。 目标2：基金运行规范安全。 目标3：基金使用效率逐步提升。"
ANNUAL_GOAL = ("目标1：本年度内基金收支平衡。 目标2：本年度内基金运行规范，收支管理方面无突出问题。 "
               "目标3：本年度内基金使用效率得到提升。")


def _is_medical(fund: funds.Fund) -> bool:
    return "医疗" in fund.name


def default_indicators(fund: funds.Fund, figures: dict) -> list[model.Indicator]:
    medical = _is_medical(fund)
    kind = "医疗保险" if medical else "社会保险"
    supervision = ("对定点医药机构使用医保基金情况开展监督检查。建立健全医保基金监管长效机制" if medical
                   else "对基金收、支、管等环节开展监督检查，建立查处欺诈骗保长效机制")
    rows = [
        ("决策指标", "政策制定指标", "政策制定依据及程序", "在国家授权范围内，依法依规、按照法定程序制定社会保险基金管理相关政策"),
        ("过程指标", "基金预算管理指标", "预决算编制", "预决算报表无漏填、错填，编报说明合理"),
        ("过程指标", "基金预算管理指标", "预算执行", "严格执行批复预算，预算执行报表报送及时准确"),
        ("过程指标", "基金预算管理指标", "预算调整", "按照国家规定进行预算调整"),
        ("过程指标", "政策执行指标", "参保、缴费率（缴费标准）、缴费基数、待遇支付范围及标准等政策", "符合国家规定"),
        ("过程指标", "风险控制指标", "基金监督管理", supervision),
        ("过程指标", "风险控制指标", "基金风险防控", "定期开展基金运行情况分析，建立基金运行风险预警和处置机制"),
        ("产出指标", "数量指标", f"{kind}费收入", suggested_target("premium_yi", figures)),
        ("产出指标", "数量指标", f"{kind}待遇支出", suggested_target("benefit_yi", figures)),
        ("产出指标", "质量指标", "社会保险费收入占基金收入比重", suggested_target("premium_share", figures)),
        ("产出指标", "质量指标", f"{kind}待遇支出占基金支出比重", suggested_target("benefit_share", figures)),
        ("产出指标", "质量指标", "其他支出占基金支出比重", suggested_target("other_share", figures)),
        ("产出指标", "时效指标", "财政对基金的补贴拨付及时性", "在规定时限内拨付到位"),
    ]
    if not medical:
        rows.append(("产出指标", "时效指标", "社保部门待遇发放及时性", "在规定时限内发放到位"))
    rows += [
        ("效益指标", "经济效益指标", "利息收益率", "高于同期人民银行规定三个月整存整取利率"),
        ("效益指标", "可持续影响指标", "基金静态可支付月数", suggested_target("months", figures)),
        ("满意度指标", "服务对象满意度指标", "参保人员满意度", "≥90%"),
    ]
    return [model.Indicator(level1=a, level2=b, level3=c, target=d) for a, b, c, d in rows]


def new_target(book: model.BudgetWorkbook, fund: funds.Fund, figures: dict) -> model.RegionalTarget:
    return model.RegionalTarget(
        year=book.year, title=f"{book.entity}社会保险基金预算区域绩效目标表", region=book.entity, fund=fund.name,
        central_dept=MEDICAL_DEPT if _is_medical(fund) else PENSION_DEPT,
        overall_goal=OVERALL_GOAL, long_term_goal=LONG_TERM_GOAL, annual_goal=ANNUAL_GOAL,
        indicators=default_indicators(fund, figures))


# --- reading ---------------------------------------------------------------------------------

def read_budget(path: str | Path) -> ReadForm:
    """The 附表 of a workbook (XltoolError when it holds none)."""
    for form in read_workbook(path):
        if form.form == model.BUDGET_TABLES:
            return form
    raise XltoolError(f"{path}：不是社会保险基金预算附表工作簿（未找到平衡表、收入/支出/结余表）")


def read_targets(paths) -> list[tuple[Path, ReadForm]]:
    """Every 区域绩效目标表 in the given files (a folder: its .xlsx files, others skipped)."""
    found: list[tuple[Path, ReadForm]] = []
    for item in paths or ():
        item = Path(item)
        if item.is_dir():
            for path in sorted(item.glob("*.xlsx")):
                if path.name.startswith((".~", "~$")):
                    continue
                try:
                    forms = read_workbook(path)
                except XltoolError:
                    continue
                found += [(path, f) for f in forms if f.form == model.REGIONAL_TARGET]
            continue
        forms = [f for f in read_workbook(item) if f.form == model.REGIONAL_TARGET]
        if not forms:
            raise XltoolError(f"{item}：未找到区域绩效目标表（险种名称、资金情况、绩效指标）")
        found += [(item, f) for f in forms]
    return found


def _match(fund: funds.Fund, entity: str, targets: list[tuple[Path, ReadForm]]):
    candidates = [(p, f) for p, f in targets if funds.find_fund(f.instance.fund) is fund]
    same = [(p, f) for p, f in candidates if f.instance.region == entity]
    return (same or candidates or [None])[0]


# --- resolving field keys to cells -----------------------------------------------------------

def _where(read: ReadForm | None, key: str) -> tuple[str, str]:
    if read is not None and key in read.cells:
        sheet, r, c = read.cells[key]
        return sheet, a1(r, c)
    return "", ""


def resolve_pair(finding: Finding, target_read: ReadForm, target_file: str, budget_read: ReadForm,
                 budget_file: str) -> Finding:
    """key → the target table's cell; related → the 附表's cells, as [file]sheet!A1."""
    finding.file = target_file
    if not finding.cell:
        finding.sheet, finding.cell = _where(target_read, finding.key)
        if not finding.cell:
            finding.sheet, finding.cell = _where(target_read, "title")
    related = []
    for key in finding.related:
        sheet, cell = _where(budget_read, key)
        related.append(f"[{budget_file}]{sheet}!{cell}" if cell else key)
    finding.related = related
    return finding


# --- derive ------------------------------------------------------------------------------------

def _file_name(entity: str, fund_name: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\s\[\]]+', "", f"{entity}_区域绩效目标表_{fund_name}")
    return stem[:80] + ".xlsx"


def _attach_basis(target: model.RegionalTarget, judgements: list[Judgement], figures: dict) -> None:
    """Give every indicator the 附表 measure its 万元 figures (``Indicator.source_wan``): the written
    table keeps them in hidden helper cells, and its 测算值 / 是否达标 formulas divide and round them
    (``core.regional_formulas``), so recompute, check and a spreadsheet give the figures derived here."""
    for ind in target.indicators:
        ind.source_wan = None
    for j in judgements:
        ind = target.indicators[j.index]
        ind.source_wan = figure_basis(j.figure, figures, ind.target)


def derive_targets(budget_path: str | Path, out_path: str | Path,
                   targets_paths: list[str | Path] | None = None, *, overwrite: bool = False) -> list[DerivedTarget]:
    """Write ``<out_path>/<单位>_区域绩效目标表_<险种>.xlsx`` for every fund the 附表 budget.

    Returns one DerivedTarget per fund (in the forms' fund order), then one per given
    target table whose fund the 附表 do not budget (``path`` None, an XT140 error).
    Findings are resolved to the written workbook's cells; ``related`` names the 附表's cells.
    Workbooks that exist already (or are inputs) are refused before any is written, unless ``overwrite``.
    """
    budget_path, out_dir = Path(budget_path), Path(out_path)
    if out_dir.suffix.lower() == ".xlsx":
        raise XltoolError(f"{out_dir}：请给出输出文件夹（每个险种一个工作簿），而不是 .xlsx 文件名")
    budget_read = read_budget(budget_path)
    book = budget_read.instance
    calc = recompute_budget(book)
    all_figures = derive_figures(book, calc)
    if not all_figures:
        raise XltoolError(f"{budget_path}：附表中没有任何险种的本年预算数，无法生成区域绩效目标表")
    given = read_targets(targets_paths)
    from xltool.io import outputs

    outputs.refuse([out_dir / _file_name(book.entity, funds.FUND_BY_KEY[k].name) for k in all_figures],
                   inputs=[budget_path, *(p for p, _ in given)], overwrite=overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[DerivedTarget] = []
    used: set[int] = set()
    for fund_key, figures in all_figures.items():
        fund = funds.FUND_BY_KEY[fund_key]
        match = _match(fund, book.entity, given)
        findings: list[Finding] = []
        if match is not None:
            source, read = match
            used.add(id(read))
            clerk = read.instance
            target = copy.deepcopy(clerk)
            if target.region != book.entity:
                findings.append(Finding(XT140.CODE, "info", f"{XT140.NAME}：沿用了{clerk.region or '其他单位'}的目标表"
                                        f"（{source.name}）的指标", "title"))
                target.region = book.entity
                target.title = f"{book.entity}社会保险基金预算区域绩效目标表"
            target.year = book.year or target.year
            findings += list(XT140.check_target(clerk, book, calc))
        else:
            source, target = None, new_target(book, fund, figures)
        target.income_yi, target.expenditure_yi = figures["income_yi"], figures["expenditure_yi"]
        if match is None:
            findings += list(XT140.check_target(target, book, calc))
        judgements = judge(target, figures)
        _attach_basis(target, judgements, figures)
        plan = plan_with_values(target)
        path = out_dir / _file_name(book.entity, fund.name)
        xlsx.write_plan(plan, path)
        written = read_workbook(path)[0]
        findings = [resolve_pair(f, written, path.name, budget_read, budget_path.name) for f in findings]
        findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        if findings:
            process.write_back(path, path, [], findings, open_grid(path))
        results.append(DerivedTarget(fund_key, fund.name, path, target, figures, judgements, findings, source))
    for source, read in given:   # the unit's own tables for funds it does not budget
        if id(read) in used or (read.instance.region and read.instance.region != book.entity):
            continue
        fund = funds.find_fund(read.instance.fund)
        findings = [resolve_pair(f, read, source.name, budget_read, budget_path.name)
                    for f in XT140.check_target(read.instance, book, calc)]
        results.append(DerivedTarget(fund.key if fund else "", fund.name if fund else read.instance.fund, None,
                                     read.instance, None, [], findings, source))
    return results


def check_target_files(target_paths: list[str | Path], budget_paths: list[str | Path]) -> list[Finding]:
    """XT140 for target-table files against 附表 files: each target table is checked against the
    附表 of its own unit (region 喀什地区本级 ↔ the 本级 附表); with a single 附表 given, every
    table is checked against it; with several and none of the table's unit, an info finding."""
    budgets = [(Path(p), read_budget(p)) for p in budget_paths]
    if not budgets:
        raise XltoolError("请至少给出一个附表工作簿")
    findings: list[Finding] = []
    for source, read in read_targets(target_paths):
        target = read.instance
        match = next(((p, b) for p, b in budgets if b.instance.entity == target.region), None)
        if match is None and len(budgets) > 1:
            findings.append(resolve_pair(
                Finding(XT140.CODE, "info", f"{XT140.NAME}：未给出“{target.region or '该单位'}”的附表，未核对", "title"),
                read, source.name, budgets[0][1], budgets[0][0].name))
            continue
        path, budget_read = match or budgets[0]
        for f in XT140.check_target(target, budget_read.instance):
            findings.append(resolve_pair(f, read, source.name, budget_read, path.name))
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.file, f.rule))
    return findings
