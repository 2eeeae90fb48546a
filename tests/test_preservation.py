"""Recompute keeps what clerks put in workbooks: values, styles, merges, widths, validation,
comments, defined names and print settings; clearing marks gives the clerk's notes and fills back."""
import shutil

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from conftest import ROOT
from xltool import process
from xltool.io import xlsx

SRC = next((ROOT / "workbooks").glob("004_01_*.xlsx"))


def decorate(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["支出安排"]
    ws["B30"] = "经办人：张三"
    ws["B30"].comment = Comment("请复核", "张三")
    ws["C14"].comment = Comment("这一格我核过了", "李四")          # a cell xltool will mark (XT104)
    ws["C14"].fill = PatternFill("solid", fgColor="00FF00")
    ws.merge_cells("B31:D31")
    ws.column_dimensions["B"].width = 55
    dv = DataValidation(type="list", formula1='"是,否"')
    dv.add("F5:F10")
    ws.add_data_validation(dv)
    ws.print_options.gridLines = True
    ws.page_setup.orientation = "portrait"
    wb.defined_names["经办人"] = DefinedName("经办人", attr_text="'支出安排'!$B$30")
    wb.save(path)


def test_recompute_preserves_clerk_content(tmp_path):
    path = tmp_path / "in.xlsx"
    shutil.copy(SRC, path)
    decorate(path)
    out = tmp_path / "out.xlsx"
    process.recompute_file(path, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["支出安排"]
    assert ws["B30"].value == "经办人：张三" and ws["B30"].comment.text == "请复核"
    assert ws["C14"].comment.text.startswith("这一格我核过了") and "XT104" in ws["C14"].comment.text
    assert "B31:D31" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["B"].width == 55
    assert any(dv.formula1 == '"是,否"' for dv in ws.data_validations.dataValidation)
    assert ws.print_options.gridLines and ws.page_setup.orientation == "portrait"
    assert "经办人" in wb.defined_names
    # clearing the marks restores the clerk's own note and fill
    cleared = tmp_path / "cleared.xlsx"
    xlsx.clear_file(out, cleared)
    ws = openpyxl.load_workbook(cleared)["支出安排"]
    assert ws["C14"].comment.text == "这一格我核过了" and ws["C14"].comment.author == "李四"
    assert ws["C14"].fill.fgColor.rgb.endswith("00FF00")
    assert "校验结果" not in openpyxl.load_workbook(cleared).sheetnames


def test_parts_openpyxl_would_drop_are_kept(tmp_path):
    """Write-back patches the package, so images (and charts, shapes, macros) survive it."""
    import zipfile
    path = tmp_path / "with_image.xlsx"
    shutil.copy(SRC, path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/media/image1.png", b"\x89PNG fake")
    before = path.read_bytes()
    process.recompute_file(path, tmp_path / "out.xlsx")
    assert path.read_bytes() == before
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert z.read("xl/media/image1.png") == b"\x89PNG fake"


def test_marks_left_by_the_open_book_path_clear_without_a_stray_note(tmp_path):
    """The xlwings path writes the flag "note" where a clerk's note text would be; it is not a note to restore."""
    path = tmp_path / "in.xlsx"
    shutil.copy(SRC, path)
    marked = tmp_path / "marked.xlsx"
    process.recompute_file(path, marked)
    wb = openpyxl.load_workbook(marked)
    meta = wb["_xltool"]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "mark":
            meta.cell(row[0].row, 4).value, meta.cell(row[0].row, 5).value = "note", None
    wb.save(marked)
    for run in (lambda out: xlsx.clear_file(marked, out), lambda out: process.recompute_file(marked, out)):
        out = tmp_path / "out.xlsx"
        run(out)
        notes = [c.comment.text for ws in openpyxl.load_workbook(out).worksheets
                 for row in ws.iter_rows() for c in row if c.comment]
        assert "note" not in notes
