"""The ``xltool`` console script leaves without tearing the interpreter down (``xltool.entry``):
what it prints, its exit status and the files it writes must be exactly those of the ordinary
exit (``python -m xltool.cli``), through pipes (block-buffered output) and with worker processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
QUICK = "import sys; sys.argv[0] = 'xltool'; from xltool.entry import main; main()"
PLAIN = "import sys; sys.argv[0] = 'xltool'; from xltool.cli import app; app()"   # the ordinary exit


def _both(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}   # pipes block-buffered, as for a user
    quick, plain = (subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env)
                    for code in (QUICK, PLAIN))
    return quick, plain


def test_console_script_is_the_quick_exit():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["xltool"] == "xltool.entry:main"


@pytest.mark.parametrize("fmt", ["text", "json"])   # json: one print() of a large text, block-buffered
def test_check_prints_and_exits_as_the_ordinary_exit(tmp_path, fmt):
    quick, plain = _both(["check", str(WORKBOOKS), "--format", fmt], tmp_path)
    assert quick.returncode == plain.returncode == 1   # the seed workbooks contain errors
    assert quick.stdout == plain.stdout and len(quick.stdout.splitlines()) > 50
    assert quick.stderr == plain.stderr


@pytest.mark.parametrize("args", [["--version"], [], ["check"], ["check", "nowhere.xlsx"], ["no-such-command"]])
def test_usage_and_misuse_exit_as_the_ordinary_exit(tmp_path, args):
    quick, plain = _both(args, tmp_path)
    assert (quick.returncode, quick.stdout, quick.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_convert_with_workers_writes_the_same_and_leaves_nothing_behind(tmp_path):
    import python_calamine as pc

    src = tmp_path / "in"
    src.mkdir()
    for path in sorted(WORKBOOKS.glob("*.xlsx")):
        (src / path.name).write_bytes(path.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    runs = {}
    for name, code in (("quick", QUICK), ("plain", PLAIN)):
        done = subprocess.run([sys.executable, "-c", code, "convert", str(src), "-o", str(tmp_path / name), "-j", "2"],
                              capture_output=True, text=True, env=env)
        book = pc.CalamineWorkbook.from_path(str(tmp_path / name / "汇总.xlsx"))
        runs[name] = (done.returncode, done.stdout.replace(name, "OUT"),
                      [book.get_sheet_by_name(s).to_python() for s in ("文件汇总", "全部问题")])
    assert runs["quick"] == runs["plain"]
    assert runs["quick"][0] == 1   # the seed workbooks contain errors
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".~xltool-")]
    assert not leftovers
