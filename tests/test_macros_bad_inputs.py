"""The bad-input corpus through the Excel macros: files that reach Excel as a workbook
(unknown form, text where numbers belong, formula-like text) get a clear Chinese message, and
nothing the clerk typed is overwritten."""
import copy
import os
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT
from xlwings_payload import payload_from_xlsx, written_cells

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
import make_corpus  # noqa: E402

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
from xltool import excel  # noqa: E402


def run(path, macro):
    payload = payload_from_xlsx(path)
    book = xw.Book(json=copy.deepcopy(payload))
    result = getattr(excel, macro)(book, alert=False)
    return payload, result, book.json()["actions"]


@pytest.mark.parametrize("macro", ["check", "recompute"])
def test_unknown_form_gets_a_clear_message(tmp_path, macro):
    make_corpus.make(tmp_path)
    payload, result, actions = run(tmp_path / "unknown_form.xlsx", macro)
    assert not result.ok and "无法识别表单类型" in result.message
    assert not written_cells(payload, actions)


def test_text_where_numbers_belong(tmp_path):
    path = tmp_path / "附表.xlsx"
    shutil.copy(next((ROOT / "workbooks").glob("004_01_*.xlsx")), path)
    wb = openpyxl.load_workbook(path)
    wb["收入执行"]["C8"] = "约十万"          # an amount typed as words
    wb["收入执行"]["B40"] = "=3人"
    wb["收入执行"]["B40"].data_type = "s"
    wb.save(path)
    payload, result, actions = run(path, "recompute")
    written = written_cells(payload, actions)
    assert ("收入执行", "C8") not in written and ("收入执行", "B40") not in written
    findings = [a for a in actions if "约十万" in str(a)]
    assert findings, "the finding naming the cell and its text reaches the workbook"
