"""Write-back never damages what Excel, WPS or LibreOffice wrote (issue 14, one test per defect).

Hosts are real files (tests/data/real, see SOURCES.md there) with an xltool form grafted in
(tests/form_graft.py): the form 002_01 (绩效自评表) has four findings, at F12, F15 and F17.
"""
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from conftest import ROOT
from form_graft import graft
from xltool import marks, process, workbooks
from xltool.io.ooxml import writeback
from xltool.io.ooxml.package import Package

REAL = ROOT / "tests" / "data" / "real"
FORM = next((ROOT / "workbooks").glob("002_01_*.xlsx"))
MARKED = ("F12", "F15", "F17")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "v": "urn:schemas-microsoft-com:vml", "x": "urn:schemas-microsoft-com:office:excel"}


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def grafted(host: str, tmp_path: Path, edit=None) -> Path:
    out = tmp_path / ("g_" + host)
    graft(REAL / host, FORM, out)
    if edit:
        package = Package(out)
        edit(package)
        package.save(out)
    return out


def form_part(path) -> str:
    package = Package(path)
    return package.sheet("绩效自评表").part


def rel_part(path, sheet_part: str, kind: str) -> str | None:
    return next((r["Part"] for r in Package(path).rels(sheet_part) if r["Type"].endswith("/" + kind)), None)


def note_shapes(vml: bytes) -> list[tuple[int, int]]:
    root = etree.fromstring(vml)
    out = []
    for data in root.iterfind(".//x:ClientData[@ObjectType='Note']", NS):
        out.append((int(data.findtext("x:Row", namespaces=NS)), int(data.findtext("x:Column", namespaces=NS))))
    return out


def comments(xml: bytes) -> dict[str, etree._Element]:
    return {c.get("ref"): c for c in etree.fromstring(xml).iterfind(".//m:comment", NS)}


def fix_marks(src, out):
    """A rerun after the clerk fixed every finding: the patcher with no findings."""
    grid = workbooks.open_grid(src)
    result = process.evaluate_grid(grid, src)
    writeback.write_back(src, out, [(e.read.cells, e.computed) for e in result.evaluations], [],
                         writeback.meta_rows(grid))


# --- 1. comments parts saved by Excel 365 ------------------------------------------------------

