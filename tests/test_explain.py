"""预算说明 (DOMAIN.md F6): rendered from the 附表, number by number equal to seed 004's narrative."""
import re
from decimal import Decimal

import jinja2
import pytest

from conftest import ROOT
from xltool.core import funds
from xltool.core.explain_data import explain_data, pooled_note, short_level
from xltool.derive import read_budget
from xltool.explain import explain, render

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def sections(markdown: str) -> list[tuple[str, list[str]]]:
    """(heading without markup, every number of the heading and of the text up to the next heading)."""
    out: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith("#"):
            heading = line.lstrip("#").replace("*", "").strip()
            out.append((heading, NUMBER.findall(heading)))
        elif line and out:
            out[-1][1].extend(NUMBER.findall(line))
    return out


@pytest.fixture(scope="module")
def seed_narrative(seed_text):
    text = seed_text("004")
    return text[: text.index("附表一")]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "预算说明.md"
    return explain(REGION, BENJI, out)


def test_same_sections_and_numbers_as_the_seed(rendered, seed_narrative):
    ours, seed = sections(rendered.markdown), sections(seed_narrative)
    assert len(ours) == len(seed) == 12   # title, 2 levels × (heading + 4 funds), closing note
    for (our_heading, our_numbers), (seed_heading, seed_numbers) in zip(ours, seed):
        assert our_numbers == seed_numbers, (our_heading, seed_heading)
        fund = funds.find_fund(seed_heading)
        if fund is not None:
            assert funds.find_fund(our_heading) is fund, (our_heading, seed_heading)


def test_totals_paragraph(rendered, seed_narrative):
    def numbers_of(text, start):
        para = next(p for p in text.split("\n\n") if p.strip().startswith(start))
        return NUMBER.findall(para)
    assert numbers_of(rendered.markdown, "2023 年，") == numbers_of(seed_narrative, "2023 年，") == [
        "2023", "1268642", "1151470", "1961845", "1155810", "1080299", "1530700"]


def test_fund_paragraphs_in_the_seed_order(rendered):
    levels = rendered.data["levels"]
    assert [level["name"] for level in levels] == ["喀什地区", "喀什地区本级"]
    expected = ["resident_pension", "public_pension", "employee_medical", "resident_medical"]
    assert [f["key"] for f in levels[0]["funds"]] == expected
    assert [f["key"] for f in levels[1]["funds"]] == expected
    zero = levels[1]["funds"][0]
    assert zero["zero_filled"] and zero["income"] == zero["surplus"] == Decimal(0)
    assert not any(f["zero_filled"] for f in levels[0]["funds"])
    assert any("本级" in note and "城乡居民基本养老保险" in note and "0" in note for note in rendered.notes)


def test_closing_note_is_the_seeds(rendered, seed_narrative):
    note = "企业职工基本养老保险实行全国统筹制度，工伤保险和失业保险实行自治区级统筹制度，以上保险基金预算编制到自治区级，地区级及以下不再编制预算。"
    assert note in seed_narrative
    assert rendered.data["closing_note"] == note
    assert note in rendered.markdown


def test_sentences(rendered):
    md = rendered.markdown
    assert md.startswith("# 关于喀什地区及地区本级 2023 年社会保险基金预算的说明\n")
    assert "已报喀什地区行署和人大同意" in md
    assert ("本年预算收入 440914 万元，其中：个人缴费收入 159225 万元，财政补贴收入 273541 万元，利息收入 4648 万元。"
            "本年预算支出 440913 万元，其中，基本医疗保险待遇支出 392207 万元、大病保险支出 45726 万元。"
            "预算年末滚存结余 401119 万元。") in md
    assert "预算本年收支结余 0 万元，预算年末滚存结余 0 万元。" in md
    assert md.count("预算本年收支结余") == 1


def test_files_written_and_html_has_the_same_numbers(rendered):
    md_path, html_path = rendered.paths
    assert md_path.read_text(encoding="utf-8") == rendered.markdown
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<h3>（四）城乡居民基本医疗保险基金</h3>" in html
    body = re.sub(r"<head>.*?</head>", "", html, flags=re.S)
    text_numbers = NUMBER.findall(re.sub(r"<[^>]+>", "", body))
    assert text_numbers == NUMBER.findall(rendered.markdown)


def test_region_only():
    result = explain(REGION)
    assert result.paths == []
    assert result.markdown.startswith("# 关于喀什地区 2023 年社会保险基金预算的说明")
    assert "本级" not in result.markdown
    heads = [h for h, _ in sections(result.markdown)]
    assert heads[1] == "一、喀什地区社会保险基金预算" and heads[-1] == "二、其他需要说明的情况"


def test_benji_alone_lists_only_its_own_funds():
    data = explain_data(read_budget(BENJI).instance)
    assert [f["key"] for f in data["levels"][0]["funds"]] == ["public_pension", "employee_medical", "resident_medical"]


def test_strict_undefined():
    data = explain_data(read_budget(REGION).instance)
    del data["authority"]
    with pytest.raises(jinja2.UndefinedError):
        render(data)


def test_helpers():
    assert short_level("喀什地区") == "地区本级" and short_level("乌鲁木齐市") == "市本级"
    pooled = [f for f in funds.FUNDS if f.pooling]
    assert pooled_note(pooled, "乌鲁木齐市").endswith("以上保险基金预算编制到自治区级，市级及以下不再编制预算。")


def test_edited_templates_from_a_folder_of_ones_own(tmp_path):
    import shutil

    from click.testing import CliRunner

    from xltool.cli import app
    from xltool.explain import TEMPLATE_DIR

    own = tmp_path / "模板"
    shutil.copytree(TEMPLATE_DIR, own)
    md = own / "explain.md.j2"
    md.write_text("本单位自拟开头。\n" + md.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "说明.md"
    result = CliRunner().invoke(app, ["explain", str(REGION), str(BENJI), "-o", str(out), "--templates", str(own)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("本单位自拟开头。")
    missing = CliRunner().invoke(app, ["explain", str(REGION), "-o", str(out), "--templates", str(tmp_path / "无")])
    assert missing.exit_code == 2 and "找不到预算说明模板" in missing.output
