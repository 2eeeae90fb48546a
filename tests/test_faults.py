"""Faults and hostile input (issue 15): nothing lost, nothing overwritten, nothing injected, one file's
failure is that file's alone."""
import csv
import errno
import hashlib
import os
import shutil
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import ROOT
from xltool import convert as bulk
from xltool import marks, process, workbooks
from xltool.cli import app
from xltool.io import atomic
from xltool.io.ooxml import writeback
from xltool.io.ooxml.package import Unsupported

runner = CliRunner()
WB = ROOT / "workbooks"
SEEDS = sorted(WB.glob("*.xlsx"))
BUDGET = next(WB.glob("004_01_*.xlsx"))
TARGET = next(p for p in SEEDS if not p.name.startswith("004"))


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.name.startswith((atomic.PREFIX, ".~"))]


# --- 3. backups once and atomically; backups and own outputs never inputs -------------------------
def test_second_in_place_run_keeps_the_original_backup(tmp_path):
    f = tmp_path / "表.xlsx"
    shutil.copy(TARGET, f)
    original = digest(f)
    assert runner.invoke(app, ["recompute", str(f), "--in-place"]).exit_code in (0, 1)
    backup = tmp_path / "表.bak.xlsx"
    assert digest(backup) == original and digest(f) != original
    assert runner.invoke(app, ["recompute", str(f), "--in-place"]).exit_code in (0, 1)
    assert digest(backup) == original
    assert not leftovers(tmp_path)


def test_folder_in_place_does_not_take_backups_as_input(tmp_path):
    shutil.copy(TARGET, tmp_path / "a.xlsx")
    runner.invoke(app, ["recompute", str(tmp_path), "--in-place"])
    result = runner.invoke(app, ["recompute", str(tmp_path), "--in-place"])
    assert "a.bak.xlsx" not in result.output and "共 1 个文件" in result.output
    assert not (tmp_path / "a.bak.bak.xlsx").exists()
    shutil.copy(BUDGET, tmp_path / "汇总.xlsx")   # convert's summary is not an input either
    assert workbooks.expand_paths([tmp_path]) == [tmp_path / "a.xlsx"]
    assert bulk.walk_names(tmp_path) == ["a.xlsx"]


