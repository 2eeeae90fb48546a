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
    assert row.number.tolist() == ["1207152.0"] and row.computed.tolist() == ["True"]
    weights = frame[frame.file.str.startswith("003_01") & (frame.column == "指标分值权重")]
    assert sum(float(x) for x in weights.number) == 90
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


def _frames(tmp_path, source):
    out = {}
    for suffix in ("csv", "xlsx", "parquet"):
        path = tmp_path / f"all.{suffix}"
        export_long([source], path)
        out[suffix] = (pd.read_csv(path) if suffix == "csv" else
                       pd.read_excel(path, engine="openpyxl") if suffix == "xlsx" else pd.read_parquet(path))
    return out


def test_number_is_numeric_and_year_region_level_fund_columns(tmp_path):
    """Issue 16: pandas sees numbers, and can group by year, region, level and fund (seed 004 表八)."""
    for suffix, frame in _frames(tmp_path, WORKBOOKS).items():
        assert pd.api.types.is_float_dtype(frame["number"]), suffix
        assert pd.api.types.is_numeric_dtype(frame["year"]), suffix   # Int64 in Parquet; NaN where a form has no year
        code = frame.code.astype(str).str.replace(r"\.0$", "", regex=True)
        benji = frame[frame.file.str.startswith("004_02") & (code == "10203")]
        assert set(benji.year) == {2023} and set(benji.region) == {"喀什地区"} and set(benji.level) == {"本级"}
        assert set(benji.fund) == {"职工基本医疗保险"}
        # seed 004 表八 10203: 277754 (2022 执行) and 291228 (2023 预算), summable as numbers
        assert sorted(benji.number) == [277754.0, 291228.0] and benji.number.sum() == 568982.0
        regional = frame[frame.file.str.startswith("004_03")]
        assert set(regional.fund) == {"城乡居民基本养老保险"} and set(regional.level) == {"全地区"}
        total = frame[frame.file.str.startswith("000_01") & (frame.item == "收入预算金额(亿元)")]
        assert total.number.tolist() == [773.15], suffix   # seed 000 企业职工: 773.15 亿元, a number not '773.15


def test_parquet_without_pyarrow_is_a_one_line_chinese_refusal(tmp_path, monkeypatch):
    import importlib.util

    from click.testing import CliRunner

    from xltool.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    result = CliRunner().invoke(app, ["export", str(WORKBOOKS), "-o", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2
    assert "需要 pyarrow" in result.output and "pip install pyarrow" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_the_formulas_hidden_helper_cells_are_not_exported(tmp_path):
    """The hidden helper columns (headers xlt…, e.g. a derived table's 附表 figures in 万元) are the
    formulas' working cells, not the form's data: the long table leaves them out, keeps 测算值."""
    from xltool.derive import derive_targets

    derived = derive_targets(next(WORKBOOKS.glob("004_01_*.xlsx")), tmp_path / "d")
    out = tmp_path / "derived.csv"
    export_long([r.path for r in derived], out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert not frame.column.str.startswith("xlt").any()
    measured = frame[(frame.item == "其他支出占基金支出比重") & (frame.column == "测算值")
                     & frame.file.str.contains("城乡居民基本养老保险")]
    assert measured.text.tolist() == ["0.71%"]      # seed 004: (71171 − 70667) / 71171
