"""What was made faster for bulk conversion still finds exactly what the plain way finds.

Each fast path is checked against a plain reference on every seed workbook, template and real file:
- the number-format and formula scan (``io.numfmt``: one scan per sheet for just the cells that
  matter) against a cell-by-cell reading of every ``<c>`` element; its scans on the part's bytes (the
  formula cells from one C-level scan of the reversed part, the percent/date tags from their ``s="…"``
  back) against the text scan and the pattern tried at every ``<c``, also on crafted and random soups;
- the fast grid (``io.calamine.read_grid_fast``, whole figures made Decimals from their int) against a
  BookGrid built the plain way, with every value's type and Decimal exponent;
- the expected formulas of computed cells, worked out once per layout shape and moved once per
  set of cell positions (``core.typed_over``), against the full plan of each instance — also after
  instances with other values (the shape must depend on the layout alone) and for the same form
  found lower on its sheet (the positions must count);
- XT123 (a value typed over a computed cell) with the formulas worked out only when a computed cell
  holds no formula and a value of its own, against the formulas always worked out;
- formula relocation from the parsed form of each formula against a regular-expression
  substitution of every reference.
The speed itself is measured by benchmarks/convert_bench.py, which also prints a digest of the
findings so that a faster run can be compared with a slower one.
"""
import dataclasses
import io
import re
import zipfile
from decimal import Decimal

import pytest

from conftest import ROOT
from xltool.core import layout, model
from xltool.core.cellref import a1, col_index, parse_a1
from xltool.core.formulas import _REF, formulas_for, relocate
from xltool.core.typed_over import _BY_SHAPE, _moved, _skeletons, expected_formulas, layout_plans, typed_over
from xltool.core.evaluate import compute
from xltool.io import numfmt
from xltool.io.calamine import read_grid_fast
from xltool.workbooks import read_forms

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
REAL = sorted(p for p in (ROOT / "tests" / "data" / "real").iterdir() if p.suffix in (".xlsx", ".xlsm"))


def plain_formats(data: bytes) -> dict:
    """Every <c> element of every sheet looked at one by one (the way numfmt used to read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            kinds = numfmt.style_kinds(zf.read("xl/styles.xml").decode()) if "xl/styles.xml" in names else {}
            out = {}
            for sheet, part in numfmt._sheet_parts(zf).items():
                if part not in names:
                    continue
                cells, formulas = {}, set()
                for m in re.finditer(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", zf.read(part).decode(), re.S):
                    head, inner = m.group(1), m.group(2) or ""
                    ref = re.search(r'\br="([A-Z]+\d+)"', head)
                    if not ref:
                        continue
                    style = re.search(r'\bs="(\d+)"', head)
                    if style and kinds.get(int(style.group(1))):
                        cells[parse_a1(ref.group(1))] = kinds[int(style.group(1))]
                    if "<f" in inner:
                        formulas.add(parse_a1(ref.group(1)))
                out[sheet] = (cells, formulas)
            return out
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, OSError):
        return {}


@pytest.mark.parametrize("path", SEEDS + TEMPLATES + REAL, ids=lambda p: p.name)
def test_number_formats_and_formulas_as_read_cell_by_cell(path):
    data = path.read_bytes()
    assert numfmt.read_formats(io.BytesIO(data)) == plain_formats(data)


def test_the_scan_finds_formulas_and_percent_cells():
    """The reference itself must see something, or the comparison above proves nothing."""
    found = [plain_formats(p.read_bytes()) for p in SEEDS]
    assert sum(len(f) for book in found for _, f in book.values()) > 500
    assert sum(len(c) for book in found for c, _ in book.values()) > 100


def test_formula_cells_in_odd_places():
    xml = ('<sheetData><row r="1"><c r="A1" s="1"/><c r="B1"><f>SUM(A1)</f><v>1</v></c>'
           '<c r="C1"><v>2</v><f>C9</f></c><c r="D1" t="inlineStr"><is><t>f</t></is></c></row></sheetData>'
           '<conditionalFormatting><cfRule><formula>A1</formula></cfRule></conditionalFormatting>'
           '<dataValidations><dataValidation><formula1>$A$1</formula1></dataValidation></dataValidations>')
    assert numfmt._formula_cells(xml) == {(1, 2), (1, 3)}


def _reads():
    reads = []
    for path in SEEDS + TEMPLATES:
        reads += read_forms(read_grid_fast(path), path)
    return reads


def _varied(instance):
    """The same layout with other values: the shape's formulas must not change."""
    if not getattr(instance, "indicators", None):
        return instance
    indicators = [dataclasses.replace(ind, target="≥95%", actual="12.5万人", weight=Decimal(7), direction="反向",
                                      scoring_rule="直接赋分") for ind in instance.indicators]
    return dataclasses.replace(instance, indicators=indicators, year=2031)


