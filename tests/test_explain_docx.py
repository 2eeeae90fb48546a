"""The 预算说明 as a Word document: headings, the tables of figures, page numbers (python-docx).
Golden figures are seed 004's published narrative."""
import zipfile

import docx
from click.testing import CliRunner

from conftest import ROOT
from xltool.cli import app

WB = ROOT / "workbooks"
REGION, BENJI = next(WB.glob("004_01_*.xlsx")), next(WB.glob("004_02_*.xlsx"))


def make(tmp_path):
    out = tmp_path / "说明.docx"
    result = CliRunner().invoke(app, ["explain", str(REGION), str(BENJI), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"已生成：{out}" in result.output
    return out


def test_headings_and_text(tmp_path):
    document = docx.Document(make(tmp_path))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert styled[0] == ("Title", "关于喀什地区及地区本级 2023 年社会保险基金预算的说明")
    headings1 = [t for s, t in styled if s == "Heading 1"]
    assert headings1[:2] == ["一、喀什地区社会保险基金预算", "二、喀什地区本级社会保险基金预算"]
    assert ("Heading 2", "（一）城乡居民基本养老保险基金") in styled
    body = "\n".join(t for s, t in styled if s == "Normal")
    # seed 004's published sentences
    assert "喀什地区社会保险基金预算总收入 1268642 万元，预算总支出 1151470 万元，预算年末滚存结余 1961845 万元" in body
    assert ("本年预算收入 112832 万元，其中：基本养老保险费收入 35926 万元，财政补贴收入 66631 万元，"
            "利息收入 3785 万元。") in body


def test_tables_of_figures(tmp_path):
    document = docx.Document(make(tmp_path))
    assert len(document.tables) == 2   # one per level
    region = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert region[0][:2] == ["险种", "本年预算收入"]
    rows = {r[0]: r[1:] for r in region[1:]}
    # seed 004: 城乡居民养老 112832 / 35926 / 66631 / 3785 / 71171 / 70667 / 431145
    assert rows["城乡居民基本养老保险基金"] == ["112,832", "35,926", "66,631", "3,785", "71,171", "70,667", "431,145"]
    assert rows["合计"][0] == "1,268,642" and rows["合计"][4] == "1,151,470" and rows["合计"][6] == "1,961,845"
    header = document.tables[0].rows[0]._tr
    assert header.xpath("./w:trPr/w:tblHeader")   # repeated on every page


def test_page_numbers_in_the_footer(tmp_path):
    path = make(tmp_path)
    with zipfile.ZipFile(path) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert any("PAGE" in f and "NUMPAGES" in f and "第 " in f for f in footers)
