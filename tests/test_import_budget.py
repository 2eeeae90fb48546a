"""F5 importer: seed 004's 附表 (表一–表十四). Expectations typed in from the seed text."""
from decimal import Decimal as D

import pytest

from xltool.core import funds
from xltool.importers.budget_tables import parse_budget_tables


@pytest.fixture(scope="module")
def books(seed_text):
    messages: list[str] = []
    parsed = parse_budget_tables(seed_text("004"), messages)
    assert messages == []
    return {book.level: book for book in parsed}


def values(book, kind, key):
    return book.tables[kind].row(key).values


def test_two_workbooks_of_seven_tables(books):
    assert set(books) == {"全地区", "本级"}
    for level, first in (("全地区", 1), ("本级", 8)):
        book = books[level]
        assert (book.region, book.level, book.year) == ("喀什地区", level, 2023)
        assert list(book.tables) == list(funds.TABLE_KINDS)
        numbers = [book.tables[kind].number for kind in funds.TABLE_KINDS]
        assert numbers == ["表" + n for n in ("一二三四五六七" if first == 1 else
                                             ["八", "九", "十", "十一", "十二", "十三", "十四"])]


def test_every_spec_row_is_present_once(books):
    for book in books.values():
        for kind, table in book.tables.items():
            keys = [row.key for row in (*table.rows, *table.right_rows)]
            assert keys == [spec.key for spec in funds.row_specs(kind)], (book.level, kind)
            assert all(len(row.values) == 2 for row in (*table.rows, *table.right_rows))


def test_titles_and_columns_as_printed(books):
    balance = books["全地区"].tables["balance"]
    assert balance.title == "喀什地区2022年社会保险基金预算执行情况和2023年社会保险基金预算安排平衡表"
    assert balance.columns == ["2022年 执行数", "2023年 预算数"]
    table3 = books["全地区"].tables["expenditure_exec"]
    assert table3.title == "喀什地区2022年社会保险基金预算支出执行情况表"      # printed with ### before it
    assert table3.columns == ["2022年预算 调整数", "2022年预计 执行数"]
    assert books["全地区"].tables["expenditure_plan"].title == "喀什地区2023年社会保险基金预算支出安排表"
    assert books["本级"].tables["surplus_exec"].columns == ["2022年年末累计 结余预算调整数",
                                                            "2022年年末预计 累计结余数"]


def test_balance_table_one(books):
    table = books["全地区"].tables["balance"]
    assert values(books["全地区"], "balance", "in.employee_medical") == [D(277754), D(291228)]
    assert values(books["全地区"], "balance", "in.carry_over") == [D(1669579), D(1844673)]
    assert values(books["全地区"], "balance", "out.year_end") == [D(1881584), D(1961845)]
    assert values(books["全地区"], "balance", "in.grand_total") == [D(2876731), D(3113315)]
    assert values(books["全地区"], "balance", "out.grand_total") == [D(2876731), D(3113315)]
    assert values(books["全地区"], "balance", "in.total") == [None, None]      # 102 left blank
    assert values(books["全地区"], "balance", "out.total") == [None, None]     # 209 left blank
    assert values(books["全地区"], "balance", "in.enterprise_pension") == [None, None]
    assert [row.key for row in table.rows] == [s.key for s in funds.BALANCE_INCOME_ROWS]
    assert [row.key for row in table.right_rows] == [s.key for s in funds.BALANCE_EXPENDITURE_ROWS]
    out_total = table.row("out.total")
    assert (out_total.code, out_total.label) == ("209", "社会保险基金收入支出")      # kept as printed
    assert table.row("in.resident_pension").code == "10210"
    assert all(row.percent is None for row in (*table.rows, *table.right_rows))


def test_balance_table_eight(books):
    assert values(books["本级"], "balance", "in.carry_over") == [D(884855), D(1455189)]
    assert values(books["本级"], "balance", "out.year_end") == [D(1289561), D(1530700)]
    assert values(books["本级"], "balance", "in.public_pension") == [D(408041), D(423668)]
    assert values(books["本级"], "balance", "out.public_pension") == [D(110628), D(379359)]
    assert values(books["本级"], "balance", "in.grand_total") == [D(1977739), D(2610999)]


