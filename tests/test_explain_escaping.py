"""The 预算说明 HTML is meant to be published: nothing read from a workbook becomes markup (issue 15 item 1)."""
import copy
import re
from pathlib import Path

import openpyxl

from conftest import ROOT
from xltool.core.explain_data import explain_data
from xltool.derive import read_budget
from xltool.explain import explain, render

WB = ROOT / "workbooks"
REGION = next(WB.glob("004_01_*.xlsx"))
BENJI = next(WB.glob("004_02_*.xlsx"))
PAYLOAD = '<img src=x onerror=alert(1)>"\'&<script>alert(2)</script>'
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p"}


def _poison(value):
    """Every string in the data (keys kept) prefixed with markup."""
    if isinstance(value, dict):
        return {k: _poison(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v) for v in value]
    if isinstance(value, str):
        return PAYLOAD + value
    return value


def _assert_inert(page: str, expected_copies: int) -> None:
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= TAGS, tags - TAGS
    assert "onerror" not in re.sub(r"&lt;img src=x onerror=alert\(1\)&gt;", "", page)
    assert page.count("&lt;script&gt;alert(2)&lt;/script&gt;") >= expected_copies
    assert "<script" not in page


def test_every_string_field_with_markup_is_escaped():
    for path, benji in ((REGION, BENJI), (BENJI, None)):
        data = explain_data(read_budget(path).instance, read_budget(benji).instance if benji else None)
        strings = []

        def count(value):
            if isinstance(value, dict):
                [count(v) for v in value.values()]
            elif isinstance(value, list):
                [count(v) for v in value]
            elif isinstance(value, str):
                strings.append(value)
        count(data)
        assert len(strings) > 20
        markdown, page = render(_poison(copy.deepcopy(data)))
        _assert_inert(page, 5)
        assert PAYLOAD in markdown   # Markdown is text for an editor: kept as typed


def test_region_name_with_markup_in_the_workbook(tmp_path):
    """The issue's case: the region typed in the 附表 title carries an <img onerror> tag."""
    wb = openpyxl.load_workbook(REGION)
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "喀什地区" in cell.value:
                    cell.value = cell.value.replace("喀什地区", "<img src=x onerror=alert(1)>喀什地区")
                    changed += 1
    assert changed
    hostile = tmp_path / "附表.xlsx"
    wb.save(hostile)
    result = explain(hostile, None, tmp_path / "说明.md")
    page = result.paths[1].read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;喀什地区" in page
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert "&lt;img" in title
