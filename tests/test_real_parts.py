"""Preservation with real parts: a real picture, a real chart and a real pivot table (files written
by Excel, from tests/data/real/, see SOURCES.md there) survive recompute.

A 区域绩效目标表 (seed 004) is grafted into each real file as a new sheet (tests/graft.py); the file
is recomputed (the form gets its values, marks, notes and the 校验结果 sheet). Then
- by bytes: every part of the real file is in the output unchanged, except the three package
  indexes that name the new sheets (workbook.xml, its relationships, [Content_Types].xml) and
  styles.xml, which keeps the file's own fills and formats and gains those of the marks;
- by LibreOffice: opened in LibreOffice and saved as ODS, the output shows the same picture
  (same image bytes), the same chart (same series) and the same pivot tables as the original file.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

import libreoffice
from conftest import ROOT
from graft import CHANGED, graft
from xltool import process, workbooks

REAL = Path(__file__).resolve().parent / "data" / "real"
FILES = {"picture": "poi_picture.xlsx", "chart": "poi_WithChart.xlsx", "pivot": "cal_pivots.xlsx"}


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    form = workbooks.open_grid(next((ROOT / "workbooks").glob("004_03_*.xlsx"))).sheet("区域绩效目标表")
    out = {}
    for kind, name in FILES.items():
        grafted = graft(REAL / name, form, tmp / f"grafted_{name}")
        result = process.recompute_file(grafted, tmp / f"out_{name}")
        assert [e.read.form for e in result.evaluations] == ["regional-target"]
        assert [(f.rule, f.location) for f in result.findings] == [("XT114", "区域绩效目标表!F23")]
        out[kind] = tmp / f"out_{name}"
    return out


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("kind", FILES)
def test_real_parts_kept_byte_for_byte(recomputed, kind):
    before, after = parts(REAL / FILES[kind]), parts(recomputed[kind])
    kept = {name: data for name, data in before.items() if name not in (*CHANGED, "xl/styles.xml")}
    assert {name: after.get(name) for name in kept} == kept
    # styles.xml gains the marks' fills and formats; the file's own come first, unchanged
    # (element by element: poi_picture.xlsx has stray text between its fills, which is not kept)
    for element, item in (("fills", "fill"), ("cellXfs", "xf")):
        def items(xml: bytes) -> list[str]:
            body = re.search(rf"<{element}[^>]*>(.*?)</{element}>", xml.decode("utf-8"), re.S).group(1)
            return re.findall(rf"<{item}\b(?:[^>]*/>|.*?</{item}>)", body, re.S)
        old, new = items(before["xl/styles.xml"]), items(after["xl/styles.xml"])
        assert new[:len(old)] == old and len(new) > len(old), element
    wanted = {"picture": r"xl/media/.+\.jpg", "chart": r"xl/charts/chart\d+\.xml", "pivot": r"xl/pivotTables/pivotTable\d+\.xml"}
    assert any(re.fullmatch(wanted[kind], name) for name in kept)       # the real part is among them
    with zipfile.ZipFile(recomputed[kind]) as z:
        assert "校验结果" in z.read("xl/workbook.xml").decode("utf-8")   # and the form was written


def _ods_view(path: Path) -> dict:
    """What LibreOffice shows of pictures, charts and pivot tables (from the ODS it saves)."""
    with zipfile.ZipFile(path) as z:
        content = z.read("content.xml").decode("utf-8")
        pictures = sorted(z.read(n) for n in z.namelist() if n.startswith("Pictures/"))
        charts = sorted(re.findall(r"<chart:series [^>]*>", z.read(n).decode("utf-8"))
                        for n in z.namelist() if re.fullmatch(r"Object \d+/content\.xml", n))
    return {"pictures": pictures, "charts": charts,
            "pivots": sorted(re.findall(r"<table:data-pilot-table [^>]*>", content))}


@pytest.mark.libreoffice
def test_libreoffice_still_shows_them(recomputed, tmp_path):
    if not libreoffice.available():
        pytest.skip("LibreOffice not installed")
    originals = [REAL / FILES[k] for k in FILES]
    outs = libreoffice.recalc([*originals, *recomputed.values()], tmp_path, to="ods")
    views = [_ods_view(p) for p in outs]
    for (kind, original), output in zip(zip(FILES, views[:3]), views[3:]):
        key = {"picture": "pictures", "chart": "charts", "pivot": "pivots"}[kind]
        assert original[key], f"LibreOffice shows no {kind} in the original"
        assert output[key] == original[key], kind