def test_formulas_by_layout_shape_equal_the_full_plan():
    reads = _reads()
    shaped = [r for r in reads if r.instance.form in _BY_SHAPE]
    assert {r.instance.form for r in shaped} == _BY_SHAPE
    _skeletons.clear()
    for read in reads:
        layout_plans(_varied(read.instance))   # every shape remembered from other values
    compared = 0
    _moved.clear()
    for read in reads:
        expected_formulas(dataclasses.replace(read, instance=_varied(read.instance)), {})
    for read in reads:
        full = formulas_for(read, layout_plans(read.instance, memo=False))
        assert formulas_for(read, layout_plans(read.instance)) == full
        assert expected_formulas(read, {}) == full
        # the same form found two rows lower (a clerk inserted rows above it): the formulas move with it
        lower = dataclasses.replace(read, cells={k: (s, r + 2, c) for k, (s, r, c) in read.cells.items()})
        moved = formulas_for(lower, layout_plans(read.instance, memo=False))
        assert expected_formulas(lower, {}) == moved
        assert moved != full or not full
        compared += len(full) if read.instance.form in _BY_SHAPE else 0
    assert compared > 300


@pytest.mark.parametrize("form", sorted(_BY_SHAPE))
@pytest.mark.parametrize("n", [0, 1, 7])
def test_blank_layouts_of_one_shape_have_the_same_formulas(form, n):
    def skeleton(instance):
        return [[(c.row, c.col, c.field, c.formula) for c in p.cells if c.field or c.formula]
                for p in layout.plan_workbook(instance).sheets]

    blank = layout.blank_instance(form, 2024, region="某地")
    blank = dataclasses.replace(blank, indicators=[model.Indicator(level1="产出指标", target="≥1")] * n)
    other = dataclasses.replace(layout.blank_instance(form, None), indicators=[model.Indicator()] * n)
    assert skeleton(blank) == skeleton(other)


def plain_relocate(formula, plan_keys, cells, sheet):
    out, ok = [], True
    for n, part in enumerate(formula.split('"')):
        if n % 2:
            out.append(part)
            continue

        def move(m):
            nonlocal ok
            key = plan_keys.get((int(m.group(2)), col_index(m.group(1))))
            where = cells.get(key) if key else None
            if where is None or where[0] != sheet:
                ok = False
                return m.group(0)
            return a1(where[1], where[2])

        out.append(_REF.sub(move, part))
    return '"'.join(out) if ok else None


def test_relocation_as_by_substitution():
    compared = 0
    for read in _reads():
        for plan in layout.plan_workbook(read.instance).sheets:
            keys = {(cp.row, cp.col): cp.field for cp in plan.cells if cp.field}
            for cp in plan.cells:
                if cp.formula and cp.field in read.cells:
                    sheet = read.cells[cp.field][0]
                    assert relocate(cp.formula, keys, read.cells, sheet) == \
                        plain_relocate(cp.formula, keys, read.cells, sheet)
                    compared += 1
    assert compared > 1000
    assert relocate('=IF(A1="B2",B2,"")', {(1, 1): "x", (2, 2): "y"}, {"x": ("s", 5, 3), "y": ("s", 9, 1)}, "s") \
        == '=IF(C5="B2",A9,"")'
    assert relocate("=A1+B2", {(1, 1): "x"}, {"x": ("s", 5, 3)}, "s") is None


