"""Cross-table rules XT131–XT135 over one 附表 workbook (DOMAIN.md F5, "Across tables")."""
import copy
from decimal import Decimal

import pytest

from conftest import ROOT
from xltool import process
from xltool.io import xlsx
from xltool.core import layout
from xltool.core.calc.budget import recompute_budget
from xltool.core.reader import ReadForm
from xltool.core.rules import Context, XT131, XT132, XT133, XT134, XT135
from xltool.derive import read_budget

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
CROSS = ("XT131", "XT132", "XT133", "XT134", "XT135")
MODULES = (XT131, XT132, XT133, XT134, XT135)


@pytest.fixture(scope="module")
def results():
    return {"region": process.evaluate_file(REGION), "benji": process.evaluate_file(BENJI)}


def cross(result):
    return sorted((f.rule, f.severity, f.location) for f in result.findings if f.rule in CROSS)


def test_region_findings_are_exactly_those_domain_names(results):
    assert cross(results["region"]) == [
        ("XT134", "warning", "支出执行!D16"),   # 表三 大病保险支出 blank, 表六 56848
        ("XT135", "warning", "结余安排!D6"),    # 城乡居民养老 425810 vs 431145
        ("XT135", "warning", "结余安排!D7"),    # 机关事业 556138 vs 553229
        ("XT135", "warning", "结余安排!D8"),    # 职工医保 592504 vs 576352
        ("XT135", "warning", "结余安排!D9"),    # 居民医保 424304 vs 401119
    ]


def test_benji_findings(results):
    # 本级 城乡居民养老 is blank in every table: nothing to compare. 机关事业 has its own, larger gap.
    assert cross(results["benji"]) == [
        ("XT134", "warning", "支出执行!D16"),
        ("XT135", "warning", "结余安排!D7"),
        ("XT135", "warning", "结余安排!D8"),
        ("XT135", "warning", "结余安排!D9"),
    ]


def test_per_fund_roll_forward_figures(results):
    found = {f.cell: (f.expected, f.found) for f in results["region"].findings if f.rule == "XT135"}
    assert found == {"D6": ("425810", "431145"), "D7": ("556138", "553229"),
                     "D8": ("592504", "576352"), "D9": ("424304", "401119")}
    benji = {f.cell: (f.expected, f.found) for f in results["benji"].findings if f.rule == "XT135"}
    assert benji == {"D7": ("348264", "553229"), "D8": ("592504", "576352"), "D9": ("424304", "401119")}


def test_per_fund_gaps_are_the_carry_over_gap(results):
    # the four gaps add up to 1844673 − 1881584 = −36911, which XT130 reports as the error
    for name, gap in (("region", "-36911"), ("benji", "165628")):
        findings = [f for f in results[name].findings if f.rule == "XT135"]
        assert all(f"各险种差额合计 {gap}" in f.message and "XT130" in f.message for f in findings)
        (xt130,) = [f for f in results[name].findings if f.rule == "XT130"]
        assert f"差额 {gap}" in xt130.message


def test_each_finding_names_both_cells(results):
    (critical,) = [f for f in results["region"].findings if f.rule == "XT134"]
    assert (critical.sheet, critical.cell, critical.found, critical.expected) == ("支出执行", "D16", "空白", "56848")
    assert critical.related == ["支出安排!C16"]
    assert "大病保险支出" in critical.message
    fund = next(f for f in results["region"].findings if f.rule == "XT135" and f.cell == "D6")
    assert fund.related == ["结余安排!C6", "收入安排!D12", "支出安排!D8"]


def test_no_new_errors_on_seed(results):
    for result in results.values():
        assert {f.rule for f in result.findings if f.severity == "error"} == {"XT104", "XT130"}


# --- mutations ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def region_book():
    return read_budget(REGION).instance


def run(book, modules=MODULES):
    ctx = Context(ReadForm(book), {}, {}, {"budget": recompute_budget(book)})
    return [f for module in modules for f in module.check(ctx)]


def setv(book, kind, key, j, value):
    row = book.tables[kind].row(key)
    row.values[j] = None if value is None else Decimal(value)