def test_income_tables(books):
    total = books["全地区"].tables["income_exec"].row("total")
    assert (total.values, total.percent) == ([D(1158257), D(1207152)], D("104.22"))
    premium = books["全地区"].tables["income_exec"].row("resident_pension.premium")
    assert (premium.label, premium.values, premium.percent) == ("其中：保险费收入", [D(33741), D(35490)],
                                                                D("105.18"))
    subsidy = books["全地区"].tables["income_plan"].row("public_pension.subsidy")
    assert (subsidy.values, subsidy.percent) == ([D(27185), None], D("0.00"))
    assert books["全地区"].tables["income_plan"].row("employee_medical.subsidy").values == [None, None]
    table9 = books["本级"].tables["income_exec"]
    assert table9.row("total").label == "全地区社会保险基金收入合计"            # 本级 table, label as printed
    assert table9.row("public_pension").percent == D("646.05")
    assert table9.row("public_pension.interest").percent == D("1080.87")


def test_expenditure_tables(books):
    table3 = books["全地区"].tables["expenditure_exec"]
    assert table3.row("resident_medical.critical_illness").values == [None, None]
    assert table3.row("total.benefit").values == [D(974178), D(932815)]
    table6 = books["全地区"].tables["expenditure_plan"]
    row = table6.row("resident_medical.critical_illness")
    assert (row.label, row.values, row.percent) == ("大病保险支出", [D(56848), D(45726)], D("80.44"))
    assert table6.row("resident_medical.benefit").values == [D(313336), D(392207)]
    assert table6.row("resident_medical").values == [D(367065), D(440913)]
    assert table6.row("work_injury.benefit").label == "其中：工伤保险待遇支出"
    assert books["本级"].tables["expenditure_plan"].row("public_pension.benefit").percent == D("634.15")


def test_surplus_tables(books):
    table4 = books["全地区"].tables["surplus_exec"]
    row = table4.row("resident_pension")
    assert row.label == "二、城乡居民基本养老保险基金年末 累计结余"                # stray space kept
    assert (row.values, row.percent) == ([D(391803), D(384149)], D("98.05"))
    assert table4.row("total").values == [D(1740242), D(1881584)]
    table11 = books["本级"].tables["surplus_exec"]
    assert (table11.row("public_pension").values, table11.row("public_pension").percent) == \
        ([D(3156), D(303955)], D("9631.02"))
    assert books["全地区"].tables["surplus_plan"].row("resident_pension").values == [D(384149), D(431145)]


def test_percent_cells_count_124(books):
    count = sum(1 for book in books.values() for table in book.tables.values()
                for row in (*table.rows, *table.right_rows) if row.percent is not None)
    assert count == 124


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_other_seeds_hold_no_budget_tables(seed_text, prefix):
    assert parse_budget_tables(seed_text(prefix)) == []


def test_recognised_by_structure_not_by_title():
    """Swap two titles' keywords: the columns and rows still decide the kind."""
    text = "\n".join([
        "表五：某地2023年社会保险基金预算支出安排表",       # says 支出 but holds 收入 rows
        "单位：万元",
        "项目\t2022年预计 执行数\t2023年 预算数\t预算数为上年预计执行数的%",
        "合计\t10\t20\t200.00%",
        "其中：保险费收入\t10\t20\t200.00%",
        "一、城乡居民养老保险基金收入\t10\t20\t200.00%",
        "其中：个人缴费收入\t10\t20\t200.00%",
        "",
        "说明文字。",
    ])
    (book,) = parse_budget_tables(text)
    assert list(book.tables) == ["income_plan"]
    table = book.tables["income_plan"]
    assert table.row("resident_pension.premium").values == [D(10), D(20)]
    assert table.row("unemployment").values == [None, None]
    assert (book.region, book.level, book.year) == ("某地", "全地区", 2023)