def test_typed_over_asks_for_the_formulas_only_when_they_can_matter():
    """The same XT123 findings whether the formulas are given or only asked for: for every seed and
    template as read, with every formula gone from its sheet, and with every computed cell then
    typed over. As read (computed cells hold their formulas) the formulas of a form remembered by
    shape are never asked for."""
    compared = 0
    for path in SEEDS + TEMPLATES:
        grid = read_grid_fast(path)
        for read in read_forms(grid, path):
            stated = grid.values(read.cells)
            computed, facts = compute(read)
            computed = {k: v for k, v in computed.items() if k in read.cells}
            formulas = expected_formulas(read, facts)
            asked = []

            def lazily():
                asked.append(1)
                return expected_formulas(read, facts)

            situations = [(stated, lambda name: grid.sheet(name).formulas), (stated, lambda name: set())]
            situations += [({**stated, key: "手填"}, lambda name: set()) for key in formulas]   # one at a time
            for values, cells in situations:
                asked.clear()
                eager = typed_over(read, values, computed, formulas, cells)
                assert typed_over(read, values, computed, lazily, cells) == eager, path.name
                assert asked or not eager[0]
                compared += len(eager[0])
            asked.clear()
            typed_over(read, stated, computed, lazily, lambda name: grid.sheet(name).formulas)
            if read.form != model.PROJECT_SELF_EVALUATION:   # (a form not remembered by shape)
                assert not asked, path.name   # made from a template: every computed cell holds its formula
    assert compared > 500


def test_budget_formulas_by_shape_equal_the_full_plan():
    """The 附表's field cells and formulas do not depend on its figures, titles, year or region: formulas
    remembered from one workbook, used for another of the same shape, equal that one's full plan."""
    reads = [r for r in _reads() if r.instance.form == model.BUDGET_TABLES]
    assert len(reads) >= 3
    compared = 0
    for read in reads:
        inst = read.instance

        def refigured(table, k):
            rows = [dataclasses.replace(row, label=row.label + "x", values=[Decimal(k * 7 + n) for n in range(len(row.values))])
                    for row in table.rows]
            return dataclasses.replace(table, title="某表", number="表九", rows=rows, right_rows=rows[:2])

        others = [dataclasses.replace(inst, region="某地", year=(inst.year or 2020) + 3 if inst.year else None),
                  dataclasses.replace(inst, tables={k: refigured(t, n) for n, (k, t) in enumerate(inst.tables.items())})]
        for other in others:
            _skeletons.clear()
            _moved.clear()
            assert expected_formulas(read, {}) == formulas_for(read, layout_plans(inst, memo=False))   # remembered
            again = dataclasses.replace(read, instance=other)
            full = formulas_for(again, layout_plans(other, memo=False))
            assert expected_formulas(again, {}) == full and full
            compared += len(full)
    assert compared > 1000


