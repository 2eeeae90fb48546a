"""The package patcher (write-back without openpyxl): valid packages, untouched parts kept byte for byte,
the same cells, marks and notes as the openpyxl path, and packages written by LibreOffice patched too."""
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as ET
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import libreoffice
from conftest import ROOT
from xltool import marks, process, workbooks
from xltool.io import xlsx
from xltool.io.ooxml import writeback
from xltool.io.ooxml.package import Unsupported

WB = ROOT / "workbooks"
SEEDS = sorted(WB.glob("*.xlsx"))
EDITED = re.compile(r"^(\[Content_Types\]\.xml|xl/workbook\.xml|xl/_rels/workbook\.xml\.rels|xl/styles\.xml|"
                    r"xl/worksheets/.*|xl/comments\d+\.xml|xl/drawings/vmlDrawing\d+\.vml|docProps/app\.xml)$")


def patch(src, out):
    """The patcher alone (no openpyxl fallback)."""
    grid = workbooks.open_grid(src)
    result = process.evaluate_grid(grid, src)
    forms = [(e.read.cells, e.computed) for e in result.evaluations]
    writeback.write_back(src, out, forms, result.findings, writeback.meta_rows(grid))
    return result


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def check_package(path) -> None:
    """Well-formed XML, a content type for every part, an existing part behind every internal relationship."""
    data = parts(path)
    types = ET.fromstring(data["[Content_Types].xml"])
    defaults = {e.get("Extension").lower() for e in types if e.tag.endswith("Default")}
    overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
    assert overrides <= set(data), overrides - set(data)
    for name, body in data.items():
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
        if name.endswith((".xml", ".rels")):
            ET.fromstring(body)
        if name.endswith(".rels"):
            base = PurePosixPath(name).parent.parent
            for rel in ET.fromstring(body):
                if rel.get("TargetMode") != "External":
                    target = rel.get("Target")
                    resolved = target.lstrip("/") if target.startswith("/") else \
                        str(PurePosixPath(*(base / target).parts)).replace("\\", "/")
                    resolved = re.sub(r"[^/]+/\.\./", "", resolved)
                    assert resolved in data, (name, target)


@pytest.mark.parametrize("src", SEEDS, ids=lambda p: p.name[:6])
def test_every_seed_workbook_is_patched_into_a_valid_package(src, tmp_path):
    out = tmp_path / "out.xlsx"
    result = patch(src, out)
    check_package(out)
    before, after = parts(src), parts(out)
    for name, body in before.items():
        if not EDITED.match(name):
            assert after[name] == body, name
    wb = openpyxl.load_workbook(out)
    assert (marks.FINDINGS_SHEET in wb.sheetnames) == bool(result.findings)
    assert wb.calculation.fullCalcOnLoad


def test_untouched_parts_survive_byte_for_byte(tmp_path):
    src = tmp_path / "with_extras.xlsx"
    shutil.copy(SEEDS[-1], src)
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("xl/media/image1.png", b"\x89PNG not really")
        zf.writestr("customXml/item1.xml", "<root>单位自定义数据</root>")
    out = tmp_path / "out.xlsx"
    patch(src, out)
    after = parts(out)
    assert after["xl/media/image1.png"] == b"\x89PNG not really"
    assert after["customXml/item1.xml"] == "<root>单位自定义数据</root>".encode()


