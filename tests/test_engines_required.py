"""No silent skips: with XLTOOL_REQUIRE_<ENGINE> set (as .ci/run sets it), a test that skips for
want of that engine fails, and a missing engine stops the run with an error."""
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SKIPPING = '''
import pytest
xw = None
def test_needs_libreoffice():
    pytest.skip("LibreOffice not installed")
def test_needs_xlwings():
    pytest.skip("xlwings' remote engine is not enabled (XLWINGS_LICENSE_KEY)")
'''
MODULE_SKIP = '''
import pytest
pytest.skip("xlwings' remote engine is not enabled", allow_module_level=True)
def test_never_runs():
    pass
'''


def run_pytest(tmp_path, source, **env):
    (tmp_path / "test_x.py").write_text(source, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XLTOOL_REQUIRE_")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "engines", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_x.py")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**clean, "PYTHONPATH": str(TESTS), **env})
    return proc.returncode, proc.stdout + proc.stderr


def test_without_the_variables_engine_tests_skip(tmp_path):
    code, out = run_pytest(tmp_path, SKIPPING)
    assert code == 0 and "2 skipped" in out


def test_required_engine_skips_become_failures(tmp_path):
    code, out = run_pytest(tmp_path, SKIPPING, XLTOOL_REQUIRE_LIBREOFFICE="1")
    assert code == 1 and "1 failed" in out and "1 skipped" in out
    assert "skipped although XLTOOL_REQUIRE_LIBREOFFICE is set" in out
    code, out = run_pytest(tmp_path, SKIPPING, XLTOOL_REQUIRE_LIBREOFFICE="1", XLTOOL_REQUIRE_XLWINGS="1")
    assert code == 1 and "2 failed" in out


def test_a_module_level_skip_of_a_required_engine_fails(tmp_path):
    code, out = run_pytest(tmp_path, MODULE_SKIP, XLTOOL_REQUIRE_XLWINGS="1")
    assert code != 0 and "XLTOOL_REQUIRE_XLWINGS" in out


def test_a_missing_required_engine_is_an_error(tmp_path):
    code, out = run_pytest(tmp_path, "def test_ok():\n    pass\n", XLTOOL_REQUIRE_BROWSER="1",
                           PATH="/nonexistent")
    assert code != 0 and "CI requires these engines" in out
    code, out = run_pytest(tmp_path, "def test_ok():\n    pass\n", XLTOOL_REQUIRE_LIBREOFFICE="1", PATH="/nonexistent")
    assert code != 0 and "LIBREOFFICE" in out


def test_ci_requires_every_engine_the_tests_use():
    ci = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "export XLTOOL_REQUIRE_LIBREOFFICE=1" in ci and "export XLTOOL_REQUIRE_XLWINGS=1" in ci
