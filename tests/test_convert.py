"""Bulk conversion of a folder: good, bad (corrupt, wrong form, password-protected) and legacy .xls files."""
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import libreoffice
from conftest import ROOT
from xltool.cli import app
from xltool.convert import walk

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
import make_corpus  # noqa: E402

WB = ROOT / "workbooks"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("in")
    (root / "县甲").mkdir()
    shutil.copy(next(WB.glob("004_01_*.xlsx")), root / "县甲" / "附表.xlsx")
    shutil.copy(next(WB.glob("003_02_*.xlsx")), root / "项目2.xlsx")
    bad = tmp_path_factory.mktemp("bad")
    make_corpus.make(bad)
    for name in ("truncated.xlsx", "unknown_form.xlsx", "password.xlsx"):
        shutil.copy(bad / name, root / name)
    if libreoffice.available():
        libreoffice.recalc([next(WB.glob("003_01_*.xlsx"))], root / "旧版", to="xls")
    return root


def summary_rows(path):
    ws = openpyxl.load_workbook(path)["文件汇总"]
    return {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("extra", [[], ["--check-only"], ["--jobs", "1"]])
def test_convert_folder(folder, tmp_path, extra):
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = CliRunner().invoke(app, ["convert", str(folder), "-o", str(tmp_path), *extra])
    assert result.exit_code == 2, result.output          # some inputs could not be read
    rows = summary_rows(tmp_path / "汇总.xlsx")
    assert list(rows) == [str(p.relative_to(folder)) for p in walk(folder)]   # input order, one row per file
    assert rows["县甲/附表.xlsx"][1] == "预算附表" and rows["县甲/附表.xlsx"][3] == "有错误"
    assert rows["项目2.xlsx"][1] == "项目支出绩效目标表"
    assert rows["truncated.xlsx"][3] == "失败" and "文件已损坏" in rows["truncated.xlsx"][7]
    assert rows["unknown_form.xlsx"][3] == "失败" and "无法识别表单类型" in rows["unknown_form.xlsx"][7]
    assert rows["password.xlsx"][3] == "失败" and "密码" in rows["password.xlsx"][7]
    if libreoffice.available():
        legacy = rows["旧版/003_01_" + next(WB.glob("003_01_*.xlsx")).name[7:-5] + ".xls"]
        assert legacy[1] == "项目支出绩效目标表" and legacy[3] != "失败"
        if "--check-only" not in extra:   # the .xls became an .xlsx: the row says what it could not keep
            assert "未能保留" in legacy[7] and "公式" in legacy[7]
    if "--check-only" not in extra:
        assert (tmp_path / "县甲" / "附表.xlsx").exists()
        if libreoffice.available():
            assert list((tmp_path / "旧版").glob("*.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    assert wb["全部问题"].auto_filter.ref and wb["按规则统计"]._charts
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before   # inputs untouched


def test_dask_cluster_gives_the_same_results(folder, tmp_path):
    distributed = pytest.importorskip("distributed")
    from xltool import convert as bulk

    local = bulk.convert(folder, tmp_path / "local", jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = bulk.convert(folder, tmp_path / "remote", scheduler=cluster.scheduler_address)
    assert [(r.file, r.form, r.status, r.errors, r.warnings) for r in remote.rows] == \
           [(r.file, r.form, r.status, r.errors, r.warnings) for r in local.rows]
    assert remote.by_rule == local.by_rule and remote.by_severity == local.by_severity
    assert sheet_rows(remote.summary_path, "全部问题") == sheet_rows(local.summary_path, "全部问题")
    assert sheet_rows(local.summary_path, "全部问题")   # the comparison is not vacuous
    for path in (tmp_path / "local").rglob("*.xlsx"):
        if path.name != "汇总.xlsx":
            twin = tmp_path / "remote" / path.relative_to(tmp_path / "local")
            assert summary_cells(path) == summary_cells(twin)


def sheet_rows(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    return sorted(ws.iter_rows(min_row=2, values_only=True), key=repr)


def summary_cells(path):
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_run_leaves_no_partial_summary(folder, tmp_path, jobs):
    from xltool import convert as bulk

    def stop(row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bulk.convert(folder, tmp_path, jobs=jobs, check_only=True, on_progress=stop)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".xlsx"]   # neither 汇总.xlsx nor its temporary file


def test_walk_lists_workbooks_in_sorted_path_order(tmp_path):
    from xltool.convert import SUFFIXES, walk, walk_names

    for name in ("a-c/x.xlsx", "a/b/y.XLSX", "a/z.xls", "a.xlsx", "b.xlsm", "~$lock.xlsx", ".~lock.xlsx",
                 "..xlsx", ".xlsx", "notes.txt", "a/b.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    expected = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                      and not p.name.startswith(("~$", ".~")))
    assert walk(tmp_path) == expected
    assert walk_names(tmp_path) == [str(p.relative_to(tmp_path)) for p in expected]
    assert walk_names(tmp_path)[:3] == ["..xlsx", "a/b/y.XLSX", "a/z.xls"]   # "a/…" before "a-c/…" and "a.xlsx"


def test_an_output_folder_inside_the_input_folder_is_not_taken_as_input(tmp_path):
    from xltool import convert as bulk

    src = tmp_path / "各单位"
    src.mkdir()
    shutil.copy(next(WB.glob("003_02_*.xlsx")), src / "项目2.xlsx")
    first = bulk.convert(src, src / "结果", jobs=1)
    second = bulk.convert(src, src / "结果", jobs=1, overwrite=True)
    assert [r.file for r in first.rows] == [r.file for r in second.rows] == ["项目2.xlsx"]


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_check_and_recompute_read_a_legacy_xls_directly(folder, tmp_path):
    (legacy,) = (folder / "旧版").glob("*.xls")
    result = CliRunner().invoke(app, ["check", str(legacy)])
    assert result.exit_code in (0, 1), result.output
    assert "无法" not in result.output and "共 1 个文件" in result.output
    result = CliRunner().invoke(app, ["recompute", str(legacy), "-o", str(tmp_path)])
    assert result.exit_code in (0, 1), result.output
    assert openpyxl.load_workbook(tmp_path / (legacy.stem + ".xlsx"))


def test_files_go_to_workers_a_few_small_ones_at_a_time(tmp_path):
    """Tasks of up to CHUNK consecutive files and CHUNK_BYTES; a larger file goes alone; order kept."""
    from xltool import workers

    sizes = {"a": 10, "b": 10, "c": workers.CHUNK_BYTES, **{f"d{k:02d}": 10 for k in range(workers.CHUNK + 2)}}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    chunks = list(workers._chunks(list(sizes), str(tmp_path)))
    assert [n for chunk in chunks for n in chunk] == list(sizes)
    assert ["c"] in chunks and all(len(chunk) <= workers.CHUNK for chunk in chunks)
    assert chunks[0] == ["a", "b"] and len(chunks[2]) == workers.CHUNK
