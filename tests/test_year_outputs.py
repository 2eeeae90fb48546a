"""Issue 16, items 2–4: year-aware templates in both levels, rollover only to the next year with
上年完成值 from the self-evaluation, roll-up by level; every formula cell of every output carries
the value LibreOffice computes for it."""
import shutil
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

import libreoffice
from conftest import ROOT
from xltool import workbooks
from xltool.cli import app
from xltool.core import model

runner = CliRunner()
WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))    # 喀什地区 全地区, 2023
BENJI = next(WB.glob("004_02_*.xlsx"))     # 喀什地区本级, 2023
PROJECT = next(WB.glob("003_01_*.xlsx"))   # 库尔勒 project target, 2023
SELF_EVAL = next(WB.glob("002_01_*.xlsx"))


def texts(path):
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


# --- item 2: templates -------------------------------------------------------------------------------

def test_blank_year_is_blank_never_1999(tmp_path):
    out = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", "budget-tables", "-o", str(out)]).exit_code == 0
    cells = texts(out)
    assert not any("1999" in t or "2000" in t for t in cells)
    assert "表一：    年社会保险基金预算执行情况和    年社会保险基金预算安排平衡表" in cells
    assert {"上年执行数", "本年预算数", "上年预计执行数"} <= set(cells)
    (read,) = workbooks.read_workbook(out)
    assert read.instance.year is None and read.instance.level == "全地区"
    for committed in ("budget-tables.xlsx", "budget-tables-benji.xlsx"):
        assert not any("1999" in t for t in texts(ROOT / "templates" / committed))


@pytest.mark.parametrize("level, numbers", [("全地区", ["表一", "表二", "表三", "表四", "表五", "表六", "表七"]),
                                            ("本级", ["表八", "表九", "表十", "表十一", "表十二", "表十三", "表十四"])])
def test_budget_tables_in_both_levels(tmp_path, level, numbers):
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "budget-tables", "-o", str(out), "--year", "2025",
                                 "--region", "喀什地区", "--level", level])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    titles = [ws["A1"].value for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert [t.partition("：")[0] for t in titles] == numbers
    unit = "喀什地区本级" if level == "本级" else "喀什地区"
    assert titles[0] == f"{numbers[0]}：{unit}2024年社会保险基金预算执行情况和2025年社会保险基金预算安排平衡表"
    (read,) = workbooks.read_workbook(out)
    book = read.instance
    assert (book.region, book.level, book.year) == ("喀什地区", level, 2025)
    assert book.tables["income_plan"].columns == ["2024年预计执行数", "2025年预算数"]


def test_target_template_with_region_fund_and_year(tmp_path):
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "regional-target", "-o", str(out), "--year", "2025",
                                 "--region", "喀什地区", "--level", "本级", "--fund", "工伤保险"])
    assert result.exit_code == 0, result.output
    (read,) = workbooks.read_workbook(out)
    assert (read.instance.year, read.instance.region, read.instance.fund) == (2025, "喀什地区本级", "工伤保险")
    check = runner.invoke(app, ["check", str(out)])
    assert check.exit_code == 0 and "XT100" in check.output   # still a blank form to the checks


@pytest.mark.parametrize("args, message", [(["--level", "省级"], "未知级次"), (["--fund", "工伤保险"], "不能指定 --fund"),
                                           (["--year", "25"], "四位年份")])
def test_template_refuses_what_it_cannot_make(tmp_path, args, message):
    result = runner.invoke(app, ["template", "budget-tables", "-o", str(tmp_path / "t.xlsx"), *args])
    assert result.exit_code == 2 and message in result.output


