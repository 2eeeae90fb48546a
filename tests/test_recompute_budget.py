"""Recompute and check the 附表 (F5) of seed 004 against the seed's own published figures."""
from decimal import Decimal

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from xltool import marks, process, workbooks

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))


@pytest.fixture(scope="module")
def results():
    return {name: process.evaluate_file(path) for name, path in (("region", REGION), ("benji", BENJI))}


def test_all_124_published_percentages_are_reproduced(results):
    checked = 0
    for result in results.values():
        (evaluation,) = result.evaluations
        for table in evaluation.read.instance.tables.values():
            for row in table.rows:
                if row.percent is not None:
                    assert evaluation.computed[f"{table.kind}.{row.key}.pct"] == row.percent, (table.number, row.label)
                    checked += 1
    assert checked == 124


def test_blank_102_and_209_are_filled(results):
    computed = results["region"].evaluations[0].computed
    assert [computed[f"balance.in.total.{j}"] for j in (0, 1)] == [1207152, 1268642]
    assert [computed[f"balance.out.total.{j}"] for j in (0, 1)] == [995147, 1151470]
    assert [computed[f"balance.in.grand_total.{j}"] for j in (0, 1)] == [2876731, 3113315]


def test_critical_illness_exceeds_its_total(results):
    for name, sheet in (("region", "支出安排"), ("benji", "支出安排")):
        (finding,) = [f for f in results[name].findings if f.rule == "XT104"]
        assert finding.sheet == sheet and finding.found == "367065" and finding.expected == "≥ 370184"
        assert "313336 + 56848 = 370184" in finding.message


def test_implausible_rates_are_warnings(results):
    rates = {f.found for f in results["benji"].findings if f.rule == "XT110"}
    assert {"646.05%", "1080.87%", "9631.02%", "153.23%"} <= rates
    assert all(f.severity == "warning" for f in results["benji"].findings if f.rule == "XT110")


def test_no_false_errors(results):
    # 全地区 and 本级: the only errors are the 大病保险 overrun (XT104) and the 上年结余 mismatch (XT130); the balance holds, no total or % is wrong.
    for result in results.values():
        assert {f.rule for f in result.findings if f.severity == "error"} == {"XT104", "XT130"}


def cell_values(path):
    wb = openpyxl.load_workbook(path)
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    finally:
        wb.close()


def test_recompute_writes_back_and_is_idempotent(tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    process.recompute_file(REGION, once)
    process.recompute_file(once, twice)
    assert cell_values(once) == cell_values(twice)
    (read,) = workbooks.read_workbook(once)
    assert read.instance.tables["balance"].row("in.total").values == [1207152, 1268642]
    wb = openpyxl.load_workbook(once)
    assert wb["支出安排"]["C14"].comment.text.startswith("【XT104 错误】")
    assert {"XT104", "XT130"} <= {c.value for c in wb["校验结果"]["A"]}
    # input cells are untouched
    before, after = cell_values(REGION), cell_values(once)
    assert all(after[k] == v for k, v in before.items() if k[0] != "_xltool" and v is not None
               and not str(v).startswith("="))


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_libreoffice_recalculation_agrees_with_xltool(tmp_path):
    """Every recomputed seed workbook, recalculated by LibreOffice: each formula cell equals xltool's value."""
    outs = [process.recompute_file(p, tmp_path / p.name) and tmp_path / p.name for p in sorted(WB.glob("*.xlsx"))]
    total = 0
    for ours, theirs in zip(outs, libreoffice.recalc(outs, tmp_path / "lo")):
        (evaluation,) = process.evaluate_file(ours).evaluations
        n = 0
        formulas = openpyxl.load_workbook(ours)
        values = openpyxl.load_workbook(theirs, data_only=True)
        for key, value in evaluation.computed.items():
            sheet, r, c = evaluation.read.cells[key]
            if formulas[sheet].cell(r, c).data_type != "f":
                continue
            lo = values[sheet].cell(r, c).value
            if value is None:
                assert lo in (None, ""), key
            elif marks.is_percent_key(key):
                assert Decimal(repr(lo * 100)).quantize(Decimal("0.01")) == value, key
            elif isinstance(value, (bool, str)):
                assert lo == value, key
            else:
                assert Decimal(repr(lo)).quantize(Decimal("0.000001")) == value.quantize(Decimal("0.000001")), key
            n += 1
        total += n
        if ours.name.startswith("004_0") and ours.name[5] in "12":
            assert n > 100   # the 附表: totals and percentages
        if ours.name.startswith("003_"):   # 权重合计 and each indicator's 分值 in points (hidden helper)
            assert n == 1 + len(evaluation.read.instance.indicators)
    assert total > 200


def test_carry_over_mismatch(results):
    (region,) = [f for f in results["region"].findings if f.rule == "XT130"]
    assert (region.expected, region.found, region.location) == ("1881584", "1844673", "平衡表!D13")
    assert region.related == ["平衡表!G13"]
    (benji,) = [f for f in results["benji"].findings if f.rule == "XT130"]
    assert (benji.expected, benji.found) == ("1289561", "1455189")
