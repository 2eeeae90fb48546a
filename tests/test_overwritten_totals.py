"""A total the clerk overwrote (XT101): recompute writes the recomputed sum and keeps the stated
figure in the cell's note ("原值在批注中"); the note speaks of the table's columns, never of
internal keys. Figures from seed 004 (表二 全地区社会保险基金收入合计 1158257; 104.22%)."""
import re
import shutil

import openpyxl

from conftest import ROOT
from xltool import process

SRC = next((ROOT / "workbooks").glob("004_01_*.xlsx"))


def test_overwritten_total_is_recomputed_and_the_typed_figure_kept_in_the_note(tmp_path):
    path = tmp_path / "in.xlsx"
    shutil.copy(SRC, path)
    wb = openpyxl.load_workbook(path)
    wb["收入执行"]["C4"] = 1158000          # 表二 合计, typed over the formula
    wb["收入执行"]["E4"] = 1.0423           # 104.23% typed over 104.22%
    wb.save(path)
    process.recompute_file(path, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["收入执行"]
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["收入执行"]
    assert values["C4"].value == 1158257
    note = ws["C4"].comment.text
    assert "XT101" in note and "应为：1158257" in note and "实为：1158000" in note
    pct = ws["E4"].comment.text
    assert "XT102" in pct and "应为：104.22%" in pct and "实为：104.23%" in pct
    for text in (note, pct):
        assert not re.search(r"[a-z]+_[a-z]+", text), text
