"""Templates: generated from the form specs, committed, and stable through LibreOffice."""
import zipfile
from pathlib import Path

import pytest

import libreoffice
from conftest import ROOT
from xltool import workbooks
from xltool.io import xlsx
from xltool.core import layout, model, reader

TEMPLATES = ROOT / "templates"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


COMMITTED = [(form, f"{form}.xlsx", {}) for form in model.FORM_IDS] + [
    (model.BUDGET_TABLES, "budget-tables-benji.xlsx", {"level": "本级"})]


@pytest.mark.parametrize("form, name, options", COMMITTED, ids=[c[1] for c in COMMITTED])
def test_committed_template_does_not_drift(form, name, options, tmp_path):
    fresh = workbooks.write_template(form, tmp_path / name, **options)
    flags = " --level 本级" if options else ""
    assert parts(fresh) == parts(TEMPLATES / name), (
        f"templates/{name} drifted from the form spec: regenerate with "
        f"`xltool template {form}{flags} -o templates/{name} --overwrite`")


@pytest.mark.parametrize("form", model.FORM_IDS)
def test_template_marks_form_and_roles(form):
    grid = xlsx.read_grid(TEMPLATES / f"{form}.xlsx")
    assert reader.read_meta(grid)["form"] == form
    assert reader.read_meta(grid)["version"] == layout.FORMAT_VERSION
    assert "xlt_form" in grid.names
    assert any(name.endswith("!xlt_input") for name in grid.names)
    forms = reader.read_book(grid)
    assert [f.form for f in forms] == [form]


def test_template_has_dropdowns_and_print_setup():
    import openpyxl
    wb = openpyxl.load_workbook(TEMPLATES / "project-target.xlsx")
    ws = wb["项目绩效目标表"]
    choices = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any("按照正常比例赋分" in c for c in choices)
    assert any("正向" in c and "反向" in c for c in choices)
    assert any("产出指标" in c for c in choices)
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows
    assert ws.merged_cells.ranges


def test_self_evaluation_template_layout():
    grid = xlsx.read_grid(TEMPLATES / "self-evaluation.xlsx")
    sheet = grid.sheets[0]
    labels = {str(v) for v in sheet.cells.values()}
    for label in ("预算数", "执行数", "执行率", "预算执行率分值", "预算执行率得分", "年度指标值", "实际完成值",
                  "分值", "得分", "偏差原因分析及改进措施", "总分", "等级"):
        assert label in labels


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_templates_survive_libreoffice(tmp_path):
    sources = [TEMPLATES / f"{form}.xlsx" for form in model.FORM_IDS]
    for src, out in zip(sources, libreoffice.recalc(sources, tmp_path)):
        before, after = xlsx.read_grid(src), xlsx.read_grid(out)
        assert reader.read_meta(after) == reader.read_meta(before)
        a, b = reader.read_book(before), reader.read_book(after)
        assert [x.instance for x in a] == [x.instance for x in b]
        assert [x.cells for x in a] == [x.cells for x in b]
        assert {k for k in after.names} >= {k for k in before.names}