def _excel365_notes(package: Package) -> None:
    """The host's note, re-stamped the way Excel 365 saves notes, moved onto F12 (a marked cell)."""
    sheet = package.sheet("绩效自评表").part
    part = next(r["Part"] for r in package.rels(sheet) if r["Type"].endswith("/comments"))
    text = package.text(part).replace(
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="xr" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">')
    text = text.replace('<comment ref="B2" authorId="0">',
                        '<comment ref="F12" authorId="0" shapeId="0" xr:uid="{5B2C4F0E-1D7A-4E55-9C1B-7A0D2B3C4D5E}">')
    package.put(part, text)
    vml = next(r["Part"] for r in package.rels(sheet) if r["Type"].endswith("/vmlDrawing"))
    package.put(vml, package.text(vml).replace("<x:Row>1</x:Row>", "<x:Row>11</x:Row>")
                .replace("<x:Column>1</x:Column>", "<x:Column>5</x:Column>"))


def test_excel365_notes_keep_namespaces_uid_and_rich_text(tmp_path):
    src = grafted("xw_comment01.xlsx", tmp_path, _excel365_notes)
    sheet = form_part(src)
    part = rel_part(src, sheet, "comments")
    clerk = comments(parts(src)[part])["F12"]
    out1, out2 = tmp_path / "r1.xlsx", tmp_path / "r2.xlsx"
    process.recompute_file(src, out1)
    process.recompute_file(out1, out2)
    text = parts(out2)[part].decode()
    root = etree.fromstring(text.encode())          # well-formed, every prefix declared
    assert 'mc:Ignorable="xr"' in text and "xmlns:xr=" in text
    f12 = comments(text.encode())["F12"]
    assert f12.get("{http://schemas.microsoft.com/office/spreadsheetml/2014/revision}uid") == \
        "{5B2C4F0E-1D7A-4E55-9C1B-7A0D2B3C4D5E}"
    runs = f12.findall("m:text/m:r", NS)
    assert etree.tostring(runs[0]) == etree.tostring(clerk.find("m:text/m:r", NS))   # the clerk's run, as it was
    assert "Some text" in "".join(f12.itertext()) and "XT112" in "".join(f12.itertext())
    assert len(root.findall(".//m:comment", NS)) == 3 + 0   # F12 (clerk + xltool), F15, F17
    assert openpyxl.load_workbook(out2)["绩效自评表"]["F15"].comment is not None
    fixed = tmp_path / "fixed.xlsx"
    fix_marks(out2, fixed)
    assert etree.tostring(comments(parts(fixed)[part])["F12"]) == etree.tostring(clerk)   # rich note restored


# --- 2. notes go through the sheet's own legacyDrawing ----------------------------------------

def test_notes_on_a_sheet_with_a_header_picture_get_their_own_vml(tmp_path):
    src = grafted("xw_header_image01.xlsx", tmp_path)
    before = parts(src)
    hf = [n for n in before if n.endswith(".vml")]
    out = tmp_path / "out.xlsx"
    process.recompute_file(src, out)
    after = parts(out)
    for name in hf:
        assert after[name] == before[name], name
    sheet = after[form_part(out)].decode()
    assert "<legacyDrawing " in sheet and "<legacyDrawingHF " in sheet
    vml = rel_part(out, form_part(out), "vmlDrawing")
    rid = re.search(r'<legacyDrawing r:id="(\w+)"', sheet).group(1)
    part = next(r["Part"] for r in Package(out).rels(form_part(out)) if r["Id"] == rid)
    assert part not in hf
    assert sorted(note_shapes(after[part])) == [(11, 5), (14, 5), (16, 5)]
    assert vml is not None
    ws = openpyxl.load_workbook(out)["绩效自评表"]
    assert all(ws[c].comment is not None for c in MARKED)


def test_reruns_replace_xltools_note_shapes(tmp_path):
    src = grafted("poi_commentTest.xlsx", tmp_path)
    clerk_notes = len(comments(parts(src)[rel_part(src, form_part(src), "comments")]))
    path = src
    for i in range(5):
        out = tmp_path / f"run{i}.xlsx"
        process.recompute_file(path, out)
        path = out
    data = parts(path)
    notes = comments(data[rel_part(path, form_part(path), "comments")])
    shapes = note_shapes(data[rel_part(path, form_part(path), "vmlDrawing")])
    assert len(notes) == clerk_notes + 3
    assert len(shapes) == len(set(shapes)) == len(notes)


def test_new_shapes_use_the_prefixes_the_vml_declares(tmp_path):
    """openpyxl writes VML with ns0/ns1/ns2 prefixes; xltool's shapes must use those."""
    from openpyxl.comments import Comment

    src = tmp_path / "clerk.xlsx"
    wb = openpyxl.load_workbook(FORM)
    wb["绩效自评表"]["B30"].comment = Comment("请复核", "张三")
    wb.save(src)
    out = tmp_path / "out.xlsx"
    process.recompute_file(src, out)
    data = parts(out)
    vml = rel_part(out, form_part(out), "vmlDrawing")
    shapes = note_shapes(data[vml])   # parses: every prefix bound
    assert sorted(shapes) == [(11, 5), (14, 5), (16, 5), (29, 1)]
    ws = openpyxl.load_workbook(out)["绩效自评表"]
    assert ws["B30"].comment.text == "请复核"


# --- 3. fills of every kind come back exactly -------------------------------------------------

FILLS = ['<fill><patternFill patternType="solid"><fgColor theme="4" tint="0.79998168889431442"/>'
         '<bgColor indexed="64"/></patternFill></fill>',
         '<fill><patternFill patternType="solid"><fgColor indexed="13"/><bgColor indexed="64"/></patternFill></fill>',
         '<fill><patternFill patternType="lightGray"><fgColor rgb="FF00B050"/><bgColor theme="0"/></patternFill></fill>']


def cell_fill(path, sheet: str, ref: str) -> str:
    package = Package(path)
    xml = package.text(package.sheet(sheet).part)
    s = int(re.search(rf'<c r="{ref}"[^>]*?\bs="(\d+)"', xml).group(1))
    styles = package.text("xl/styles.xml")
    xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.search(r"<cellXfs.*?</cellXfs>", styles, re.S).group(0), re.S)
    fill_id = int(re.search(r'fillId="(\d+)"', xfs[s]).group(1))
    fills = re.findall(r"<fill>.*?</fill>|<fill/>", re.search(r"<fills.*?</fills>", styles, re.S).group(0), re.S)
    return fills[fill_id]


def _clerk_fills(package: Package) -> None:
    styles = package.text("xl/styles.xml")
    fills = re.search(r"<fills.*?</fills>", styles, re.S).group(0)
    n = len(re.findall(r"<fill>", fills))
    styles = styles.replace("</fills>", "".join(FILLS) + "</fills>")
    styles = re.sub(r'<fills count="\d+"', f'<fills count="{n + 3}"', styles)
    xfs = re.search(r"<cellXfs.*?</cellXfs>", styles, re.S).group(0)
    count = len(re.findall(r"<xf\b", xfs))
    new = "".join(f'<xf numFmtId="0" fontId="0" fillId="{n + i}" borderId="0" xfId="0" applyFill="1"/>' for i in range(3))
    styles = styles.replace("</cellXfs>", new + "</cellXfs>")
    styles = re.sub(r'<cellXfs count="\d+"', f'<cellXfs count="{count + 3}"', styles)
    package.put("xl/styles.xml", styles)
    part = package.sheet("绩效自评表").part
    sheet = package.text(part)
    for i, ref in enumerate(MARKED):
        sheet = re.sub(rf'(<c r="{ref}"[^>]*?)\ss="\d+"', rf'\1 s="{count + i}"', sheet)
    package.put(part, sheet)


