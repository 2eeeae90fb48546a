"""The command line speaks Chinese (Click's own texts included) and exits alike everywhere:
0 fine, 1 errors found in the forms, 2 an input could not be read or the command was misused."""
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st
from click.testing import CliRunner

from conftest import ROOT
from xltool import __version__
from xltool.cli import app

runner = CliRunner()
WB = ROOT / "workbooks"
ENGLISH = ("Usage", "Options", "Arguments", "Commands", "Show this message", "Missing", "required", "default",
           "Error", "Try ", "No such", "Invalid value", "<bool>", "<str>", "<int>", "<path>", "list[", "[OPTIONS]",
           "COMMAND", "ARGS", "requires an argument", "unexpected extra",
           # Click's own words: type names, tags and messages
           "Positional", "INTEGER", "TEXT", "PATH", "FLOAT", "BOOLEAN", "env var", "Aborted", "DEPRECATED",
           "is not a valid", "does not exist", "Did you mean", "Possible options", "extra argument")
# ASCII words a clerk may legitimately see: the program, option names, file kinds, product names.
ALLOWED = {"xltool", "text", "json", "csv", "xlsx", "xlsm", "xls", "parquet", "docx", "html", "md", "pandas", "Excel",
           "Office", "js", "xlwings", "https", "PEM", "HTTPS", "jinja2", "explain", "j2", "bas", "xlam", "CPU", "Dask",
           "tcp", "Ctrl", "true", "false", "manifest", "xml", "min", "custom", "VBA", "Python", "serve",
           "FORM", "seeds", "out", "MB", "U", "Windows", "whl", "wheel", "Word", "zip", "pdf", "PDF", "ASGI", "uvicorn", "txt", "bak", "XltoolRibbon", "Web", "WPS", "id"}


def commands():
    out = [[]]
    for name, command in app.commands.items():
        out.append([name])
        for sub in getattr(command, "commands", {}):
            out.append([name, sub])
    return out


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "xltool")
def test_help_is_chinese(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=200, prog_name="xltool")
    assert result.exit_code == 0, result.output
    text = result.output
    for phrase in ENGLISH:
        assert phrase not in text, (path, phrase, text)
    assert "用法：" in text and "显示此帮助并退出。" in text and "选项" in text
    # no English word left once option names, form ids and the allowed words are taken out
    stripped = re.sub(r"--?[\w-]+|[\w-]+-[\w-]+|\{[^}]*\}|[\w.-]+\.(xlsx|j2|md|html|docx|csv|bas)\b|https?://\S+"
                      r"|\d+\.\d+\.\d+\.\d+|[a-z]+(?=-)", " ", text)
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", stripped) if w not in ALLOWED}
    names = {p for cmd in commands() for p in cmd}
    assert words <= names | {"import", "template", "check", "run", "convert", "rollover", "rollup", "export",
                             "recompute", "addin", "build", "serve"}, (path, words)


@pytest.mark.parametrize("args, message", [
    (["template"], "缺少参数 '表单'"),
    (["template", "budget-tables"], "缺少选项 '-o' / '--output'"),
    (["template", "budget-tables", "-o"], "选项 '-o' 需要一个值"),
    (["template", "budget-tables", "-o", "x.xlsx", "--year", "abc"], "'--year' 的值无效：'abc' 不是整数"),
    (["serve", "--keep-days", "abc"], "'--keep-days' 的值无效：'abc' 不是数字"),
    (["convert", "x", "-o", "y", "-j", "abc"], "的值无效：'abc' 不是整数"),
    (["check", "x", "--fromat", "json"], "没有这个选项：'--fromat'（是否要用 '--format'？）"),
    (["addin", "bogus"], "没有这个命令"),
    (["rollover"], "缺少参数 '路径'"),
    (["check", "--bogus", "x"], "没有这个选项：'--bogus'"),
    (["bogus"], "没有这个命令"),
    (["template", "a", "b", "-o", "x.xlsx"], "多余的参数：b"),
])
def test_usage_errors_are_chinese_and_exit_2(args, message):
    result = runner.invoke(app, args, terminal_width=200, prog_name="xltool")
    assert result.exit_code == 2
    assert message in result.output, result.output
    assert not any(phrase in result.output for phrase in ENGLISH), result.output
    assert "用法：xltool" in result.output and "错误：" in result.output
    assert re.search(r"运行 'xltool[\w -]* --help' 查看帮助。", result.output), result.output


