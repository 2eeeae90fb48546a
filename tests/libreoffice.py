"""Run the real LibreOffice (headless) on workbooks: open, recalculate, save.

The profile forces "always recalculate" for OOXML files, so every formula
cell is computed by LibreOffice itself, not taken from cached values.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def available() -> bool:
    return SOFFICE is not None


def recalc(paths: list[Path], outdir: Path, timeout: int = 300, to: str = "xlsx:Calc MS Excel 2007 XML") -> list[Path]:
    """Open each workbook in LibreOffice, recalculate, save (as .xlsx by default) into outdir."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltool-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", to, "--outdir", str(outdir), *map(str, paths)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"LibreOffice failed: {proc.stderr or proc.stdout}")
    out = [outdir / (Path(p).stem + "." + to.split(":")[0]) for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no output for {missing}: {proc.stdout} {proc.stderr}")
    return out