def test_theme_indexed_and_pattern_fills_come_back_exactly(tmp_path):
    src = grafted("cal_date_1904.xlsx", tmp_path, _clerk_fills)
    assert [cell_fill(src, "绩效自评表", ref) for ref in MARKED] == FILLS
    marked, fixed = tmp_path / "marked.xlsx", tmp_path / "fixed.xlsx"
    process.recompute_file(src, marked)
    assert all(marks.MARK_FILLS["warning"] in cell_fill(marked, "绩效自评表", ref) for ref in MARKED)
    again = tmp_path / "again.xlsx"
    process.recompute_file(marked, again)
    fix_marks(again, fixed)
    assert [cell_fill(fixed, "绩效自评表", ref) for ref in MARKED] == FILLS


# --- 5. what is refused or skipped, with a clear message --------------------------------------

def test_a_doctype_in_any_part_is_refused(tmp_path):
    def doctype(package):
        package.put("docProps/app.xml", package.text("docProps/app.xml").replace(
            "?>", '?>\n<!DOCTYPE Properties [<!ENTITY x "y">]>', 1))
    src = grafted("cal_date_1904.xlsx", tmp_path, doctype)
    for call in (lambda: process.evaluate_file(src), lambda: process.recompute_file(src, tmp_path / "o.xlsx")):
        with pytest.raises(workbooks.XltoolError, match="docProps/app.xml.*DOCTYPE"):
            call()
    assert not (tmp_path / "o.xlsx").exists()


def test_an_xlsb_is_named_as_a_binary_workbook(tmp_path):
    with pytest.raises(workbooks.XltoolError, match=r"Excel 二进制工作簿（\.xlsb）.*另存为 \.xlsx"):
        process.evaluate_file(REAL / "xlrd_sample.xlsb")


def test_an_xlm_macro_sheet_is_skipped_and_the_form_read(tmp_path):
    src = grafted("poi_xlmmacro.xlsm", tmp_path)
    result = process.evaluate_file(src)
    assert [e.read.form for e in result.evaluations] and {f.cell for f in result.findings} >= set(MARKED)
    out = tmp_path / "out.xlsm"
    process.recompute_file(src, out)
    before, after = parts(src), parts(out)
    assert after["xl/macrosheets/sheet1.xml"] == before["xl/macrosheets/sheet1.xml"]


TRANSITIONAL = re.compile(rb"http://schemas\.openxmlformats\.org/(spreadsheetml/2006/main|officeDocument/2006/relationships)")


def test_strict_ooxml_is_written_back_in_strict_namespaces(tmp_path):
    src = grafted("poi_SampleSS.strict.xlsx", tmp_path)
    for name, data in parts(src).items():
        assert not TRANSITIONAL.search(data), name
    out = tmp_path / "out.xlsx"
    result = process.recompute_file(src, out)
    assert {f.cell for f in result.findings} >= set(MARKED)
    for name, data in parts(out).items():
        assert not TRANSITIONAL.search(data), name
    again = tmp_path / "again.xlsx"
    assert {f.cell for f in process.recompute_file(out, again).findings} >= set(MARKED)