# --- item 3: rollover --------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["2025", "2023", "2022"])
def test_rollover_only_to_the_next_year(tmp_path, year):
    result = runner.invoke(app, ["rollover", str(REGION), "--to-year", year, "-o", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "只能到下一年（2024 年）" in result.output and "--force" in result.output
    assert not (tmp_path / REGION.name).exists()
    forced = runner.invoke(app, ["rollover", str(REGION), "--to-year", year, "--force", "-o", str(tmp_path),
                                 "--overwrite"])   # the refused run's 汇总.xlsx is there
    assert forced.exit_code == 0, forced.output
    (read,) = workbooks.read_workbook(tmp_path / REGION.name)
    assert read.instance.year == int(year)


def test_rollover_defaults_to_the_next_year(tmp_path):
    result = runner.invoke(app, ["rollover", str(REGION), str(PROJECT), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert workbooks.read_workbook(tmp_path / REGION.name)[0].instance.year == 2024
    assert workbooks.read_workbook(tmp_path / PROJECT.name)[0].instance.year == 2024


def test_self_evaluations_are_reported_not_rolled(tmp_path):
    result = runner.invoke(app, ["rollover", str(SELF_EVAL), str(PROJECT), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"未结转：{SELF_EVAL.name}" in result.output and "年终评价" in result.output
    assert not (tmp_path / SELF_EVAL.name).exists()
    summary = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["文件汇总"]
    rows = {r[0]: r for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows[SELF_EVAL.name][3] == "未结转" and "--actuals" in rows[SELF_EVAL.name][7]


def _clerk_fills_actuals(path, actuals: dict[int, object]):
    """Type 实际完成值 into a started self-evaluation as a clerk would (numbers, percents, text)."""
    (read,) = workbooks.read_workbook(path)
    wb = openpyxl.load_workbook(path)
    for i, value in actuals.items():
        sheet, r, c = read.cells[f"ind.{i}.actual"]
        cell = wb[sheet].cell(r, c)
        cell.value = value
        if isinstance(value, float):
            cell.number_format = "0%"
    wb.save(path)
    return read.instance


def test_last_year_value_is_what_was_achieved(tmp_path):
    started = runner.invoke(app, ["self-evaluation", str(PROJECT), "-o", str(tmp_path / "start")])
    assert started.exit_code == 0, started.output
    (evaluation,) = (tmp_path / "start").glob("*自评表.xlsx")
    target = workbooks.read_workbook(PROJECT)[0].instance
    typed = {0: "12次", 1: "98%", 2: "已按时发放"}
    _clerk_fills_actuals(evaluation, typed)
    result = runner.invoke(app, ["rollover", str(PROJECT), "--actuals", str(evaluation), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    (rolled,) = workbooks.read_workbook(tmp_path / "r" / PROJECT.name)
    last = [i.last_year for i in rolled.instance.indicators]
    assert last[:3] == ["12次", "98%", "已按时发放"]
    assert last[3:] == [""] * (len(last) - 3)      # no actual typed: blank, never the target
    assert target.indicators[0].target not in ("", "12次")
    assert "项指标在自评表中没有实际完成值，留空" in result.output


def test_without_actuals_last_year_is_blank_with_a_note(tmp_path):
    result = runner.invoke(app, ["rollover", str(PROJECT), "-o", str(tmp_path)])
    assert result.exit_code == 0
    (rolled,) = workbooks.read_workbook(tmp_path / PROJECT.name)
    assert all(i.last_year == "" for i in rolled.instance.indicators)
    assert "上年完成值留空" in result.output


# --- item 4: roll-up by level --------------------------------------------------------------------------

def test_region_beside_its_own_benji_is_refused(tmp_path):
    result = runner.invoke(app, ["rollup", str(REGION), str(BENJI), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2
    assert "已包含喀什地区本级" in result.output and "算两次" in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_non_budget_files_in_a_folder_are_skipped_and_listed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(BENJI, folder / "本级.xlsx")
    shutil.copy(PROJECT, folder / "项目.xlsx")
    (folder / "坏.xlsx").write_bytes(b"not a workbook")
    result = runner.invoke(app, ["rollup", str(folder), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2, result.output     # one input could not be read
    assert "已跳过 2 个文件" in result.output
    assert "项目.xlsx：不是社会保险基金预算附表" in result.output and "坏.xlsx：无法读取" in result.output
    (read,) = workbooks.read_workbook(tmp_path / "r.xlsx")
    # 10203 职工基本医疗 (seed 004 表八: 277754 | 291228): the 本级's own figures, counted once
    assert read.instance.tables["balance"].row("in.employee_medical").values == [Decimal(277754), Decimal(291228)]


# --- every formula cell carries its computed value -----------------------------------------------------

def outputs(tmp):
    """Workbooks written by rollover, template, derive-targets and rollup."""
    runner.invoke(app, ["rollover", str(REGION), str(BENJI), str(PROJECT), "-o", str(tmp / "roll")])
    runner.invoke(app, ["derive-targets", str(REGION), "-o", str(tmp / "derive")])
    runner.invoke(app, ["rollup", str(BENJI), "-o", str(tmp / "rollup" / "r.xlsx")])
    for form in model.FORM_IDS:
        runner.invoke(app, ["template", form, "-o", str(tmp / "tpl" / f"{form}.xlsx"), "--year", "2025"])
    return sorted(p for p in tmp.rglob("*.xlsx") if p.name != "汇总.xlsx")


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_every_formula_cell_carries_its_computed_value(tmp_path):
    files = outputs(tmp_path / "out")
    assert len(files) >= 13
    recalculated = libreoffice.recalc(files, tmp_path / "lo")
    checked = 0
    for ours, theirs in zip(files, recalculated):
        formulas = openpyxl.load_workbook(ours)
        cached = openpyxl.load_workbook(ours, data_only=True)
        lo = openpyxl.load_workbook(theirs, data_only=True)
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    want = lo[ws.title][cell.coordinate].value
                    got = cached[ws.title][cell.coordinate].value
                    if want in (None, ""):
                        assert got in (None, ""), (ours.name, ws.title, cell.coordinate, got)
                        continue
                    checked += 1
                    assert got is not None, (ours.name, ws.title, cell.coordinate, want)
                    assert got == pytest.approx(want, abs=1e-9) if isinstance(want, (int, float)) else got == want, \
                        (ours.name, ws.title, cell.coordinate, got, want)
    assert checked > 250   # 合计 rows and percentages of the rolled and rolled-up 附表