def test_styled_cells_found_on_bytes_as_on_the_text():
    """The percent/date scan runs on the part's bytes; a tag with non-ASCII text is judged as text, so the
    cells found are those the text scan finds, letters beyond ASCII beside ``<c`` or ``s=`` included."""
    kinds = {9: "percent", 12: "date"}
    styled = numfmt._styled(tuple(sorted(kinds)))
    xml = ('<sheetData><row r="1"><c r="A1" s="9"><v>0.5</v></c><c r="B1" s="12"/><c r="C1" s="3"/>'
           '<c r="D1" 中s="9"><v>1</v></c><c中 r="E1" s="9"/><c r="F1" s="9" x="中文"/><c r="G1" x="é" s="12"/>'
           '<c r="H1" ＿s="9"/><c r="I1" s="٩"/><c r="J1" s="9" t="inlineStr"><is><t>百分之九</t></is></c>'
           '</row></sheetData>')

    def on_text():
        out = {}
        for m in styled.finditer(xml):
            ref, style = numfmt._REF.search(m.group(1)), numfmt._STYLE.search(m.group(1))
            if ref and kinds.get(int(style.group(1))):
                out[parse_a1(ref.group(1))] = kinds[int(style.group(1))]
        return out

    def on_bytes():
        out = {}
        for m in _as_bytes(styled).finditer(xml.encode()):
            ref, style = numfmt._styled_parts(*m.group(0, 1), styled)
            if ref and style and kinds.get(int(style.group(1))):
                text = ref.group(1)
                out[parse_a1(text if isinstance(text, str) else text.decode())] = kinds[int(style.group(1))]
        return out

    def remembered():   # as read_formats reads them: once per distinct tag (numfmt._styled_tag)
        out = {}
        for _ in range(2):   # the second time from what was remembered
            for m in _as_bytes(styled).finditer(xml.encode()):
                ref, style = numfmt._styled_tag(*m.group(0, 1), styled)
                if ref and style is not None and kinds.get(style):
                    out[parse_a1(ref)] = kinds[style]
        return out

    expected = on_text()
    assert expected == {(1, 1): "percent", (1, 2): "date", (1, 6): "percent", (1, 7): "date", (1, 8): "percent",
                        (1, 10): "percent"}   # ＿ (full-width low line) is no letter: H1 counts
    assert on_bytes() == expected
    assert remembered() == expected
    assert len(list(_as_bytes(styled).finditer(xml.encode()))) > len(list(styled.finditer(xml)))


def _formula_cells_one_by_one(xml):
    """The formula scan as first written: each ``<f`` back to its ``<c`` tag, the tag's ``r`` searched in place."""
    out = set()
    at = xml.find("<f")
    while at >= 0:
        start = xml.rfind("<c", 0, at)
        while start >= 0 and (xml[start + 2:start + 3].isalnum() or xml[start + 2:start + 3] == "_"):
            start = xml.rfind("<c", 0, start)
        end = xml.find(">", start) if start >= 0 else -1
        if 0 <= end < at and xml[end - 1] != "/" and xml.find("</c>", end, at) < 0:
            ref = numfmt._REF.search(xml, start, end)
            if ref:
                out.add(parse_a1(ref.group(1)))
        at = xml.find("<f", at + 2)
    return out


def test_formula_cells_as_found_one_by_one():
    """The tags' cells remembered (``numfmt._tag_cell``) give what searching each tag in place gave: on every
    sheet of the seeds, templates and real files, and on random soups of the pieces that matter."""
    import random

    sheets = 0
    for path in SEEDS + TEMPLATES + REAL:
        if not zipfile.is_zipfile(path):   # the real files include broken ones
            continue
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    xml = zf.read(name).decode()
                    assert numfmt._formula_cells(xml) == _formula_cells_one_by_one(xml), (path.name, name)
                    sheets += 1
    assert sheets > 50
    pieces = ['<c r="A1"><f>', '<c r="B1" s="2"><f', '<c r="Z9"/><f', '<c r="A١"><f', "<c", '<c r="A1"', ' r="C3"',
              '<c r="B2" s="1"', ">", "/>", "<f", "<f>", "</f>", "</c>", "<cols>", "<c_", "<cé", "<c:", "x", "<v>1</v>",
              "<", "/", 'r="D4"', "<c\n", "<fo", "</c", "c>", "<c/>", "<c>", 'ér="E5"', '"']
    rng = random.Random(7)
    found = 0
    for _ in range(30000):
        xml = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        cells = numfmt._formula_cells(xml)
        assert cells == _formula_cells_one_by_one(xml), xml
        found += bool(cells)
    assert found > 1000


