"""`xltool export`: the tidy long table."""
import csv

import pandas as pd

from conftest import ROOT
from xltool.export import COLUMNS, export_long

WORKBOOKS = ROOT / "workbooks"


def test_export_csv_long_table(tmp_path):
    out = tmp_path / "all.csv"
    n = export_long([WORKBOOKS], out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == COLUMNS and len(frame) == n
    row = frame[(frame.item == "全地区社会保险基金收入合计") & (frame.column == "2022年预计 执行数")
                & frame.file.str.startswith("004_01") & frame.table.str.contains("收入执行")]
    assert row.number.tolist() == ["1207152"] and row.computed.tolist() == ["True"]
    weights = frame[frame.file.str.startswith("003_01") & (frame.column == "指标分值权重")]
    assert sum(int(x) for x in weights.number) == 90
    # text that a spreadsheet would run as a formula is escaped
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert any(r["text"] == "'=3人" for r in rows)
    assert not any(r["text"].startswith("=") for r in rows)


def test_export_xlsx_and_units(tmp_path):
    out = tmp_path / "all.xlsx"
    export_long([next(WORKBOOKS.glob("004_03_*.xlsx"))], out)
    frame = pd.read_excel(out, dtype=str, engine="openpyxl")
    fee = frame[(frame["item"] == "社会保险费收入") & (frame["column"] == "指标值")]
    assert fee["unit"].tolist() == ["亿元"] and fee["number"].tolist() == ["3.59"]