def test_strict_ooxml_the_patcher_cannot_edit_is_refused_not_mixed(tmp_path, monkeypatch):
    from xltool.io.ooxml.package import Unsupported

    def decline(*args, **kwargs):
        raise Unsupported("test")

    monkeypatch.setattr(writeback, "write_back", decline)
    src = grafted("poi_SampleSS.strict.xlsx", tmp_path)
    with pytest.raises(workbooks.XltoolError, match="严格 OOXML"):
        process.recompute_file(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


# --- 6. deterministic output ------------------------------------------------------------------

def test_the_same_input_gives_the_same_bytes(tmp_path):
    src = grafted("poi_commentTest.xlsx", tmp_path, _clerk_fills)
    outs = []
    for seed in ("1", "2", "3"):
        time.sleep(1.1)   # zip timestamps have a 2-second grain: runs land in different grains
        out = tmp_path / f"out{seed}.xlsx"
        code = ("import sys; from xltool import process; process.recompute_file(sys.argv[1], sys.argv[2])")
        subprocess.run([sys.executable, "-c", code, str(src), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]


# --- reading: a sheet whose used range does not start at A1 ------------------------------------

def test_cells_are_read_where_they_are_when_the_sheet_does_not_start_at_a1(tmp_path):
    """calamine's full-area rows start at A1: adding the used range's start again shifted every cell."""
    from xltool.io.calamine import read_grid_fast

    src = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.row_dimensions[2].height = 30     # an empty row Excel keeps for its height
    ws["B5"], ws["C7"] = "x", 1
    wb.save(src)
    assert read_grid_fast(src).sheets[0].cells == {(5, 2): "x", (7, 3): 1}


def test_the_openpyxl_path_restores_fills_of_every_kind_too(tmp_path, monkeypatch):
    from xltool.io import xlsx
    from xltool.io.ooxml.package import Unsupported

    def decline(*args, **kwargs):
        raise Unsupported("test")

    src = grafted("cal_date_1904.xlsx", tmp_path, _clerk_fills)
    look = lambda path: [(f.patternType, f.fgColor.theme, round(f.fgColor.tint, 6), f.fgColor.indexed, f.fgColor.rgb)  # noqa: E731
                         for f in (openpyxl.load_workbook(path)["绩效自评表"][ref].fill for ref in MARKED)]
    original = look(src)
    monkeypatch.setattr(writeback, "write_back", decline)
    marked = tmp_path / "marked.xlsx"
    result = process.recompute_file(src, marked)
    assert look(marked) != original
    fixed = tmp_path / "fixed.xlsx"
    xlsx.write_back(marked, fixed, ([(e.read.cells, e.computed) for e in result.evaluations], []))
    assert look(fixed) == original


# --- threaded comments and persons (Excel 365) --------------------------------------------------

TC_ID = "{0A1B2C3D-0000-4000-8000-00000000F015}"
PERSON = "{7E1F1C55-1A2B-4C3D-9E8F-0123456789AB}"


def _threaded(package: Package) -> None:
    """F15 (a marked cell) holds a threaded comment, saved the way Excel 365 saves one."""
    _excel365_notes(package)
    sheet = package.sheet("绩效自评表").part
    part = next(r["Part"] for r in package.rels(sheet) if r["Type"].endswith("/comments"))
    text = package.text(part).replace("<authors><author>John</author>",
                                      f"<authors><author>John</author><author>tc={TC_ID}</author>")
    legacy = (f'<comment ref="F15" authorId="1" shapeId="0" xr:uid="{TC_ID}"><text><t>[Threaded comment]\n\n'
              "Your version of Excel allows you to read this threaded comment.\n\nComment:\n    请核实</t></text></comment>")
    package.put(part, text.replace("</commentList>", legacy + "</commentList>"))
    package.put("xl/threadedComments/threadedComment1.xml", (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
        'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<threadedComment ref="F15" dT="2026-11-30T09:00:00.00" personId="{PERSON}" id="{TC_ID}">'
        "<text>请核实</text></threadedComment></ThreadedComments>"))
    package.add_rel(sheet, "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
                    "xl/threadedComments/threadedComment1.xml")
    package.content_type("xl/threadedComments/threadedComment1.xml", "application/vnd.ms-excel.threadedcomments+xml")
    package.put("xl/persons/person.xml", (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList '
        'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<person displayName="王会计" id="{PERSON}" userId="王会计" providerId="None"/></personList>'))
    package.add_rel("xl/workbook.xml", "http://schemas.microsoft.com/office/2017/10/relationships/person",
                    "xl/persons/person.xml")
    package.content_type("xl/persons/person.xml", "application/vnd.ms-excel.person+xml")


def test_threaded_comments_and_persons_are_kept_and_not_overwritten(tmp_path):
    src = grafted("xw_comment01.xlsx", tmp_path, _threaded)
    part = rel_part(src, form_part(src), "comments")
    before = parts(src)
    out1, out2 = tmp_path / "r1.xlsx", tmp_path / "r2.xlsx"
    process.recompute_file(src, out1)
    process.recompute_file(out1, out2)
    after = parts(out2)
    for name in ("xl/threadedComments/threadedComment1.xml", "xl/persons/person.xml"):
        assert after[name] == before[name], name
    notes = comments(after[part])
    assert etree.tostring(notes["F15"]) == etree.tostring(comments(before[part])["F15"])   # Excel's own
    assert "XT112" in "".join(notes["F12"].itertext()) and "XT112" in "".join(notes["F17"].itertext())
    assert cell_fill(out2, "绩效自评表", "F15") != cell_fill(src, "绩效自评表", "F15")    # still marked
    for name, data in after.items():
        if name.endswith((".xml", ".rels", ".vml")):
            etree.fromstring(data)
