"""The streamed summary workbook (汇总.xlsx) read back with openpyxl."""
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xltool.convert import FileRow
from xltool.core.findings import Finding
from xltool.summary import SummaryWriter, write_summary


def finding(file, rule="XT101", severity="error", message="合计不等于各项之和", expected="=3人", found="12"):
    return Finding(rule, severity, message, expected=expected, found=found, file=file, sheet="表1", cell="C5")


@pytest.fixture
def book(tmp_path):
    target = tmp_path / "out" / "汇总.xlsx"
    with SummaryWriter(target) as writer:
        writer.add(FileRow("a/甲.xlsx", "预算附表", "县甲", "有错误", 2, 0, "", ""), [finding("a/甲.xlsx"),
                   finding("a/甲.xlsx", rule="XT105", expected="", found="")])
        writer.add(FileRow("b/乙.xlsx", "支出绩效自评表", "=3人", "成功", Decimal(0), 1, "95.5", ""),
                   [finding("b/乙.xlsx", severity="warning")])
        writer.add(FileRow("坏.xlsx", status="失败", reason="坏.xlsx：文件已损坏"))
    return openpyxl.load_workbook(target)


def test_sheets_header_and_rows_in_order(book):
    assert book.sheetnames == ["文件汇总", "全部问题", "按规则统计"]
    ws = book["文件汇总"]
    assert [c.value for c in ws[1]] == ["文件", "表单", "单位/项目", "状态", "错误数", "警告数", "总分", "说明"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["a/甲.xlsx", "b/乙.xlsx", "坏.xlsx"]
    assert ws["E2"].value == 2 and ws["E3"].value == 0 and ws["E3"].data_type == "n"   # Decimal → number
    assert ws["G3"].value == 95.5 and ws["G3"].data_type == "n"   # 总分 is a number
    assert ws["H4"].value == "坏.xlsx：文件已损坏"
    assert ws[1][0].font.b and ws[1][0].fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.column_dimensions["A"].width == pytest.approx(40, abs=1)
    assert ws.freeze_panes == "A2" and book["全部问题"].freeze_panes == "A2"


def test_findings_sheet(book):
    ws = book["全部问题"]
    assert [c.value for c in ws[1]] == ["文件", "规则", "级别", "位置", "说明", "应为", "实为"]
    assert [c.value for c in ws[2]] == ["a/甲.xlsx", "XT101", "错误", "表1!C5", "合计不等于各项之和", "=3人", "12"]
    assert ws.max_row == 4 and ws["C4"].value == "警告"


def test_text_starting_with_equals_stays_text(book):
    for cell in (book["全部问题"]["F2"], book["文件汇总"]["C3"]):
        assert cell.value == "=3人" and cell.data_type == "s"
    assert book["全部问题"]["G2"].data_type == "s"   # "12" is text, not a number


def test_autofilter_and_chart(book):
    assert book["文件汇总"].auto_filter.ref == "A1:H4"
    assert book["全部问题"].auto_filter.ref == "A1:G4"
    rules = book["按规则统计"]
    assert list(rules.iter_rows(values_only=True)) == [("规则", "说明", "条数"), ("XT101", "合计与明细不符", 2),
                                                        ("XT105", "自报执行率与计算不符", 1)]
    assert len(rules._charts) == 1


def test_no_findings_no_chart(tmp_path):
    target = tmp_path / "汇总.xlsx"
    write_summary([FileRow("x.xlsx", "预算附表")], [], target)
    book = openpyxl.load_workbook(target)
    assert book["全部问题"].auto_filter.ref == "A1:G1" and not book["按规则统计"]._charts
    assert [f.name for f in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_error_mid_write_leaves_no_temporary_file_and_keeps_the_old_target(tmp_path):
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with SummaryWriter(target) as writer:
            writer.add(FileRow("a.xlsx"), [finding("a.xlsx")])
            raise RuntimeError("boom")
    assert [f.name for f in tmp_path.iterdir()] == ["汇总.xlsx"] and target.read_bytes() == b"old"
    assert not Path(writer._scratch).exists()   # xlsxwriter's row files are gone too


def test_umask_is_honoured(tmp_path):
    import os
    old = os.umask(0o027)
    try:
        write_summary([], [], tmp_path / "汇总.xlsx")
    finally:
        os.umask(old)
    assert (tmp_path / "汇总.xlsx").stat().st_mode & 0o777 == 0o640


def test_rows_beyond_excels_limit_are_counted_not_lost(tmp_path, monkeypatch):
    from xltool import summary

    monkeypatch.setattr(summary, "MAX_ROWS", 3)   # header + 2 rows
    target = tmp_path / "汇总.xlsx"
    with SummaryWriter(target) as writer:
        writer.add(FileRow("a.xlsx"), [finding("a.xlsx") for _ in range(5)])
    book = openpyxl.load_workbook(target)
    assert book["全部问题"].max_row == 3 and book["全部问题"].auto_filter.ref == "A1:G3"
    rules = list(book["按规则统计"].iter_rows(values_only=True))
    assert rules[1] == ("XT101", "合计与明细不符", 5) and "另有 3 行未列出" in rules[3][0]


def test_print_setup_of_every_sheet(book):
    """Issue 16: landscape A4, one page wide, header repeated, frozen header (汇总 printed on 13 pages)."""
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title   # 1 is the default
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1" and ws.freeze_panes == "A2", ws.title
