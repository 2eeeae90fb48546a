"""The command line: arguments, output and exit codes (0 fine, 1 errors found, 2 unreadable/misuse)."""
import json
import shutil

from click.testing import CliRunner

from conftest import ROOT, SEEDS
from xltool.cli import app

runner = CliRunner()
WB = ROOT / "workbooks"


def test_template_and_unknown_form(tmp_path):
    result = runner.invoke(app, ["template", "self-evaluation", "-o", str(tmp_path / "t.xlsx"), "--year", "2025"])
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").exists()
    result = runner.invoke(app, ["template", "nonsense", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "未知表单类型" in result.output


def test_import_seed(tmp_path):
    result = runner.invoke(app, ["import", str(next(SEEDS.glob("003_*.txt"))), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.xlsx"))) == 9


def test_check_text_and_json_exit_codes():
    budget = str(next(WB.glob("004_01_*.xlsx")))
    result = runner.invoke(app, ["check", budget])
    assert result.exit_code == 1
    assert "平衡表!D13 [XT130 错误]" in result.output
    result = runner.invoke(app, ["check", budget, "--format", "json"])
    data = json.loads(result.output)
    assert set(data[0]) == {"rule", "severity", "file", "sheet", "cell", "related", "message", "expected", "found"}
    result = runner.invoke(app, ["check", "/no/such/file.xlsx"])
    assert result.exit_code == 2 and "无法读取文件" in result.output
    result = runner.invoke(app, ["check", budget, "--format", "xml"])
    assert result.exit_code == 2


def test_recompute_outdir_and_in_place(tmp_path):
    src = next(WB.glob("004_01_*.xlsx"))
    before = src.read_bytes()
    result = runner.invoke(app, ["recompute", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and (tmp_path / "out" / src.name).exists()
    assert src.read_bytes() == before   # the input is never touched
    copy = tmp_path / "copy.xlsx"
    shutil.copy(src, copy)
    result = runner.invoke(app, ["recompute", str(copy), "--in-place"])
    assert (tmp_path / "copy.bak.xlsx").read_bytes() == before
    assert copy.read_bytes() != before
    result = runner.invoke(app, ["recompute", str(copy)])
    assert result.exit_code == 2


def test_run_main_job_on_bundled_seeds(tmp_path):
    result = runner.invoke(app, ["run", str(SEEDS), "-o", str(tmp_path)])
    assert result.exit_code == 1, result.output   # the seeds contain errors (XT130 …): same code as `check`
    assert len(list((tmp_path / "recomputed").glob("*.xlsx"))) == 29
    import csv
    rows = list(csv.DictReader((tmp_path / "findings.csv").open(encoding="utf-8-sig")))
    assert sum(row["规则"] == "XT130" for row in rows) == 2


def test_budget_commands(tmp_path):
    region, benji = str(next(WB.glob("004_01_*.xlsx"))), str(next(WB.glob("004_02_*.xlsx")))
    result = runner.invoke(app, ["explain", region, benji, "-o", str(tmp_path / "说明.md")])
    assert result.exit_code == 0, result.output
    assert "预算总收入 1268642 万元" in (tmp_path / "说明.md").read_text(encoding="utf-8")
    assert (tmp_path / "说明.html").exists()
    result = runner.invoke(app, ["derive-targets", region, "-o", str(tmp_path / "targets")])
    assert result.exit_code == 0 and len(list((tmp_path / "targets").glob("*.xlsx"))) == 4
    result = runner.invoke(app, ["rollup", benji, "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 1 and (tmp_path / "r.xlsx").exists()   # the 本级 tables' own errors (XT130 …)


def test_addin_build(tmp_path):
    result = runner.invoke(app, ["addin", "build", "-o", str(tmp_path / "xltool.xlam")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xltool.xlam").exists() and not (tmp_path / "XltoolRibbon.bas").exists()
    from xltool.excel import addin
    assert addin.missing_callbacks(tmp_path / "xltool.xlam") == set()   # the callbacks are inside


def test_bundle_help_names_the_default_pythons():
    from xltool.excel.bundle import PYTHONS

    result = runner.invoke(app, ["addin", "bundle", "--help"], terminal_width=200)
    assert f"默认 {PYTHONS[0]}–{PYTHONS[-1]}" in result.output, result.output