def test_regional_helpers_from_the_shares_worked_out_once():
    """``row_helpers`` given the shares and 附表 bases ``compute_target_form`` worked out equals working them out again."""
    from xltool.core.calc.regional import derive_regional
    from xltool.core.calc.targets import parse_indicators
    from xltool.core.regional_formulas import budget_basis, row_helpers

    compared = 0
    for read in _reads():
        if read.instance.form != model.REGIONAL_TARGET:
            continue
        for instance in (read.instance, _varied(read.instance)):
            values = [c.values for c in parse_indicators(instance)]
            shares = derive_regional(instance, values)
            basis = {i: h for i, ind in enumerate(instance.indicators) if (h := budget_basis(ind)) is not None}
            helpers = row_helpers(instance, values, shares, basis)
            assert helpers == row_helpers(instance, values)
            compared += sum(h["h_kind"] is not None for h in helpers.values())
    assert compared >= 20


def _sheet_parts_of_every_file():
    for path in SEEDS + TEMPLATES + REAL:
        if not zipfile.is_zipfile(path):   # the real files include broken ones
            continue
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml"):
                    yield path.name, name, zf.read(name)


_ODD_FORMULA_PLACES = [
    '<c r="A1" s="3"><f>SUM(B1:B9)</f><v>12</v></c>', '<c r="B1"><v>2</v><f>C9</f></c>',   # <f> not first
    '<c r="C1" s="1"/><f>X</f>', '<c r="D1"/>', '<c r="E1" t="str"><f t="shared" si="0"/><v>x</v></c>',
    '<x:c r="F1"><x:f>A1</x:f></x:c>', '<c:c r="G1"><f>1</f></c:c>', '<c\tr="H1"\n><f>1</f></c>',   # prefixed
    '<conditionalFormatting><cfRule type="expression"><formula>A1&gt;0</formula></cfRule></conditionalFormatting>',
    '<dataValidations><dataValidation><formula1>"是,否"</formula1></dataValidation></dataValidations>',
    '<c r="I1"><is><t>中文<f></t></is></c>', '<cé r="J1"><f>1</f></cé>', '<c中 r="K1"><f>1</f></c中>',
    '<c r="L1" x="中"><f>1</f></c>', '<c 中r="M1"><f>1</f></c>', '<c r="N１"><f>1</f></c>', '<c r="O1" x=">"><f>1</f></c>',
    '<c r="P1"<f>1</f></c>', '<c r="Q1"><c r="Q2"><f>1</f></c></c>', '<c r="R1"></c><f>1</f>', '<c r="S1"</c><f>1</f>',
    '<c r="T1"><v>1</v><cols><f>', '<c_ r="U1"><f>', '<c r="V1"><f<f<f', "<f>", "<c<f", '<c r="W1">>><f>', '<cfRule><f>',
    '<c r="X1" r="X2"><f>1</f></c>', '<c ar="Y1" r="Y2"><f>1</f></c>', '<c r="Z1"><f>1</f></c><c r="Z2"/><formula>',
]