def consistent(book):
    """Seed 004 全地区 made consistent: per-fund 年末结余 rolled forward, 平衡表 carried over."""
    book = copy.deepcopy(book)
    calc = recompute_budget(book)
    total = Decimal(0)
    for key in ("resident_pension", "public_pension", "employee_medical", "resident_medical"):
        s1 = calc.value("surplus_plan", key, 0) + calc.value("income_plan", key, 1) - calc.value("expenditure_plan", key, 1)
        setv(book, "surplus_plan", key, 1, s1)
        total += s1
    setv(book, "balance", "in.carry_over", 1, 1881584)
    setv(book, "balance", "out.year_end", 1, total)
    setv(book, "expenditure_exec", "resident_medical.critical_illness", 1, 56848)
    return book


def test_consistent_book_has_no_cross_findings(region_book):
    assert run(consistent(region_book)) == []


def test_balance_income_differs_from_income_plan(region_book):
    book = consistent(region_book)
    setv(book, "balance", "in.resident_pension", 1, 112823)
    (f,) = run(book)
    assert (f.rule, f.severity, f.key, f.expected, f.found) == (
        "XT131", "error", "balance.in.resident_pension.1", "112832", "112823")
    assert f.related == ["income_plan.resident_pension.1"]


def test_balance_expenditure_blank_against_a_figure(region_book):
    book = consistent(region_book)
    setv(book, "balance", "out.public_pension", 0, None)
    (f,) = run(book)
    assert (f.rule, f.key, f.expected, f.found) == ("XT132", "balance.out.public_pension.0", "353055", "空白")
    assert f.related == ["expenditure_exec.public_pension.1"]


def test_year_end_differs_from_surplus_table(region_book):
    book = consistent(region_book)
    setv(book, "surplus_exec", "employee_medical", 1, 561304)   # also breaks 表七's 上年 column (XT134)
    rules = sorted((f.rule, f.key) for f in run(book))
    assert rules == [("XT133", "balance.out.year_end.0"), ("XT134", "surplus_plan.employee_medical.0")]


def test_plan_previous_year_differs_from_exec(region_book):
    book = consistent(region_book)
    setv(book, "income_plan", "public_pension.premium", 0, 380441)
    (f,) = run(book)
    assert (f.rule, f.severity, f.key, f.expected, f.found) == (
        "XT134", "error", "income_plan.public_pension.premium.0", "380442", "380441")
    assert f.related == ["income_exec.public_pension.premium.1"]


def test_roll_forward_error_when_not_explained(region_book):
    book = consistent(region_book)
    calc = recompute_budget(book)
    # move 100 from one fund's 年末结余 to another: totals (and XT130/XT133) still hold
    setv(book, "surplus_plan", "resident_pension", 1, calc.value("surplus_plan", "resident_pension", 1) + 100)
    setv(book, "surplus_plan", "public_pension", 1, calc.value("surplus_plan", "public_pension", 1) - 100)
    findings = run(book)
    assert sorted((f.rule, f.severity, f.key) for f in findings) == [
        ("XT135", "error", "surplus_plan.public_pension.1"), ("XT135", "error", "surplus_plan.resident_pension.1")]


def test_roll_forward_warning_when_transfers_exist(region_book):
    book = consistent(region_book)
    calc = recompute_budget(book)
    setv(book, "surplus_plan", "resident_pension", 1, calc.value("surplus_plan", "resident_pension", 1) + 100)
    setv(book, "surplus_plan", "public_pension", 1, calc.value("surplus_plan", "public_pension", 1) - 100)
    setv(book, "balance", "in.upper_subsidy", 1, 500)
    setv(book, "balance", "out.lower_subsidy", 1, 500)
    findings = run(book, (XT135,))
    assert {f.severity for f in findings} == {"warning"} and len(findings) == 2
    assert "上下级补助" in findings[0].message


def test_missing_table_is_skipped(region_book):
    book = consistent(region_book)
    del book.tables["income_plan"]
    assert run(book) == []


def test_mutated_file_resolves_both_cells(region_book, tmp_path):
    book = consistent(region_book)
    setv(book, "balance", "in.employee_medical", 0, 277745)
    path = tmp_path / "附表.xlsx"
    xlsx.write_plan(layout.plan_workbook(book), path)
    (f,) = [f for f in process.evaluate_file(path).findings if f.rule in CROSS]
    assert (f.rule, f.location, f.related) == ("XT131", "平衡表!C7", ["收入执行!D20"])
    assert "职工基本医疗保险" in f.message and "277745" in f.message and "277754" in f.message
