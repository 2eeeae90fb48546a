"""汇总 of 附表 workbooks (DOMAIN.md F5: 全地区 ⊇ 本级; transfers inside the region net out)."""
import copy
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conftest import ROOT
from xltool.io import xlsx
from xltool.core import funds, layout, model
from xltool.core.calc.budget import recompute_budget
from xltool.derive import read_budget
from xltool.rollup import consolidate, rollup
from xltool.workbooks import XltoolError

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
INPUT_ROWS = {kind: [rs.key for rs in funds.row_specs(kind) if rs.role != "total"] for kind in funds.TABLE_KINDS}


def write(book, path):
    xlsx.write_plan(layout.plan_workbook(book), path)
    return path


# --- seed 004: 本级 + (全地区 − 本级) = 全地区 ----------------------------------------------------------

@pytest.fixture(scope="module")
def split(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("split")
    region, benji = read_budget(REGION).instance, read_budget(BENJI).instance
    cr, cb = recompute_budget(region), recompute_budget(benji)
    rest = copy.deepcopy(region)
    rest.region, rest.level = "喀什地区下属县市", "全地区"
    for kind, table in rest.tables.items():
        for row in (*table.rows, *table.right_rows):
            a, b = cr.rows[kind][row.key], cb.rows[kind][row.key]
            row.values = [None if a[j] is None and b[j] is None else (a[j] or 0) - (b[j] or 0) for j in range(2)]
            row.percent = None
    rest_path = write(rest, tmp / "下属县市_附表.xlsx")
    report = rollup([BENJI, rest_path], tmp / "汇总.xlsx")
    return region, cr, report


def test_split_rolls_back_up_to_the_region(split):
    region, cr, report = split
    result = read_budget(report.path).instance
    assert (result.region, result.level, result.year) == ("喀什地区", "全地区", 2023)
    cg = recompute_budget(result)
    for kind in funds.TABLE_KINDS:
        assert cg.rows[kind] == cr.rows[kind], kind
    assert cg.cells == cr.cells   # every total and every percentage, recomputed


def test_split_percentages_equal_the_published_ones(split):
    region, _, report = split
    checked = 0
    for kind, table in region.tables.items():
        for row in table.rows:
            if row.percent is not None:
                assert report.book.tables[kind].row(row.key).percent == row.percent, (kind, row.key)
                checked += 1
    assert checked == 69   # of the 124 in seed 004, 69 are 全地区's


def test_split_report(split):
    _, _, report = split
    assert report.mismatches == []
    assert report.lines[-1] == "各单位均未列上下级补助或上解，无内部往来需要抵消"
    # the region's own inconsistencies survive the round trip, nothing else appears
    assert {f.rule for f in report.findings if f.severity == "error"} == {"XT104", "XT130"}


# --- 50 synthetic counties + the prefecture's 本级 --------------------------------------------------

def synthetic(rng, region, level, year=2023):
    """A workbook of random figures (some blank) and, independently, its cells as plain ints."""
    book = model.BudgetWorkbook(region=region, level=level, year=year)
    cells = {}
    for spec in funds.TABLES:
        table = model.BudgetTable(spec.kind, columns=spec.columns_for(year))
        for rs in funds.row_specs(spec.kind):
            values = [None, None]
            if rs.role != "total" and not rs.key.startswith(("in.upper", "in.lower", "out.upper", "out.lower")):
                values = [None if rng.random() < 0.2 else rng.randint(0, 500000) for _ in range(2)]
            cells[(spec.kind, rs.key)] = values
            row = model.BudgetRow(rs.key, rs.label, rs.code, [None if v is None else Decimal(v) for v in values])
            (table.right_rows if rs.key.startswith("out.") else table.rows).append(row)
        book.tables[spec.kind] = table
    return book, cells


def put(book, cells, key, values):
    cells[("balance", key)] = values
    book.tables["balance"].row(key).values = [None if v is None else Decimal(v) for v in values]


@pytest.fixture(scope="module")
def counties(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("counties")
    rng = random.Random(20230)
    top, top_cells = synthetic(rng, "某地区", "本级")
    units = [synthetic(rng, f"第{i:02d}县", "全地区") for i in range(50)]
    subsidies = [[rng.randint(1, 9000), rng.randint(1, 9000)] for _ in units]
    remits = [[rng.randint(1, 900), None if i % 7 == 0 else rng.randint(1, 900)] for i, _ in enumerate(units)]
    for (book, cells), sub, rem in zip(units, subsidies, remits):
        put(book, cells, "in.upper_subsidy", sub)
        put(book, cells, "out.upper_remit", rem)
    paid_down = [sum(s[j] for s in subsidies) for j in range(2)]
    paid_down[0] += 7   # 本级 says it paid 7 more than the counties say they received
    put(top, top_cells, "out.lower_subsidy", paid_down)
    put(top, top_cells, "in.lower_remit", [sum(r[j] or 0 for r in remits) for j in range(2)])
    put(top, top_cells, "in.upper_subsidy", [123456, 234567])   # from the province: external, stays
    paths = [write(top, tmp / "本级.xlsx")] + [write(book, tmp / f"county{i:02d}.xlsx") for i, (book, _) in
                                                enumerate(units)]
    report = rollup(paths, tmp / "汇总.xlsx")
    return [top_cells] + [cells for _, cells in units], report


def expected_sums(all_cells):
    """Independently: Σ per input cell, blank + blank = blank."""
    out = {}
    for (kind, key), _ in all_cells[0].items():
        for j in range(2):
            present = [cells[(kind, key)][j] for cells in all_cells if cells[(kind, key)][j] is not None]
            out[(kind, key, j)] = sum(present) if present else None
    return out


def test_fifty_counties_sum(counties):
    all_cells, report = counties
    expected = expected_sums(all_cells)
    result = read_budget(report.path).instance
    assert result.level == "全地区" and result.region == "某地区"
    transfers = ("in.upper_subsidy", "out.lower_subsidy", "in.lower_remit", "out.upper_remit")
    checked = 0
    for (kind, key, j), value in expected.items():
        if key in INPUT_ROWS[kind] and key not in transfers:
            row = result.tables[kind].row(key)
            assert row.values[j] == (None if value is None else Decimal(value)), (kind, key, j)
            checked += 1
    assert checked == 2 * sum(len(keys) for keys in INPUT_ROWS.values()) - 2 * len(transfers)


def test_fifty_counties_totals_and_percentages(counties):
    all_cells, report = counties
    expected = expected_sums(all_cells)
    book = report.book
    for kind in ("income_plan", "expenditure_exec", "surplus_plan"):
        for j in range(2):
            parts = [expected[(kind, f.key, j)] for f in funds.FUNDS if expected[(kind, f.key, j)] is not None]
            assert book.tables[kind].row("total").values[j] == Decimal(sum(parts))
        for key in INPUT_ROWS[kind]:
            v0, v1 = expected[(kind, key, 0)], expected[(kind, key, 1)]
            if v0:   # percentages are recomputed from the sums, half-up, never added
                want = (Decimal(v1 or 0) * 100 / Decimal(v0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                assert book.tables[kind].row(key).percent == want, (kind, key)
    fund_in = [expected[("balance", f"in.{f.key}", 1)] or 0 for f in funds.FUNDS]
    assert book.tables["balance"].row("in.total").values[1] == Decimal(sum(fund_in))


def test_fifty_counties_transfers_net_out(counties):
    all_cells, report = counties
    rest = all_cells[1:]
    balance = report.book.tables["balance"]
    received = [sum(c[("balance", "in.upper_subsidy")][j] for c in rest) for j in range(2)]
    remitted = [sum(c[("balance", "out.upper_remit")][j] or 0 for c in rest) for j in range(2)]
    # 上级补助: internal subsidies gone, the province's stays; the 7 nobody received stays, reported
    assert balance.row("in.upper_subsidy").values == [Decimal(123456), Decimal(234567)]
    assert balance.row("out.lower_subsidy").values == [Decimal(7), Decimal(0)]
    assert balance.row("in.lower_remit").values == [Decimal(0), Decimal(0)]
    assert balance.row("out.upper_remit").values == [Decimal(0), Decimal(0)]
    nets = {(t.lower_key, t.column): t for t in report.transfers}
    sub0 = nets[("in.upper_subsidy", "2022年执行数")]
    assert (sub0.lower_total, sub0.upper_total, sub0.netted, sub0.remainder) == (
        received[0], received[0] + 7, received[0], -7)
    assert nets[("out.upper_remit", "2023年预算数")].netted == remitted[1]
    assert any("相差 -7" in line for line in report.lines)
    # netting takes the same amount off both sides: 收入总计 − 支出总计 is unchanged
    calc = recompute_budget(report.book)
    for j in range(2):
        raw_in = sum((c[("balance", k)][j] or 0) for c in all_cells for k in
                     ("in.carry_over", "in.upper_subsidy", "in.lower_remit", *[f"in.{f.key}" for f in funds.FUNDS]))
        raw_out = sum((c[("balance", k)][j] or 0) for c in all_cells for k in
                      ("out.year_end", "out.lower_subsidy", "out.upper_remit", *[f"out.{f.key}" for f in funds.FUNDS]))
        assert (calc.value("balance", "in.grand_total", j) - calc.value("balance", "out.grand_total", j)
                == raw_in - raw_out)


# --- structure ---------------------------------------------------------------------------------------

def test_missing_table_and_different_years():
    rng = random.Random(1)
    a, _ = synthetic(rng, "甲县", "全地区")
    b, _ = synthetic(rng, "乙县", "全地区")
    del b.tables["surplus_exec"]
    book, mismatches, _ = consolidate([a, b], ["甲", "乙"])
    assert [(m.severity, m.key) for m in mismatches if m.severity == "warning"] == [("warning", "surplus_exec")]
    for key in INPUT_ROWS["surplus_exec"]:   # summed over the books that have the table
        assert book.tables["surplus_exec"].row(key).values == a.tables["surplus_exec"].row(key).values
    c, _ = synthetic(rng, "丙县", "全地区", year=2024)
    with pytest.raises(XltoolError):
        consolidate([a, c])


def test_top_must_be_among_the_inputs(tmp_path):
    with pytest.raises(XltoolError):
        rollup([REGION], tmp_path / "x.xlsx", top=BENJI)