def test_formula_cells_on_bytes_as_on_the_text():
    """The formula scan on the part's bytes (``numfmt.formula_cells``: no decoding, one C-level scan; the text
    way only where a tag, or the character after its ``<c``, is not ASCII) finds what the text scan finds:
    on every part of the seeds, templates and real files, on the odd places a formula can be written, and on
    random soups of them. Each soup is read twice: the second time from what ``numfmt._settled`` kept."""
    import random

    parts = 0
    for book, name, data in _sheet_parts_of_every_file():
        try:
            text = data.decode()
        except UnicodeDecodeError:   # not UTF-8: read_formats gives {} (test_a_sheet_not_in_utf8_gives_no_formats)
            continue
        assert numfmt.formula_cells(data) == numfmt._formula_cells(text), (book, name)
        parts += numfmt._formula_cells_bytes(data) is not None
    assert parts > 200
    odd = "<sheetData><row>%s</row></sheetData>" % "".join(_ODD_FORMULA_PLACES)
    expected = {parse_a1(ref) for ref in ["A1", "B1", "E1", "G1", "H1", "I1", "L1", "N1", "O1", "Q2", "S1", "T1",
                                          "V1", "W1", "X1", "Y2", "Z1"]}   # N１: a full-width digit, as text reads it
    assert numfmt.formula_cells(odd.encode()) == _formula_cells_one_by_one(odd) == expected
    assert numfmt._formula_cells_bytes(odd.encode()) is None   # 中 and é beside "<c": the text decides
    pieces = _ODD_FORMULA_PLACES + ['<c r="A1">', '<c r="B2" s="1"', "<c", ">", "/>", "<f", "</c>", "<cols>", "<c_",
                                    "<cé", "<c中", "é", 'r="A１"', "<c\n", "<fo", "</c", "x", "<", "/", 'ér="E5"', '"']
    rng = random.Random(11)
    on_bytes = on_text = 0
    for _ in range(20000):
        xml = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        expected = _formula_cells_one_by_one(xml)
        for _ in range(2):
            assert numfmt.formula_cells(xml.encode()) == expected, xml
        decided = numfmt._formula_cells_bytes(xml.encode()) is not None
        on_bytes, on_text = on_bytes + (decided and bool(expected)), on_text + (not decided)
    assert on_bytes > 3000 and on_text > 3000


@pytest.mark.parametrize("bad", [b"\xff", b"\xe4\xb8", b"\xc0\xaf", "中".encode("utf-16")])
@pytest.mark.parametrize("where", ["cell", "formula", "end"])
def test_a_sheet_not_in_utf8_gives_no_formats(bad, where):
    """A sheet part that does not decode as UTF-8 still gives {} for the whole workbook (the bytes scan does not
    decode the part, so read_formats checks it), wherever the bad bytes are."""
    path = TEMPLATES[0]
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(out, "w") as new:
        sheet = sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))[0]
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == sheet:
                at = {"cell": data.find(b"<c "), "formula": data.find(b"<f") + 2, "end": len(data)}[where]
                data = data[:at] + bad + data[at:]
            new.writestr(info, data)
    data = out.getvalue()
    assert numfmt.read_formats(io.BytesIO(data)) == plain_formats(data) == {}
    assert numfmt.read_formats(path)   # the template itself has formats


def _as_bytes(pattern: re.Pattern) -> re.Pattern:
    """The text pattern on a part's bytes, as read_formats tried it at every ``<c`` before ``_styled_tags``:
    on bytes ``\\b`` knows no letters beyond ASCII, so it finds every tag the text pattern finds (and,
    beside non-ASCII, maybe more); a tag found that is not all ASCII is judged by the text (``_styled_parts``)."""
    return re.compile(pattern.pattern.encode())


def _styled_by_the_pattern(data, ids):
    return [m.group(0, 1) for m in _as_bytes(numfmt._styled(ids)).finditer(data)]


def test_styled_tags_found_from_their_style_as_by_the_pattern():
    """The percent/date cells' tags, found from the rare ``s="…"`` back to their ``<c`` (``numfmt._styled_tags``),
    are the matches of the pattern tried at every ``<c`` (same tags, same attributes, same order): on every
    part of the seeds, templates and real files for several sets of styles, and on random soups of tags."""
    import random

    tags = 0
    for book, name, data in _sheet_parts_of_every_file():
        for ids in [(0,), (1, 2, 3), (9, 10), tuple(range(40))]:
            expected = _styled_by_the_pattern(data, ids)
            assert list(numfmt._styled_tags(data, ids)) == expected, (book, name, ids)
            tags += len(expected)
    assert tags > 10000
    pieces = ['<c r="A1" s="9">', '<c r="B1" s="12"/>', "<c", ' s="9"', 's="9"', ' s="12"', ">", "/>", "/", "<c_", "<cé",
              "é", "中", "<c:", ' r="C3"', '<row s="9">', "<cols>", 'xs="9"', '"', "<", " ", "<v>1</v>", "</c>", 's="99"',
              "<c\n", "c", "٩", 's="912"']
    rng = random.Random(5)
    found = 0
    for _ in range(30000):
        data = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))).encode()
        expected = _styled_by_the_pattern(data, (9, 12))
        assert list(numfmt._styled_tags(data, (9, 12))) == expected, data
        found += bool(expected)
    assert found > 5000