@pytest.mark.parametrize("args", [[], ["addin"]], ids=["xltool", "addin"])
def test_a_group_alone_prints_its_help_and_exits_2(args):
    result = runner.invoke(app, args, terminal_width=80, prog_name="xltool")
    assert result.exit_code == 2
    assert "用法：xltool" in result.output and "命令：" in result.output
    assert not re.search(r"^错误：", result.output, flags=re.M), result.output
    assert not any(phrase in result.output for phrase in ENGLISH), result.output


def test_version():
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0 and result.output.strip() == f"xltool {__version__}"


def test_empty_input_says_so_and_exits_2(tmp_path):
    (tmp_path / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    for args in (["check", str(tmp_path)], ["recompute", str(tmp_path), "-o", str(tmp_path / "o")],
                 ["export", str(tmp_path), "-o", str(tmp_path / "x.csv")],
                 ["rollup", str(tmp_path), "-o", str(tmp_path / "r.xlsx")],
                 ["rollover", str(tmp_path), "-o", str(tmp_path / "o")],
                 ["convert", str(tmp_path), "-o", str(tmp_path / "o")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "没有" in result.output and "工作簿" in result.output, (args, result.output)


def test_json_lists_unreadable_files_with_their_reason(tmp_path):
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    good = next(WB.glob("004_01_*.xlsx"))
    result = runner.invoke(app, ["check", str(good), str(broken), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    (entry,) = [e for e in data if e.get("unreadable")]
    assert entry["file"] == str(broken) and entry["severity"] == "error" and "坏文件.xlsx" in entry["message"]
    assert any(e["rule"] == "XT130" for e in data)   # the readable file's findings are there too


def test_exit_codes_alike_for_every_command(tmp_path):
    """Errors found → 1 for check, recompute, run, rollup and derive-targets alike; a clean file → 0."""
    budget = next(WB.glob("004_01_*.xlsx"))
    assert runner.invoke(app, ["check", str(budget)]).exit_code == 1
    assert runner.invoke(app, ["recompute", str(budget), "-o", str(tmp_path / "r")]).exit_code == 1
    assert runner.invoke(app, ["rollup", str(budget), "-o", str(tmp_path / "u.xlsx")]).exit_code == 1
    clean = tmp_path / "clean.xlsx"
    assert runner.invoke(app, ["template", "project-target", "-o", str(clean)]).exit_code == 0
    assert runner.invoke(app, ["check", str(clean)]).exit_code == 0
    missing = runner.invoke(app, ["check", str(tmp_path / "无此文件.xlsx")])
    assert missing.exit_code == 2 and "无此文件.xlsx" in missing.output


def test_a_plain_click_sub_group_is_localised_too():
    import click

    from xltool.clizh import ZhGroup

    root, plain = ZhGroup("root"), click.Group("sub", help="子命令。")

    @plain.command("go")
    @click.option("--count", type=int, default=1, help="次数")
    @click.argument("name")
    def go(count, name):
        """走。"""

    @root.command("other")
    def other():
        """另一个。"""

    root.add_command(plain)
    result = runner.invoke(root, ["sub", "go", "--help"], prog_name="xltool", terminal_width=200)
    assert "用法：xltool sub go [选项] NAME" in result.output and "<整数>" in result.output
    assert "[默认：1]" in result.output and "显示此帮助并退出。" in result.output
    assert not any(phrase in result.output for phrase in ENGLISH), result.output
    result = runner.invoke(root, ["sub", "go", "--count", "x", "n"], prog_name="xltool")
    assert result.exit_code == 2 and "'--count' 的值无效：'x' 不是整数" in result.output, result.output
    result = runner.invoke(root, ["sub"], prog_name="xltool", terminal_width=200)
    assert "命令：" in result.output and "go" in result.output and "Commands" not in result.output


@pytest.mark.parametrize("width", [60, 70, 78, 80, 90, 100, 118, 120])
def test_help_lines_fit_the_terminal(width):
    """Chinese characters take two columns: no help line is wider than the terminal, no line starts
    with a closing mark (，。）…) or ends with an opening one, and no [tag] is broken."""
    import unicodedata

    def display_width(line):   # measured here, not with the code under test
        return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in line)   # “”… as two, as a Chinese console

    for path in commands():
        result = runner.invoke(app, [*path, "--help"], terminal_width=width, prog_name="xltool")
        for line in result.output.splitlines():
            assert display_width(line) <= width, (path, line)
            assert not re.match(r"\s*[，。、；：）》」”]", line), (path, line)
            assert not re.search(r"[（《「“]$", line), (path, line)
            assert line.count("[") == line.count("]"), (path, line)


@given(st.text(alphabet=st.sampled_from(list("社会保险基金预算绩效（）《》，。、；：“”abc-_./0123 ")), max_size=200),
       st.integers(min_value=1, max_value=100))
def test_wrapping_keeps_every_character_within_the_width(text, width):
    from xltool.clizh import wrap

    lines = wrap(text, width)
    wide = {c for c in text if ord(c) > 127}
    assert all(sum(2 if c in wide else 1 for c in line) <= max(width, 8) for line in lines), lines
    assert "".join(lines).replace(" ", "") == "".join(text.split())


def test_start_up_imports_neither_typer_pydantic_nor_rich():
    """`import xltool.cli` and a whole `check` of a small file import no Typer, pydantic or rich (their
    imports cost about 0.1 s of every start; benchmarks/startup_bench.py times the start)."""
    small = next(WB.glob("003_01_*.xlsx"))
    code = ("import sys\nfrom xltool.cli import app\n"
            "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic', 'rich'})\n"
            "print(heavy())\n"
            f"code = app.main(['check', {str(small)!r}], standalone_mode=False)\n"
            "print(code, heavy())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[]" and lines[-1] in ("0 []", "1 []"), done.stdout
    assert any("1 个文件" in line for line in lines), done.stdout   # the check really ran


def test_convert_progress_bar_on_a_terminal_is_chinese_and_imports_no_rich(tmp_path):
    """convert's progress bar (Click's) is drawn on a terminal only, in Chinese, without rich."""
    import os
    import pty

    src = tmp_path / "in"
    src.mkdir()
    for path in sorted(WB.glob("*.xlsx"))[:3]:
        (src / path.name).write_bytes(path.read_bytes())
    code = ("import sys\nfrom xltool.cli import app\n"
            "try:\n    app.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic', 'rich'}))\n")
    main, terminal = pty.openpty()
    with open(terminal, "wb", closefd=True) as tty:
        done = subprocess.run([sys.executable, "-c", code, "convert", str(src), "-o", str(tmp_path / "out"),
                               "--check-only"], stdout=subprocess.PIPE, stderr=tty, text=True, cwd=ROOT)
    drawn = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main)
    bar = drawn.decode("utf-8", "replace")
    assert "处理中" in bar and "3/3" in bar, bar
    assert not re.search(r"[A-Za-z]{2,}", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", bar)), bar   # no English word
    assert done.stdout.splitlines()[-1] == "[]", done.stdout
    piped = subprocess.run([sys.executable, "-c", code, "convert", str(src), "-o", str(tmp_path / "out2"),
                            "--check-only"], capture_output=True, text=True, cwd=ROOT)
    assert "处理中" not in piped.stderr   # not on a pipe or a log file
