"""Properties: recompute is idempotent on every seed workbook; sums do not depend on row order;
the reader never crashes on arbitrary grids (a bounded fuzz run, also in CI)."""
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from xltool import process
from xltool.core import funds, model, reader
from xltool.core.calc.budget import recompute_budget
from xltool.core.grid import BookGrid, SheetGrid

SEED_WORKBOOKS = sorted((ROOT / "workbooks").glob("*.xlsx"))


def cell_values(path):
    wb = openpyxl.load_workbook(path)
    try:
        return {(ws.title, c.coordinate): (c.value, c.comment.text if c.comment else None, c.fill.fgColor.rgb)
                for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    finally:
        wb.close()


@pytest.mark.parametrize("path", SEED_WORKBOOKS, ids=lambda p: p.name[:6])
def test_recompute_twice_equals_once(path, tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    first = process.recompute_file(path, once)
    second = process.recompute_file(once, twice)
    assert cell_values(once) == cell_values(twice)
    same = lambda result: [{**f.to_dict(), "file": ""} for f in result.findings]  # noqa: E731
    assert same(first) == same(second)


amounts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9).map(Decimal))


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=64, max_size=64), st.randoms(use_true_random=False))
def test_budget_sums_do_not_depend_on_row_order(values, rnd):
    rows = [model.BudgetRow(s.key, s.label, values=[values[2 * i], values[2 * i + 1]])
            for i, s in enumerate(funds.row_specs("income_exec")) if s.role != "total"]
    book = model.BudgetWorkbook(year=2023, tables={"income_exec": model.BudgetTable("income_exec", rows=rows)})
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    other = model.BudgetWorkbook(year=2023, tables={"income_exec": model.BudgetTable("income_exec", rows=shuffled)})
    assert recompute_budget(book).cells == recompute_budget(other).cells
    total = recompute_budget(book).cells["income_exec.total.0"]
    fund_rows = [r.values[0] for r in rows if "." not in r.key and r.values[0] is not None]
    assert total == (sum(fund_rows, Decimal(0)) if fund_rows else None)


LABELS = ["险种名称", "一级指标", "二级指标", "三级指标", "指标值", "项目负责人", "指标分值权重", "实际完成值",
          "年度资金总额", "科目代码", "项目", "收入执行", "平衡表", "其中：保险费收入", "合计", "10201", "=3人"]
cell_value = st.one_of(st.sampled_from(LABELS), st.text(max_size=12), st.integers(-10**6, 10**6),
                       st.decimals(allow_nan=False, allow_infinity=False, places=2), st.none())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.tuples(st.integers(1, 30), st.integers(1, 10)), cell_value, max_size=120),
       st.sampled_from([None, "平衡表", "收入执行情况表", "结余安排"]))
def test_reader_never_crashes(cells, title):
    if title:
        cells[(1, 1)] = f"表一：某地2022年{title}"
    grid = BookGrid([SheetGrid("S", {k: v for k, v in cells.items() if v is not None})], source="fuzz.xlsx")
    try:
        forms = reader.read_book(grid)
    except reader.ReadError as exc:
        assert "fuzz.xlsx" in str(exc) or "工作表" in str(exc)
        return
    for read in forms:
        assert read.form in model.FORM_IDS