# --- 4. no silent overwrite -------------------------------------------------------------------
def test_output_folder_equal_to_the_input_folder_is_refused(tmp_path):
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    before = digest(f)
    result = runner.invoke(app, ["recompute", str(f), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "就是输入文件本身" in result.output and str(f) in result.output
    assert digest(f) == before and not (tmp_path / "f.bak.xlsx").exists()


def test_an_output_folder_inside_the_input_folder_is_not_input_next_time(tmp_path):
    shutil.copy(TARGET, tmp_path / "a.xlsx")
    out = tmp_path / "结果"
    assert runner.invoke(app, ["recompute", str(tmp_path), "-o", str(out)]).exit_code in (0, 1)
    again = runner.invoke(app, ["recompute", str(tmp_path), "-o", str(out), "--overwrite"])
    assert "共 1 个文件" in again.output and not (out / "结果").exists()


def test_output_keeps_sub_folders(tmp_path):
    src = tmp_path / "in"
    for sub in ("a", "b"):
        (src / sub).mkdir(parents=True)
        shutil.copy(TARGET if sub == "a" else BUDGET, src / sub / "form.xlsx")
    out = tmp_path / "out"
    result = runner.invoke(app, ["recompute", str(src), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert (out / "a" / "form.xlsx").exists() and (out / "b" / "form.xlsx").exists()
    assert digest(out / "a" / "form.xlsx") != digest(out / "b" / "form.xlsx")


def test_two_inputs_with_one_output_are_both_refused_before_writing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(TARGET, a / "form.xlsx")
    shutil.copy(BUDGET, b / "form.xlsx")
    out = tmp_path / "out"
    result = runner.invoke(app, ["recompute", str(a / "form.xlsx"), str(b / "form.xlsx"), "-o", str(out)])
    assert result.exit_code == 2
    assert str(a / "form.xlsx") in result.output and str(b / "form.xlsx") in result.output
    assert not (out / "form.xlsx").exists()


def test_convert_refuses_xls_beside_xlsx_naming_both(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TARGET, src / "a.xlsx")
    (src / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    shutil.copy(BUDGET, src / "b.xlsx")
    summary = bulk.convert(src, tmp_path / "out", jobs=1)
    rows = {r.file: r for r in summary.rows}
    assert rows["a.xls"].status == rows["a.xlsx"].status == "失败"
    assert "a.xlsx" in rows["a.xls"].reason and "a.xls" in rows["a.xlsx"].reason
    assert rows["b.xlsx"].status != "失败"
    assert not (tmp_path / "out" / "a.xlsx").exists() and (tmp_path / "out" / "b.xlsx").exists()


def test_export_onto_a_workbook_is_refused(tmp_path):
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    before = digest(f)
    result = runner.invoke(app, ["export", str(f), "-o", str(f)])
    assert result.exit_code == 2 and "已拒绝覆盖" in result.output and digest(f) == before
    other = tmp_path / "g.xlsx"
    shutil.copy(BUDGET, other)
    result = runner.invoke(app, ["export", str(f), "-o", str(other)])
    assert result.exit_code == 2 and "不是 xltool 导出的长表" in result.output
    long = tmp_path / "long.xlsx"
    assert runner.invoke(app, ["export", str(f), "-o", str(long)]).exit_code == 0
    again = runner.invoke(app, ["export", str(f), "-o", str(long)])
    assert again.exit_code == 2 and "已存在" in again.output and str(long) in again.output
    assert runner.invoke(app, ["export", str(f), "-o", str(long), "--overwrite"]).exit_code == 0   # asked for


# --- 5. in place means in place ------------------------------------------------------------------
def test_in_place_keeps_permissions(tmp_path):
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    os.chmod(f, 0o600)
    assert runner.invoke(app, ["recompute", str(f), "--in-place"]).exit_code in (0, 1)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "f.bak.xlsx").stat().st_mode) == 0o600


def test_in_place_through_a_symlink_updates_its_target(tmp_path):
    real = tmp_path / "real" / "f.xlsx"
    real.parent.mkdir()
    shutil.copy(TARGET, real)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = digest(real)
    assert runner.invoke(app, ["recompute", str(link), "--in-place"]).exit_code in (0, 1)
    assert link.is_symlink() and os.path.realpath(link) == str(real)
    assert digest(real) != before and marks.FINDINGS_SHEET in openpyxl.load_workbook(real).sheetnames
    assert digest(real.parent / "f.bak.xlsx") == before


def test_in_place_refuses_read_only_files(tmp_path):
    before = digest(TARGET)
    ro = tmp_path / "ro.xlsx"
    shutil.copy(TARGET, ro)
    os.chmod(ro, 0o444)
    result = runner.invoke(app, ["recompute", str(ro), "--in-place"])
    assert result.exit_code == 2 and "只读" in result.output and digest(ro) == before
    assert not (tmp_path / "ro.bak.xlsx").exists()


def test_in_place_rewrites_a_hard_linked_file_so_every_link_sees_it(tmp_path):
    """A hard-linked input keeps its inode: both names show the recomputed workbook, the links are not
    split, permissions and read-only refusal stay; the backup holds the original bytes."""
    f = tmp_path / "单位" / "f.xlsx"
    f.parent.mkdir()
    shutil.copy(TARGET, f)
    os.chmod(f, 0o640)
    g = tmp_path / "另一处" / "g.xlsx"
    g.parent.mkdir()
    os.link(f, g)
    inode, before = f.stat().st_ino, digest(f)
    result = runner.invoke(app, ["recompute", str(f), "--in-place"])
    assert result.exit_code in (0, 1), result.output
    assert f.stat().st_ino == g.stat().st_ino == inode and f.stat().st_nlink == 2
    assert digest(f) == digest(g) != before
    assert marks.FINDINGS_SHEET in openpyxl.load_workbook(g).sheetnames
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert digest(f.parent / "f.bak.xlsx") == before and not (g.parent / "g.bak.xlsx").exists()
    assert not leftovers(tmp_path)
    again = runner.invoke(app, ["recompute", str(g), "--in-place"])   # through the other name: stable
    assert again.exit_code in (0, 1) and f.stat().st_ino == inode and digest(f.parent / "f.bak.xlsx") == before


def test_two_names_of_one_file_in_a_folder_are_recomputed_once(tmp_path):
    shutil.copy(TARGET, tmp_path / "a.xlsx")
    os.link(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    before = digest(tmp_path / "a.xlsx")
    result = runner.invoke(app, ["recompute", str(tmp_path), "--in-place"])
    assert result.exit_code in (0, 1) and "共 1 个文件" in result.output, result.output
    assert digest(tmp_path / "a.bak.xlsx") == before and not (tmp_path / "b.bak.xlsx").exists()
    assert digest(tmp_path / "a.xlsx") == digest(tmp_path / "b.xlsx") != before


@pytest.mark.parametrize("where", ["reserving", "writing"])
def test_a_failed_copy_into_a_hard_linked_file_names_the_backup(where, tmp_path, monkeypatch):
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    os.link(f, tmp_path / "g.xlsx")
    before = digest(f)
    if where == "reserving":   # the disk is full: found before a byte of the file changes
        def full(fd, offset, length):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(os, "posix_fallocate", full)
    else:                      # the device fails half-way through the copy
        _fail_after_100_bytes(monkeypatch)
    result = runner.invoke(app, ["recompute", str(f), "--in-place"])
    message = result.output.replace("\n", "")
    backup = tmp_path / "f.bak.xlsx"
    assert result.exit_code == 2 and str(f) in message and str(backup) in message, result.output
    assert "Traceback" not in result.output and digest(backup) == before
    assert f.stat().st_nlink == 2 and not leftovers(tmp_path)
    if where == "reserving":
        assert "原文件未改动" in message and digest(f) == before
    else:
        assert "恢复" in message and digest(f) != before
        monkeypatch.undo()
        again = runner.invoke(app, ["recompute", str(f), "--in-place"])   # the cut file: how to restore
        assert again.exit_code == 2 and str(backup) in again.output.replace("\n", "") and "恢复" in again.output
        shutil.copyfile(backup, f)                                           # … as it says
        assert digest(tmp_path / "g.xlsx") == before


def _fail_after_100_bytes(monkeypatch):
    """The device fails half-way through a copy: the first 100 bytes are written, then EIO."""
    real_pwrite = os.pwrite

    def broken(fd, data, offset):
        if offset:
            raise OSError(errno.EIO, "Input/output error")
        return real_pwrite(fd, bytes(data[:100]), offset)
    monkeypatch.setattr(os, "pwrite", broken)


def test_a_cut_copy_into_a_file_changed_since_its_backup_loses_none_of_the_changes(tmp_path, monkeypatch):
    """The backup is the file before the first in-place run; the clerk has typed since. A copy into the
    hard-linked file cut short names the file as it was just before this run, which holds the changes."""
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    g = tmp_path / "g.xlsx"
    os.link(f, g)
    assert runner.invoke(app, ["recompute", str(f), "--in-place"]).exit_code in (0, 1)
    original = digest(tmp_path / "f.bak.xlsx")
    wb = openpyxl.load_workbook(f)                      # the clerk types a note somewhere, saves in place
    wb.worksheets[0]["Z1"] = "经办人员后来填写的内容"
    wb.save(tmp_path / "edited.xlsx")
    with open(f, "r+b") as fh:
        fh.truncate(0)
        fh.write((tmp_path / "edited.xlsx").read_bytes())
    edited = digest(f)
    _fail_after_100_bytes(monkeypatch)
    result = runner.invoke(app, ["recompute", str(f), "--in-place"])
    kept = tmp_path / "f.上次.bak.xlsx"
    assert result.exit_code == 2 and str(kept) in result.output.replace("\n", ""), result.output
    assert digest(kept) == edited and digest(tmp_path / "f.bak.xlsx") == original
    monkeypatch.undo()
    again = runner.invoke(app, ["recompute", str(f), "--in-place"])   # the cut file, by the name used
    assert again.exit_code == 2 and str(kept) in again.output.replace("\n", "")
    shutil.copyfile(kept, f)
    assert digest(g) == edited and "经办人员后来填写的内容" in [c.value for c in openpyxl.load_workbook(g).worksheets[0]["Z"]]
    assert workbooks.expand_paths([tmp_path]) == [tmp_path / "edited.xlsx", f, g]   # not an input
    assert runner.invoke(app, ["recompute", str(f), "--in-place"]).exit_code in (0, 1)
    assert not kept.exists() and digest(g) == digest(f) != edited                # done: the point goes


# --- 6. CSV: atomic, every text column neutralised ---------------------------------------------------
def test_csv_text_columns_are_neutralised(tmp_path):
    src = tmp_path / "=HYPERLINK(1).xlsx"
    wb = openpyxl.load_workbook(TARGET)
    first = next(ws for ws in wb.worksheets if ws.sheet_state == "visible")
    first.title = "=HYPERLINK(x)"
    wb.save(src)
    out = tmp_path / "x.csv"
    assert runner.invoke(app, ["export", str(src), "-o", str(out)]).exit_code == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        for key, value in row.items():
            if key != "number":
                assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (key, value)
    assert rows[0]["file"] == "'=HYPERLINK(1).xlsx" and rows[0]["sheet"] == "'=HYPERLINK(x)"
    assert any(r["number"] and r["number"][0].isdigit() for r in rows)   # numbers are not prefixed


def test_a_failed_csv_write_leaves_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "x.csv"
    out.write_text("old", encoding="utf-8")
    import pandas as pd

    def full(self, path, *a, **k):
        Path(path).write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    result = runner.invoke(app, ["export", str(TARGET), "-o", str(out), "--overwrite"])
    assert result.exit_code == 2 and "磁盘空间不足" in result.output and str(out) in result.output
    assert out.read_text(encoding="utf-8") == "old" and not leftovers(tmp_path)


# --- 8. one read ------------------------------------------------------------------------------------
def test_a_file_replaced_while_it_is_computed_is_patched_from_the_bytes_read(tmp_path, monkeypatch):
    f = tmp_path / "f.xlsx"
    shutil.copy(TARGET, f)
    original = zipfile.ZipFile(TARGET).namelist()
    real_evaluate = process.evaluate_grid

    def swap(grid, path, *args):
        shutil.copy(BUDGET, f)           # another workbook lands at the path meanwhile
        return real_evaluate(grid, path, *args)
    monkeypatch.setattr(process, "evaluate_grid", swap)
    result = process.recompute_file(f, tmp_path / "out.xlsx")
    names = openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames
    assert set(openpyxl.load_workbook(TARGET).sheetnames) <= set(names)
    assert result.evaluations[0].read.form != "budget-tables"
    assert set(original) <= set(zipfile.ZipFile(tmp_path / "out.xlsx").namelist())


# --- 9. the openpyxl fallback keeps an allow-list -------------------------------------------------------
@pytest.mark.parametrize("part, data, label", [
    ("customXml/item1.xml", b"<root/>", "自定义 XML"),
    ("xl/worksheets/sheet1.xml", None, "工作表扩展内容"),
    ("xl/printerSettings/printerSettings1.bin", b"\0" * 64, "打印机设置"),
])
def test_the_openpyxl_fallback_refuses_what_it_would_not_write_back(tmp_path, monkeypatch, part, data, label):
    def refuse(*args, **kwargs):
        raise Unsupported("test")
    monkeypatch.setattr(writeback, "write_back", refuse)
    src = tmp_path / "in.xlsx"
    with zipfile.ZipFile(TARGET) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            body = zin.read(name)
            if name == part and data is None:   # a sparkline group, as Excel writes it
                body = body.replace(b"</worksheet>", b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}">'
                                    b"<x14:sparklineGroups xmlns:x14=\"http://schemas.microsoft.com/office/"
                                    b"spreadsheetml/2009/9/main\"/></ext></extLst></worksheet>")
            zout.writestr(name, body)
        if data is not None:
            zout.writestr(part, data)
    with pytest.raises(workbooks.XltoolError, match=f"{label}.*拒绝写回"):
        process.recompute_file(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


# --- 10. operating-system errors ------------------------------------------------------------------------
def test_os_errors_are_one_line_exit_2_and_the_batch_goes_on(tmp_path, monkeypatch):
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    shutil.copy(TARGET, src / "a" / "x.xlsx")
    shutil.copy(TARGET, src / "b" / "y.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("a file where a folder should be")     # a real OS error for a/x.xlsx
    real_publish = atomic.publish

    def full_disk(tmp, target, like=None):
        if Path(target).name == "y.xlsx":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_publish(tmp, target, like)
    monkeypatch.setattr(atomic, "publish", full_disk)
    shutil.copy(TARGET, src / "z.xlsx")
    result = runner.invoke(app, ["recompute", str(src), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 2
    assert str(out / "a" / "x.xlsx") in errors[0] and "无法写入" in errors[0]
    assert str(out / "b" / "y.xlsx") in errors[1] and "磁盘空间不足" in errors[1]
    assert (out / "z.xlsx").exists() and not (out / "b" / "y.xlsx").exists()
    assert not leftovers(out)


# --- 2. one file's crash or timeout is that file's failure -----------------------------------------------
def _hostile_worker(path, root, outdir, check_only):
    name = Path(path).name
    if name.startswith("crash"):
        os.kill(os.getpid(), 9)   # as a native crash would end it
    if name.startswith("hang"):
        import time
        time.sleep(600)
    if name.startswith("hog"):
        hog = bytearray(3 * 2**30)   # beyond the worker's ceiling
        del hog
    return _real_process_one(path, root, outdir, check_only)


_real_process_one = bulk.process_one


@pytest.mark.parametrize("check_only", [True, False])
def test_a_crashing_hanging_or_hogging_file_fails_alone(tmp_path, monkeypatch, check_only):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a_good.xlsx", "crash.xlsx", "hang.xlsx", "hog.xlsx", "z_good.xlsx"):
        shutil.copy(TARGET, src / name)
    monkeypatch.setattr(bulk, "process_one", _hostile_worker)
    summary = bulk.convert(src, tmp_path / "out", jobs=2, check_only=check_only, timeout=5, memory_mb=1024)
    rows = {r.file: r for r in summary.rows}
    assert rows["a_good.xlsx"].status != "失败" and rows["z_good.xlsx"].status != "失败"
    assert "进程异常退出" in rows["crash.xlsx"].reason and str(src / "crash.xlsx") in rows["crash.xlsx"].reason
    assert "超时" in rows["hang.xlsx"].reason
    assert "内存" in rows["hog.xlsx"].reason
    assert (tmp_path / "out" / bulk.SUMMARY_NAME).exists()


def test_os_errors_of_convert_template_and_explain_are_one_line(tmp_path):
    blocker = tmp_path / "一个文件"
    blocker.write_text("x")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TARGET, src / "a.xlsx")
    for args in (["convert", str(src), "-o", str(blocker / "out")],
                 ["template", "regional-target", "-o", str(blocker / "t.xlsx")],
                 ["explain", str(BUDGET), "-o", str(blocker / "说明.md")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
        (line,) = [line for line in result.output.splitlines() if line.strip()]
        assert str(blocker) in line and "无法写入" in line, line
    assert not leftovers(tmp_path)
