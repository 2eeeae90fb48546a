"""Weights (分值 / 指标分值权重) typed as a clerk types them (issue 12): ``20%`` in Excel is 0.2 with a
percent format and means 20 points — the weights of a form add up to 100 points (DOMAIN.md: 90 for the
indicators of a project target table, 10 for 预算执行率). The reader, the formulas (a hidden helper per
row gives each weight in points, ×100 for a percent-formatted cell) and the checks agree, proved by
LibreOffice recalculating the files.

The project target table below is typed like seed 003's projects (weights summing to 90): 20 as
``20%`` (cell style ``0%``), 30 as text ``"30"``, 20 as a number, 10 as ``10.00%`` and 10 as full-width
text ``１０``.
"""
from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

import libreoffice
from test_clerk_typing import _self_evaluation
from xltool import process, workbooks

D = Decimal
ROWS = [("产出指标", "数量指标", "发放人数", "≥200人", (D("0.2"), "0%")),
        ("产出指标", "质量指标", "发放准确率", "=100%", "30"),
        ("产出指标", "时效指标", "发放及时率", "=100%", 20),
        ("效益指标", "社会效益指标", "生活水平", "有效提高", (D("0.1"), "0.00%")),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "１０")]
POINTS = [D(20), D(30), D(20), D(10), D(10)]     # 90, as in every seed 003 project


def project_target(path, rows=ROWS):
    workbooks.write_template("project-target", path, 2023)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "一级指标")
    weight = next(c for c in range(1, 20) if ws.cell(header, c).value == "指标分值权重")
    for n, (a, b, c, target, w) in enumerate(rows):
        r = header + 1 + n
        for col, value in enumerate((a, b, c, target), start=1):
            ws.cell(r, col).value = value
        cell = ws.cell(r, weight)
        if isinstance(w, tuple):
            cell.value, cell.number_format = w      # the clerk typed 20%: Excel stores 0.2, format 0%
        else:
            cell.value = w
    for label, value in (("预算单位", "某市人力资源和社会保障局"), ("项目名称", "城乡居民养老保险补助"),
                         ("年度预算总额", 1012)):
        r, c = next((cell.row, cell.column) for row in ws.iter_rows(max_row=10) for cell in row
                    if cell.value == label)
        ws.cell(r, c + 1).value = value
    wb.save(path)
    return path


def cell_value(path, read, key, data_only=True):
    sheet, r, c = read.cells[key]
    return openpyxl.load_workbook(path, data_only=data_only)[sheet].cell(r, c).value


def test_percent_formatted_weights_are_points_everywhere(tmp_path):
    path = project_target(tmp_path / "typed.xlsx")
    (read,) = workbooks.read_workbook(path)
    assert [ind.weight for ind in read.instance.indicators] == POINTS
    result = process.evaluate_file(path)
    (evaluation,) = result.evaluations
    assert evaluation.computed["weight_sum"] == 90
    assert [evaluation.computed[f"ind.{i}.h_w"] for i in range(5)] == POINTS
    rules = {f.rule for f in result.findings}
    assert "XT106" not in rules                       # 90 points: the weights are right
    assert {f.cell for f in result.findings if f.rule == "XT121"} == {
        "".join(map(str, (openpyxl.utils.get_column_letter(read.cells[f"ind.{i}.weight"][2]),
                          read.cells[f"ind.{i}.weight"][1]))) for i in (1, 4)}
    formula = cell_value(path, read, "weight_sum", data_only=False)
    helper = openpyxl.utils.get_column_letter(read.cells["ind.0.h_w"][2])
    assert formula.startswith("=") and f"SUM({helper}" in formula


def test_weights_that_do_not_make_90_points_are_reported_in_points(tmp_path):
    rows = [*ROWS[:4], (*ROWS[4][:4], (D("0.05"), "0%"))]      # 满意度 typed as 5%: 85 points
    result = process.evaluate_file(project_target(tmp_path / "short.xlsx", rows))
    (xt106,) = [f for f in result.findings if f.rule == "XT106"]
    assert "85" in xt106.message and "90" in xt106.message


@pytest.mark.libreoffice
def test_libreoffice_adds_the_weights_as_xltool_does(tmp_path):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    typed = project_target(tmp_path / "typed.xlsx")
    numbers_only = project_target(tmp_path / "numbers.xlsx",
                                  [(*row[:4], (D(int(p)) / 100, "0%") if isinstance(row[4], str) else row[4])
                                   for row, p in zip(ROWS, POINTS)])
    out = tmp_path / "recomputed.xlsx"
    process.recompute_file(typed, out)
    evaluation_path = tmp_path / "se_recomputed.xlsx"
    se, _ = _self_evaluation(tmp_path, [("产出指标", "数量指标", "发放率", "≥95%", "正向", (D("0.96"), "0%"),
                                             (D("0.2"), "0%")),
                                            ("产出指标", "数量指标", "参保人数", "≥200人", "正向", 150,
                                             (D("0.3"), "0.0%"))],
                                 **{"预算数": 16244, "执行数": 10049})
    process.recompute_file(se, evaluation_path)
    lo = dict(zip(("typed", "numbers", "out", "se"),
                  libreoffice.recalc([typed, numbers_only, out, evaluation_path], tmp_path / "lo")))
    (read,) = workbooks.read_workbook(out)
    # text weights are skipped by the spreadsheet (XT121) until xltool writes them back as numbers
    assert cell_value(lo["typed"], read, "weight_sum") == 50
    assert cell_value(lo["numbers"], read, "weight_sum") == 90
    assert cell_value(lo["out"], read, "weight_sum") == 90
    assert cell_value(out, read, "weight_sum") == 90
    assert [cell_value(lo["out"], read, f"ind.{i}.h_w") for i in range(5)] == [20, 30, 20, 10, 10]
    # re-saved by LibreOffice, the file still reads 90 points
    assert [ind.weight for ind in workbooks.read_workbook(lo["typed"])[0].instance.indicators] == POINTS
    # self-evaluation: 分值 typed as 20% / 30.0% scores in points, in xltool and in LibreOffice
    (se_read,) = workbooks.read_workbook(evaluation_path)
    assert [ind.weight for ind in se_read.instance.indicators] == [20, 30]
    # 96% ≥ 95% → full 20; 150 of 200 people → 30 × 150 / 200 = 22.5 (DOMAIN.md Scoring, 正向)
    for key, want in (("ind.0.score", 20), ("ind.1.score", D("22.5"))):
        assert cell_value(evaluation_path, se_read, key) == want
        assert cell_value(lo["se"], se_read, key) == want
    total = cell_value(lo["se"], se_read, "total_score")
    # 预算执行率 10049 / 16244 = 61.86% → 10 × 0.6186… = 6.19 (seed 002 fund 4); 6.19 + 20 + 22.5
    assert total == cell_value(evaluation_path, se_read, "total_score") and D(str(total)) == D("48.69")
