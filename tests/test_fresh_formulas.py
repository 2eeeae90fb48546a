"""Fresh formulas recalculated: every template as generated now, filled in, and every seed as
imported now, opened in LibreOffice, which recalculates every formula itself (tests/libreoffice.py
forces it): each formula cell must equal xltool's own value for that cell.

``test_committed_template_does_not_drift`` compares templates with committed files the same code
produced; this test is the independent guard: a formula summing the wrong range, a wrong
rounding in a formula, or a formula on the wrong cell shows as a disagreement with the pure-Python
computation. (Helper tests of random fills live in their own files; this one is about what
``xltool template`` and ``xltool import`` write today.) One LibreOffice run converts all files.
"""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from conftest import SEEDS
from xltool import marks, process, workbooks
from xltool.core import layout, model

pytestmark = pytest.mark.libreoffice
YEAR = 2023
HALF = (40000, 41714)   # 41714 / 40000 = 104.285%: half-up 104.29, half-even and truncation 104.28


def _fill_value(form: str, field: str, rnd: random.Random, n_indicators: int):
    if form == model.BUDGET_TABLES:
        if field.endswith(".resident_pension.0"):
            return HALF[0]
        if field.endswith(".resident_pension.1"):
            return HALF[1]
        return None if rnd.random() < 0.15 else rnd.randint(0, 900000)
    if field.startswith("ind."):
        _, i, column = field.split(".")
        i = int(i)
        return {"level1": "产出指标", "level2": "数量指标", "level3": f"参保人数{i}", "target": f"≥{400 + i}人",
                "actual": f"{397 + i}人", "weight": 90 // n_indicators + (90 % n_indicators if i == 0 else 0),
                "scoring_rule": "按照正常比例赋分", "direction": "正向", "last_year": f"{390 + i}人"}.get(column, f"说明{i}")
    if field in layout.MONEY_FIELDS or field.endswith("_yi"):
        return {"budget": 8000, "executed": 4996, "total": 1012}.get(field, rnd.randint(1, 5000))
    if field == "execution_weight":
        return 10
    return f"{field}内容"


def fill_template(form: str, path: Path) -> Path:
    """A template generated now, every input cell typed in (deterministically)."""
    workbooks.write_template(form, path, YEAR)
    plan = layout.plan_workbook(layout.blank_instance(form, YEAR))
    wb = openpyxl.load_workbook(path)
    rnd = random.Random(18)
    for sheet in plan.sheets:
        inputs = [c for c in sheet.cells if c.style == "input" and c.field]
        n = len({c.field.split(".")[1] for c in inputs if c.field.startswith("ind.")}) or 1
        for c in inputs:
            wb[sheet.name].cell(c.row, c.col).value = _fill_value(form, c.field, rnd, n)
    wb.save(path)
    return path


def formula_count(path: Path) -> int:
    wb = openpyxl.load_workbook(path)
    return sum(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def agreement(ours: Path, theirs: Path) -> tuple[int, list[str]]:
    """(formula cells compared, disagreements) between xltool's values and LibreOffice's; every
    formula of the workbook is one of xltool's computed cells and is compared."""
    formulas = openpyxl.load_workbook(ours)
    values = openpyxl.load_workbook(theirs, data_only=True)
    compared, wrong = 0, []
    for evaluation in process.evaluate_file(ours).evaluations:
        # F1 rows that are not a derived share: their 测算值 is the clerk's, the formula shows blank
        blank = {k: None for k in evaluation.read.cells if k.endswith((".measured", ".judgement"))
                 and k not in evaluation.computed and evaluation.read.form == model.REGIONAL_TARGET}
        for key, value in {**evaluation.computed, **blank}.items():
            sheet, r, c = evaluation.read.cells[key]
            if formulas[sheet].cell(r, c).data_type != "f":
                continue
            lo = values[sheet].cell(r, c).value
            compared += 1
            if value is None:
                ok = lo in (None, "")
            elif isinstance(value, bool) or isinstance(lo, bool):
                ok = lo == value
            elif isinstance(lo, (int, float)) and not isinstance(value, str):
                got = Decimal(repr(lo * 100 if marks.is_percent_key(key) else lo))
                ok = got.quantize(Decimal(1).scaleb(-2)) == Decimal(value).quantize(Decimal(1).scaleb(-2))
            else:
                ok = str(lo) == str(value)
            if not ok:
                wrong.append(f"{ours.name} {sheet}!{openpyxl.utils.get_column_letter(c)}{r} {key}: "
                             f"xltool {value}, LibreOffice {lo!r} ({formulas[sheet].cell(r, c).value})")
    assert compared == formula_count(ours), f"{ours.name}: a formula cell that is not a computed cell"
    return compared, wrong


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("fresh")
    (tmp / "templates").mkdir()
    templates = [fill_template(form, tmp / "templates" / f"{form}.xlsx") for form in model.FORM_IDS]
    # The self-evaluation's formulas read the parsed 指标值 from helper cells that xltool fills when
    # it makes or recomputes a workbook (a 指标值 typed into a blank template is parsed on the first
    # recompute): the filled template is recomputed once before LibreOffice recalculates it.
    # The 项目支出绩效自评表 (10号) likewise keeps the parsed 指标值 and text actuals in its helper columns.
    for se in [p for p in templates if p.stem in (model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION)]:
        process.recompute_file(se, se)
    imported = []
    for seed in sorted(SEEDS.glob("*.txt")):
        imported += workbooks.import_seed(seed, tmp / "imported")[0]
    sources = templates + imported
    outs = libreoffice.recalc(sources, tmp / "lo")
    return dict(zip(sources, outs)), templates, imported


def test_fresh_templates_agree_with_libreoffice(recalculated):
    pairs, templates, _ = recalculated
    counts = {}
    for path in templates:
        counts[path.stem], wrong = agreement(path, pairs[path])
        assert not wrong, "\n".join(wrong)
    assert counts["budget-tables"] >= 150         # every 合计 and every percentage of the seven 附表
    assert counts["project-target"] >= 1          # 权重合计 over every indicator row


def test_fresh_template_half_percent_in_libreoffice(recalculated):
    """41714 / 40000 in a fresh 附表: LibreOffice's ROUND(…, 4) shows 104.29%, as xltool does."""
    pairs, templates, _ = recalculated
    (path,) = [p for p in templates if p.stem == model.BUDGET_TABLES]
    lo = openpyxl.load_workbook(pairs[path], data_only=True)
    plan = {c.field: c for s in layout.plan_workbook(layout.blank_instance(model.BUDGET_TABLES, YEAR)).sheets
            for c in s.cells if c.field}
    cell = plan["income_exec.resident_pension.pct"]
    assert Decimal(repr(lo["收入执行"].cell(cell.row, cell.col).value)) == Decimal("1.0429")


def test_fresh_imports_agree_with_libreoffice(recalculated):
    pairs, _, imported = recalculated
    assert len(imported) >= 27
    total = 0
    for path in imported:
        n, wrong = agreement(path, pairs[path])
        assert not wrong, "\n".join(wrong)
        total += n
    assert total > 200
