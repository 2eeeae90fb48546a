"""Rounding at exact halves (DOMAIN.md "Numbers and units"): percentages and scores half-up to 2
decimals, 亿元 truncated. Every pair below is built so that half-up, banker's rounding (half-even)
and truncation do not all agree: x.xx5 with an even digit before the 5 separates half-up from
banker's and truncation; with an odd digit (or above the half) truncation stands apart.
The expected figures are worked by hand from the definitions, never taken from the code.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest

from xltool.core import funds, layout, model
from xltool.core.arith import percent, wan_to_yi
from xltool.core.calc.budget import recompute_budget
from xltool.core.calc.derive import fund_figures
from xltool.core.evaluate import evaluate
from xltool.core.reader import ReadForm

D = Decimal
CENT = D("0.01")


def modes(exact: str) -> tuple[Decimal, Decimal, Decimal]:
    x = D(exact)
    return tuple(x.quantize(CENT, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN))


# exact value → (half-up, banker's, truncation); the cases below use these
HALVES = {
    "104.285": ("104.29", "104.28", "104.28"),   # 41714 / 40000
    "104.295": ("104.30", "104.30", "104.29"),   # 41718 / 40000
    "62.465": ("62.47", "62.46", "62.46"),       # 49972 / 80000
    "62.455": ("62.46", "62.46", "62.45"),       # 49964 / 80000
    "9.925": ("9.93", "9.92", "9.92"),           # 10 × 397 / 400
    "9.975": ("9.98", "9.98", "9.97"),           # 10 × 399 / 400
    "6.245": ("6.25", "6.24", "6.24"),           # 10 × 4996 / 8000
    "6.235": ("6.24", "6.24", "6.23"),           # 10 × 4988 / 8000
    "7.065": ("7.07", "7.06", "7.06"),           # 70650 万元 in 亿元
    "7.075": ("7.08", "7.08", "7.07"),           # 70750 万元
}


def test_the_cases_separate_the_three_modes():
    """Each mode is told apart from each other one by at least one case."""
    for exact, want in HALVES.items():
        assert modes(exact) == tuple(map(D, want))
    table = [modes(x) for x in HALVES]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert any(t[a] != t[b] for t in table), (a, b)


@pytest.mark.parametrize("num, den, want", [(41714, 40000, "104.29"), (41718, 40000, "104.30"),
                                            (49972, 80000, "62.47"), (49964, 80000, "62.46")])
def test_percent_is_half_up(num, den, want):
    assert percent(D(num), D(den)) == D(want)


def _income_book(stated_pct=None):
    rows = [model.BudgetRow(s.key, s.label, values=[None, None]) for s in funds.row_specs("income_exec")]
    row = next(r for r in rows if r.key == "resident_pension")
    row.values = [D(40000), D(41714)]
    return model.BudgetWorkbook(year=2023, tables={"income_exec": model.BudgetTable("income_exec", rows=rows)})


def test_budget_table_percentage_at_a_half():
    calc = recompute_budget(_income_book())
    assert calc.cells["income_exec.resident_pension.pct"] == D("104.29")   # 104.285 → half-up


@pytest.mark.parametrize("wan, yi", [(70650, "7.06"), (70750, "7.07"), (70659, "7.06"), (70600, "7.06")])
def test_yi_is_truncated(wan, yi):
    assert wan_to_yi(D(wan)) == D(yi)


def test_fund_figures_in_yi_at_a_half():
    fund = funds.FUND_BY_KEY["resident_pension"]
    rows = {kind: [model.BudgetRow(s.key, s.label, values=[None, None]) for s in funds.row_specs(kind)]
            for kind in ("income_plan", "expenditure_plan")}
    for kind, key, value in (("income_plan", fund.key, 70750), ("income_plan", f"{fund.key}.premium", 70650),
                             ("expenditure_plan", fund.key, 70650), ("expenditure_plan", f"{fund.key}.benefit", 70659)):
        next(r for r in rows[kind] if r.key == key).values[1] = D(value)
    book = model.BudgetWorkbook(year=2023, tables={k: model.BudgetTable(k, rows=v) for k, v in rows.items()})
    figures = fund_figures(recompute_budget(book), fund)
    assert (figures["income_yi"], figures["premium_yi"], figures["expenditure_yi"], figures["benefit_yi"]) == (
        D("7.07"), D("7.06"), D("7.06"), D("7.06"))


def _self_evaluation(budget, executed, indicators):
    inst = model.SelfEvaluation(year=2025, project="测试项目", department="测试部门", budget=D(budget),
                                executed=D(executed), indicators=indicators)
    cells = {k: ("绩效自评表", c.row, c.col) for k, c in layout.plan_target_form(inst).by_field().items()}
    return evaluate(ReadForm(inst, cells), {})


def _ind(level3, target, actual, weight):
    return model.Indicator(level1="产出指标", level2="数量指标", level3=level3, target=target, actual=actual,
                           weight=D(weight), scoring_rule="按照正常比例赋分")


@pytest.mark.parametrize("executed, rate, score", [(4996, "62.45", "6.25"), (4988, "62.35", "6.24")])
def test_execution_score_at_a_half(executed, rate, score):
    e = _self_evaluation(8000, executed, [_ind("参保人数", "≥400人", "400人", 90)])
    assert e.computed["execution_rate"] == D(rate)
    assert e.computed["execution_score"] == D(score)      # 10 × 4996 / 8000 = 6.245 → 6.25


@pytest.mark.parametrize("executed, rate", [(49972, "62.47"), (49964, "62.46")])
def test_execution_rate_at_a_half(executed, rate):
    e = _self_evaluation(80000, executed, [_ind("参保人数", "≥400人", "400人", 90)])
    assert e.computed["execution_rate"] == D(rate)


@pytest.mark.parametrize("actual, score", [("397人", "9.93"), ("399人", "9.98")])
def test_proportional_score_at_a_half(actual, score):
    e = _self_evaluation(100, 100, [_ind("参保人数", "≥400人", actual, 10), _ind("发放人数", "≥10人", "10人", 80)])
    assert e.computed["ind.0.score"] == D(score)           # 10 × 397 / 400 = 9.925 → 9.93


@pytest.mark.parametrize("reported, agrees", [("62.5%", True), ("62.4%", False), ("62%", True)])
def test_self_reported_rate_compared_half_up_at_its_precision(reported, agrees):
    """执行率 4996/8000 = 62.45% exactly: reported with one decimal it is 62.5% (half-up; banker's and
    truncation would say 62.4%)."""
    e = _self_evaluation(8000, 4996, [_ind("参保人数", "≥400人", "400人", 80),
                                      _ind("基金支出预算执行率", "95%-105%", f"基金支出预算执行率{reported}", 10)])
    assert (not [f for f in e.findings if f.rule == "XT105"]) == agrees