def _plain_decimal(value):
    value = Decimal(repr(value))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def test_floats_read_as_decimals_as_from_their_repr():
    """``calamine.exact_decimal`` (a whole figure straight from its int) gives ``Decimal(repr(f))`` quantized when
    whole, to the exponent: every float calamine reads from the seeds, templates and real files, and the edges
    (signed zero, where repr turns to exponents, beyond the context's 28 digits, NaN, infinities)."""
    import decimal

    import python_calamine as pc
    from xltool.io.calamine import exact_decimal

    floats = [0.0, -0.0, 1.0, -1.0, 0.1, -2.5, 1e-7, 5e-324, 123456789012345.0, 1e15, 9999999999999998.0, 1e16,
              -1e16, 2.0 ** 53, 2.0 ** 53 + 2, 1e22, 1.5e300, 1.7976931348623157e308, float("nan")]
    for path in SEEDS + TEMPLATES + REAL:
        try:
            wb = pc.CalamineWorkbook.from_path(str(path))
            floats += [v for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python()
                       for v in row if isinstance(v, float)]
        except Exception:   # the real files include broken ones
            continue
    assert len(floats) > 1000
    for value in floats:
        try:
            expected = _plain_decimal(value)
        except decimal.InvalidOperation:
            with pytest.raises(decimal.InvalidOperation):
                exact_decimal(value)
            continue
        assert exact_decimal(value).as_tuple() == expected.as_tuple(), value
    for value in (float("inf"), float("-inf"), 1e30):
        with pytest.raises(decimal.InvalidOperation):
            exact_decimal(value)


def test_fast_grid_as_built_plainly():
    """The whole BookGrid of ``read_grid_fast`` against one built the plain way from the same calamine read and
    the cell-by-cell formats, on every seed, template and real file: values with their types and Decimal
    exponents, merges, hidden sheets, formats and formula cells."""
    import python_calamine as pc
    from xltool.core.grid import BookGrid, SheetGrid
    from xltool.io.calamine import _without_macro_sheets
    from xltool.io.safety import UnsafeWorkbook

    def typed(book):
        return [[(rc, type(v), v.as_tuple() if isinstance(v, Decimal) else v) for rc, v in s.cells.items()]
                for s in book.sheets]

    compared = 0
    for path in SEEDS + TEMPLATES + REAL:
        data = path.read_bytes()
        try:
            fast = read_grid_fast(path, data)
        except UnsafeWorkbook:   # refused before any reading (the real files include such)
            continue
        try:
            wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception:   # XLM macro sheets, as read_grid_fast reads them
            wb = pc.CalamineWorkbook.from_filelike(_without_macro_sheets(data))
        formats = plain_formats(data)
        hidden = {m.name for m in wb.sheets_metadata if str(m.visible).split(".")[-1] != "Visible"}
        sheets = []
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            cells = {(r, c): v for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1)
                     for c, v in enumerate(row, start=1) if v is not None and v != ""}
            cells = {rc: _plain_decimal(v) if isinstance(v, float) else v for rc, v in cells.items()}
            merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
            kinds, formulas = formats.get(name, ({}, None))
            sheets.append(SheetGrid(name, cells, merges, name in hidden, kinds, formulas))
        plain = BookGrid(sheets, {}, path.name)
        assert fast == plain, path.name
        assert typed(fast) == typed(plain), path.name
        compared += sum(len(s.cells) for s in plain.sheets)
    assert compared > 10000
