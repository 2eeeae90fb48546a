"""derive-targets writes live formulas over the 附表's 万元 figures (issue 12).

The 测算值 of a derived 区域绩效目标表 divides the 附表's figures in 万元 (seed 004 城乡居民养老:
(71171 − 70667) / 71171 = 0.71%), which the table's own 亿元 amounts cannot reproduce ((7.11 − 7.06) /
7.11 = 0.70%). The figures stay in hidden helper cells (``xlt附表分子（万元）`` / ``xlt附表分母（万元）``)
and 测算值 / 是否达标 are formulas over them, so: derive → check → recompute → check gives no XT123
and the same figures, and LibreOffice recalculating the files gives xltool's values cell for cell.

Golden figures are seed 004's (表五/表六/表七, 2023 本年预算数, 万元), worked by hand:
城乡居民养老 35926 / 112832 = 31.84%, 70667 / 71171 = 99.29%, 504 / 71171 = 0.71%,
431145 × 12 / 71171 = 72.69 个月, 35926 → 3.59 亿元, 70667 → 7.06 亿元; 城乡居民医保 (大病保险支出
itemised) (440913 − 392207 − 45726) / 440913 = 0.68%, 401119 × 12 / 440913 = 10.92 个月.
"""
from __future__ import annotations

import shutil

import openpyxl
import pytest

import libreoffice
from conftest import ROOT
from test_fresh_formulas import agreement
from xltool import process, workbooks
from xltool.derive import derive_targets

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
REGION_TARGETS = sorted(WB.glob("004_0[3-6]_*.xlsx"))

GOLDEN = {
    "resident_pension": {"社会保险费收入": ("3.59亿元", "达标"), "社会保险待遇支出": ("7.06亿元", "达标"),
                         "社会保险费收入占基金收入比重": ("31.84%", "达标"),
                         "社会保险待遇支出占基金支出比重": ("99.29%", "达标"),
                         "其他支出占基金支出比重": ("0.71%", "需人工判断"),    # ≤0.6%: an upper bound above it
                         "基金静态可支付月数": ("72.69个月", "达标")},
    "resident_medical": {"其他支出占基金支出比重": ("0.68%", "达标"), "基金静态可支付月数": ("10.92个月", "达标")},
}


def shown(path, data_only=True) -> dict[str, tuple]:
    """三级指标 → (测算值, 是否达标) as the file stores them (cached values; data_only=False: formulas)."""
    (read,) = workbooks.read_workbook(path)
    book = openpyxl.load_workbook(path, data_only=data_only)
    out = {}
    for i, ind in enumerate(read.instance.indicators):
        sheet, r, c = read.cells[f"ind.{i}.measured"]
        _, r2, c2 = read.cells[f"ind.{i}.judgement"]
        out[ind.level3] = (book[sheet].cell(r, c).value, book[sheet].cell(r2, c2).value)
    return out


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("derived")
    given = {r.fund: r.path for r in derive_targets(REGION, tmp / "given", REGION_TARGETS)}
    new = {r.fund: r.path for r in derive_targets(BENJI, tmp / "new")}
    return tmp, given, new


def test_derived_cells_are_formulas_over_the_appendix_figures(derived):
    _, given, _ = derived
    formulas = shown(given["resident_pension"], data_only=False)
    for name in GOLDEN["resident_pension"]:
        measured, judgement = formulas[name]
        assert str(measured).startswith("=") and str(judgement).startswith("="), (name, measured, judgement)
    (read,) = workbooks.read_workbook(given["resident_pension"])
    basis = {ind.level3: ind.source_wan for ind in read.instance.indicators if ind.source_wan}
    assert basis["其他支出占基金支出比重"] == (504, 71171)
    assert basis["基金静态可支付月数"] == (431145, 71171)
    assert basis["社会保险费收入"] == (35926, None)


@pytest.mark.parametrize("which", ["given", "new"])
def test_derive_check_recompute_check_round_trip(derived, which, tmp_path):
    _, given, new = derived
    paths = given if which == "given" else new
    for fund, path in paths.items():
        before = shown(path)
        assert not [f for f in process.evaluate_file(path).findings if f.rule == "XT123"], path.name
        out = tmp_path / path.name
        result = process.recompute_file(path, out)
        assert not [f for f in result.findings if f.rule == "XT123"], path.name
        assert not [f for f in process.evaluate_file(out).findings if f.rule == "XT123"], path.name
        after = shown(out)
        assert after == before, path.name
        for name, golden in GOLDEN.get(fund, {}).items() if which == "given" else ():
            assert after[name] == golden, (fund, name)


def _typed(source, path, indicator: str, field: str, value):
    """A copy of ``source`` at ``path`` with ``value`` typed into one indicator's cell (``ind.N.field``)."""
    shutil.copy(source, path)
    (read,) = workbooks.read_workbook(path)
    i = [ind.level3 for ind in read.instance.indicators].index(indicator)
    sheet, r, c = read.cells[f"ind.{i}.{field}"]
    wb = openpyxl.load_workbook(path)
    wb[sheet].cell(r, c).value = value
    wb.save(path)
    return path


def test_a_value_typed_over_a_derived_cell_gets_the_appendix_figure_back(derived, tmp_path):
    _, given, _ = derived
    path = _typed(given["resident_pension"], tmp_path / "typed.xlsx", "其他支出占基金支出比重", "measured", "0.5%")
    result = process.recompute_file(path, tmp_path / "out.xlsx")
    (typed,) = [f for f in result.findings if f.rule == "XT123"]
    assert (typed.found, typed.expected) == ("0.5%", "0.71%")
    assert shown(tmp_path / "out.xlsx")["其他支出占基金支出比重"] == ("0.71%", "需人工判断")
    assert str(shown(tmp_path / "out.xlsx", data_only=False)["其他支出占基金支出比重"][0]).startswith("=")


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_derived_figures(derived, tmp_path):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    _, given, new = derived
    flat = tmp_path / "in"
    flat.mkdir()
    sources = []
    for tag, paths in (("given", given), ("new", new)):
        for fund, path in paths.items():
            sources.append(flat / f"{tag}_{fund}.xlsx")
            shutil.copy(path, sources[-1])
            recomputed = flat / f"recomputed_{tag}_{fund}.xlsx"
            process.recompute_file(path, recomputed)
            sources.append(recomputed)
    # 70600 万元 is 7.0599999… in binary: the truncation to 亿元 must still give 7.06 (against 3.59亿元±5%)
    edge = _typed(given["resident_pension"], flat / "edge.xlsx", "社会保险费收入", "h_wnum", 70600)
    process.recompute_file(edge, edge)
    assert shown(edge)["社会保险费收入"] == ("7.06亿元", "未达标")
    sources.append(edge)
    outs = libreoffice.recalc(sources, tmp_path / "lo")
    total = 0
    for ours, theirs in zip(sources, outs):
        compared, wrong = agreement(ours, theirs)
        assert not wrong, wrong
        total += compared
    assert total > 300
    lo = dict(zip([p.name for p in sources], outs))
    pension = shown(lo["given_resident_pension.xlsx"])
    for name, golden in GOLDEN["resident_pension"].items():
        assert pension[name] == golden, name
    assert shown(lo["given_resident_medical.xlsx"])["其他支出占基金支出比重"] == ("0.68%", "达标")
    assert shown(lo["edge.xlsx"])["社会保险费收入"] == ("7.06亿元", "未达标")