def cells(path) -> dict:
    """(sheet, cell) → (value, fill, note text) for every non-empty or marked cell, read by openpyxl."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                fill = c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" else ""
                value = c.value
                if isinstance(value, float):
                    value = Decimal(repr(value)).normalize()
                elif isinstance(value, int) and not isinstance(value, bool):
                    value = Decimal(value)
                elif isinstance(value, str) and value.startswith("<fill"):   # a recorded fill: as XML, not as text
                    value = re.sub(r"\s+/>", "/>", value)
                if value is not None or fill or c.comment:
                    out[(ws.title, c.coordinate)] = (value, fill, c.comment.text if c.comment else None,
                                                     c.number_format.endswith("%"))
    return out


@pytest.mark.parametrize("src", [s for s in SEEDS if s.name[:3] in ("001", "002", "003", "004")][::3],
                         ids=lambda p: p.name[:6])
def test_patched_workbook_reads_like_the_openpyxl_write_back(src, tmp_path):
    patched, rewritten = tmp_path / "patched.xlsx", tmp_path / "rewritten.xlsx"
    result = patch(src, patched)
    forms = [(e.read.cells, e.computed) for e in result.evaluations]
    xlsx.write_back(src, rewritten, (forms, result.findings))
    assert cells(patched) == cells(rewritten)


def test_patching_again_does_not_grow_the_package(tmp_path):
    src = next(WB.glob("004_01_*.xlsx"))
    paths = [tmp_path / f"run{i}.xlsx" for i in range(4)]
    patch(src, paths[0])
    for a, b in zip(paths, paths[1:]):
        patch(a, b)
    assert parts(paths[2]) .keys() == parts(paths[3]).keys()
    assert parts(paths[2])["xl/styles.xml"] == parts(paths[3])["xl/styles.xml"]
    assert cells(paths[1]) == cells(paths[3])


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_a_package_written_by_libreoffice_is_patched_and_recalculated(tmp_path):
    """LibreOffice's own xlsx (shared strings, its styles and namespaces) → patch → LibreOffice recalculates."""
    src = next(WB.glob("004_02_*.xlsx"))
    (theirs,) = libreoffice.recalc([src], tmp_path / "lo")
    assert "xl/sharedStrings.xml" in parts(theirs)
    out = tmp_path / "patched.xlsx"
    result = patch(theirs, out)
    check_package(out)
    (again,) = libreoffice.recalc([out], tmp_path / "lo2")
    (evaluation,) = result.evaluations
    values = openpyxl.load_workbook(again, data_only=True)
    checked = 0
    for key, value in evaluation.computed.items():
        sheet, r, c = evaluation.read.cells[key]
        lo = values[sheet].cell(r, c).value
        if value is None or lo in (None, ""):
            continue
        lo = Decimal(repr(lo))
        if marks.is_percent_key(key):
            lo = (lo * 100).quantize(Decimal("0.01"))
        assert lo == value, key
        checked += 1
    assert checked > 50
    assert marks.FINDINGS_SHEET in values.sheetnames


def test_a_package_the_patcher_cannot_edit_goes_through_openpyxl(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise Unsupported("test")

    monkeypatch.setattr(writeback, "write_back", refuse)
    src = tmp_path / "with_image.xlsx"
    shutil.copy(SEEDS[0], src)
    out = tmp_path / "out.xlsx"
    process.recompute_file(src, out)
    assert marks.FINDINGS_SHEET in openpyxl.load_workbook(out).sheetnames
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("xl/media/image1.png", b"\x89PNG fake")
    with pytest.raises(workbooks.XltoolError, match="图片.*拒绝写回"):
        process.recompute_file(src, tmp_path / "refused.xlsx")
    assert not (tmp_path / "refused.xlsx").exists()


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_a_package_saved_by_excel_keeps_its_macros_and_takes_values_marks_and_notes(tmp_path):
    """xlwings' quickstart.xlsm was saved by Excel (mc:Ignorable, x14ac, shared strings, a VBA project)."""
    import xlwings

    from xltool.core.findings import Finding

    src = Path(xlwings.__file__).parent / "quickstart.xlsm"
    before = parts(src)
    p = writeback.Patch(src)
    p.clear([])
    p.write_computed({"a": ("Sheet1", 2, 2), "b": ("Sheet1", 3, 2)}, {"a": Decimal("12.5"), "b": "达标"})
    finding = Finding("XT101", "error", "合计不等于各项之和", expected="12.5", found="13", sheet="Sheet1", cell="B2")
    p.meta_sheet(p.mark([finding]))
    p.findings_sheet([finding])
    out = tmp_path / "patched.xlsm"
    p.finish()
    p.save(out)
    check_package(out)
    after = parts(out)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert 'mc:Ignorable="x14ac xr xr2 xr3"' in after["xl/worksheets/sheet1.xml"].decode()
    (converted,) = libreoffice.recalc([out], tmp_path / "lo")
    wb = openpyxl.load_workbook(converted)
    ws = wb["Sheet1"]
    assert ws["B2"].value == 12.5 and ws["B3"].value == "达标"
    assert "XT101" in ws["B2"].comment.text
    assert ws["B2"].fill.fgColor.rgb[-6:] == marks.MARK_FILLS["error"]
    assert wb[marks.FINDINGS_SHEET]["A2"].value == "XT101"


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_notes_saved_by_libreoffice_stay_and_ours_join_them(tmp_path):
    """LibreOffice writes its own comments part and VML drawing; the patcher adds to them, and they still open."""
    from openpyxl.comments import Comment

    src = tmp_path / "clerk.xlsx"
    wb = openpyxl.load_workbook(next(WB.glob("004_01_*.xlsx")))
    wb["支出安排"]["B30"] = "经办人：张三"
    wb["支出安排"]["B30"].comment = Comment("请复核", "张三")
    wb["支出安排"]["C14"].comment = Comment("这一格我核过了", "李四")   # a cell xltool marks (XT104)
    wb.save(src)
    (saved,) = libreoffice.recalc([src], tmp_path / "lo")
    assert any(name.endswith(".vml") for name in parts(saved))
    out = tmp_path / "patched.xlsx"
    result = patch(saved, out)
    check_package(out)
    (reopened,) = libreoffice.recalc([out], tmp_path / "lo2")
    wb = openpyxl.load_workbook(reopened)
    assert "请复核" in wb["支出安排"]["B30"].comment.text
    c14 = wb["支出安排"]["C14"].comment.text
    assert "这一格我核过了" in c14 and "XT104" in c14
    marked = {(f.sheet, f.cell) for f in result.findings if f.cell}
    assert all(wb[sheet][cell].comment is not None for sheet, cell in marked)


def test_a_macro_workbook_stays_a_macro_workbook(tmp_path):
    """.xlsm in, .xlsm out, VBA project kept (recompute and convert alike)."""
    from xltool import convert as bulk

    src = tmp_path / "in" / "宏.xlsm"
    src.parent.mkdir()
    shutil.copy(SEEDS[0], src)
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"VBA project bytes")
    summary = bulk.convert(src.parent, tmp_path / "out", jobs=1)
    assert summary.rows[0].status != "失败", summary.rows[0].reason
    out = tmp_path / "out" / "宏.xlsm"
    assert parts(out)["xl/vbaProject.bin"] == b"VBA project bytes"
    process.recompute_file(src, tmp_path / "again.xlsm")
    assert parts(tmp_path / "again.xlsm")["xl/vbaProject.bin"] == b"VBA project bytes"


