"""The offline installation folder (``xltool addin bundle``), built for one Python version to keep it quick.

It downloads from PyPI (``pip download``), so it is marked ``network``; CI runs it (PyPI is reachable
there). The proof that it installs offline is pip itself: ``pip install --dry-run --no-index
--find-links wheels --platform win_amd64 --python-version X --only-binary=:all: --target T xltool``.
pip judges markers by this machine, so the Windows-only dependencies are checked on their own.
"""
import os
import subprocess
import sys
import zipfile

import pytest

from xltool.excel import addin, bundle, scripts

PYTHON = "3.12"
pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from click.testing import CliRunner

    from xltool.cli import app

    out = tmp_path_factory.mktemp("bundle") / "xltool-离线安装"
    result = CliRunner().invoke(app, ["addin", "bundle", "-o", str(out), "--python", PYTHON])
    assert result.exit_code == 0, result.output
    return out


def test_the_folder(built):
    assert {p.name for p in built.iterdir()} == {"wheels", "xltool.xlam", "安装.cmd", "卸载.cmd", "说明.txt"}
    assert addin.missing_callbacks(built / "xltool.xlam") == set()
    wheels = {p.name.split("-")[0].lower() for p in (built / "wheels").glob("*.whl")}
    assert "xltool" in wheels
    with zipfile.ZipFile(next((built / "wheels").glob("xltool-*.whl"))) as zf:   # package data travels
        assert {"xltool/excel/XltoolRibbon.bas", "xltool/explain_templates/explain.md.j2"} <= set(zf.namelist())


def test_it_resolves_offline_for_windows(built, tmp_path):
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--find-links", str(built / "wheels"),
           "--platform", "win_amd64", "--python-version", PYTHON, "--only-binary=:all:", "--target",
           str(tmp_path / "T"), "--disable-pip-version-check", "xltool"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull   # no configured index or find-links: the folder alone
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Would install" in done.stdout and "xltool-" in done.stdout
    would = done.stdout.split("Would install", 1)[1].lower()
    for name in ("xlwings", "pandas", "numpy", "openpyxl", "python-calamine", "olefile"):
        assert name in would, name


def test_xlwings_matches_the_addins_vba(built):
    import re

    have = bundle.wheels_for(built / "wheels", PYTHON)
    (version,) = {str(v) for v, _ in have["xlwings"]}
    source = addin.vba_source(built / "xltool.xlam")
    assert re.search(r'XLWINGS_VERSION As String = "([^"]+)"', source).group(1) == version == bundle.xlwings_version()


def test_windows_only_dependencies_are_there(built):
    """What pip's dry run cannot see from Linux: xlwings needs pywin32, pandas tzdata on Windows."""
    from importlib.metadata import requires

    have = bundle.wheels_for(built / "wheels", PYTHON)
    for dist, needed in (("xlwings", "pywin32"), ("pandas", "tzdata")):
        assert any(needed in r and "Windows" in r or needed in r and "win32" in r for r in requires(dist) or ()), dist
        assert needed in have, needed
        assert all(p.name.endswith(("win_amd64.whl", "none-any.whl")) for _, p in have[needed])
    assert bundle.missing_requirements(built / "wheels", PYTHON) == []
    assert bundle.missing_requirements(built / "wheels", "3.9")   # the check can fail: nothing was fetched for 3.9


def test_install_script(built):
    text = (built / "安装.cmd").read_bytes().decode("gbk")
    assert "\r\n" in text and "--no-index" in text and '--find-links "%HERE%wheels"' in text
    assert r"%APPDATA%\Microsoft\Excel\XLSTART" in text and r"%LOCALAPPDATA%\xltool\venv" in text
    assert "runas" not in text.lower() and "HKLM" not in text   # nothing needs admin rights
    assert f"py -{PYTHON}-64" in text and "xltool.excel.scripts configure" in text
    assert "安装完成" in text
    assert "XLSTART" in (built / "卸载.cmd").read_bytes().decode("gbk")
    assert "python-3.12" in (built / "说明.txt").read_text(encoding="utf-8-sig")


def test_configure_keeps_other_settings(tmp_path):
    conf = tmp_path / ".xltool" / "xltool.conf"
    conf.parent.mkdir()
    conf.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\r\n"USE UDF SERVER","True"\r\n', encoding="utf-8")
    scripts.configure(r"C:\Users\张三\AppData\Local\xltool\venv\Scripts\python.exe", conf)
    lines = conf.read_bytes().decode("utf-8").split("\r\n")
    assert lines == ['"USE UDF SERVER","True"', r'"INTERPRETER_WIN","C:\Users\张三\AppData\Local\xltool\venv\Scripts\python.exe"', ""]
    scripts.configure(r"C:\py\python.exe", tmp_path / "new" / "xltool.conf")
    assert (tmp_path / "new" / "xltool.conf").read_text(encoding="utf-8") == '"INTERPRETER_WIN","C:\\py\\python.exe"\n' or \
        (tmp_path / "new" / "xltool.conf").read_bytes() == b'"INTERPRETER_WIN","C:\\py\\python.exe"\r\n'


def test_the_addin_reads_its_settings_from_xltool_conf(built):
    """The install script writes %USERPROFILE%\\.xltool\\xltool.conf: the add-in's PROJECT_NAME must be xltool."""
    source = addin.vba_source(built / "xltool.xlam")
    assert 'PROJECT_NAME As String = "xltool"' in source
