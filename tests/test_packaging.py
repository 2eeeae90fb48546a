"""The built wheel carries every file the package reads at run time (a non-editable install works)."""
import os
import subprocess
import sys
import zipfile

from conftest import ROOT

WB = ROOT / "workbooks"


def test_wheel_carries_the_data_files_and_explains_from_them(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("xltool-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert {"xltool/explain_templates/explain.md.j2", "xltool/explain_templates/explain.html.j2",
            "xltool/excel/XltoolRibbon.bas"} <= names
    code = ("import sys, xltool.explain as e; r = e.explain(sys.argv[1], sys.argv[2]);"
            "print(e.__file__); print(len(r.markdown))")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    done = subprocess.run([sys.executable, "-c", code, str(next(WB.glob("004_01_*.xlsx"))),
                           str(next(WB.glob("004_02_*.xlsx")))], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True)
    where, length = done.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and int(length) > 1000