def test_a_package_in_prefixed_xml_falls_back_to_openpyxl(tmp_path):
    """Some generators write ``<x:worksheet xmlns:x=…>``: the patcher declines, openpyxl writes it."""
    src = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(SEEDS[0]) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.startswith("xl/worksheets/sheet"):
                text = re.sub(r"<(/?)([A-Za-z]\w*)", r"<\1x:\2", data.decode())
                data = text.replace(' xmlns="', ' xmlns:x="', 1).encode()
            zout.writestr(name, data)
    with pytest.raises(Unsupported):
        patch(src, tmp_path / "patched.xlsx")
    result = process.recompute_file(src, tmp_path / "out.xlsx")
    assert result.evaluations and marks.FINDINGS_SHEET in openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
NUMBER = st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(TEXT, NUMBER), min_size=1, max_size=6))
@example(values=["\r", " 前后有空格 ", "<&>\"'", "=3人", "a\r\nb", "\x07", Decimal("0.1234")])
@example(values=["\x1b\r0"])   # found by a random run: whether spaces are kept was decided before dropping \x1b
def test_any_text_or_number_reads_back_as_written(tmp_path, values):
    """Markup characters, quotes, newlines, leading spaces, CJK: the patched cell reads back the same
    (control characters XML cannot hold are dropped), by calamine and by openpyxl."""
    from xltool.io.calamine import read_grid_fast

    cells = {f"k{i}": ("区域绩效目标表", 40 + i, 2 + i % 3) for i in range(len(values))}
    p = writeback.Patch(SEEDS[0])
    p.write_computed(cells, {f"k{i}": v for i, v in enumerate(values)})
    p.finish()
    out = tmp_path / "out.xlsx"
    p.save(out)
    grid = read_grid_fast(out).sheet("区域绩效目标表")
    ws = openpyxl.load_workbook(out)["区域绩效目标表"]
    for i, value in enumerate(values):
        _, r, c = cells[f"k{i}"]
        if isinstance(value, str):
            expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value) or None
            assert (grid.get(r, c) or None) == expected
            assert (ws.cell(r, c).value or None) == expected
        else:
            assert Decimal(repr(float(grid.get(r, c)))) == Decimal(repr(float(value)))
            assert Decimal(repr(float(ws.cell(r, c).value))) == Decimal(repr(float(value)))


def test_text_whose_control_character_hides_a_leading_carriage_return(tmp_path):
    """'\x1b\r0' read back as '0': the patcher decided on xml:space before dropping the control
    character, so the leading CR (then first) was stripped by the reader."""
    from xltool.io.calamine import read_grid_fast

    p = writeback.Patch(SEEDS[0])
    p.write_computed({"k": ("区域绩效目标表", 40, 2)}, {"k": "\x1b\r0"})
    p.finish()
    p.save(tmp_path / "out.xlsx")
    assert read_grid_fast(tmp_path / "out.xlsx").sheet("区域绩效目标表").get(40, 2) == "\r0"
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["区域绩效目标表"].cell(40, 2).value == "\r0"
