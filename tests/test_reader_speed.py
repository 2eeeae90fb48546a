"""The faster reading and checking of forms finds exactly what the plain way finds.

Each fast path is compared with the plain code it replaced (kept here as the reference) on every seed
workbook, template and real file, on a form grafted into real files, and on clerk-typed variants of
every seed sheet (cells in another order, labels padded with spaces and no-break spaces and colons,
numbers typed as text, the header row repeated lower, blank and whitespace-only rows):
- ``headers.header_row`` (only the rows holding a cell that could read 一级指标/三级指标 are looked at)
  against every row read in turn;
- ``reader._read_indicators`` (the cell's text taken from the value itself; the row's fields set at
  once) against ``text()`` and ``setattr`` for every cell;
- ``reader._find_label`` (an exact label looked up in a dict of first places) against the scan in
  reading order; ``reader._labels`` (the text cells mapped at once) against the row-by-row set;
- ``BookGrid.values`` (one sheet: one comprehension) and ``BookGrid.stated`` (each value read when a rule
  asks for it) against the lookup key by key;
- ``rules.run_rules`` (the rules of each form listed once) against every rule asked in turn;
- ``budget_read._read_budget_rows`` (each label cell read once, a row's amount keys made once) against
  the cell-by-cell reading;
and the whole ``process.evaluate_grid`` — reading, values, findings — with all the plain versions
put back, against the fast one.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from form_graft import graft
from xltool import process
from xltool.core import evaluate as evaluate_module
from xltool.core import budget_read, headers, layout, model, reader, rules
from xltool.core.grid import BookGrid, SheetGrid, norm
from xltool.io.calamine import read_grid_fast

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
REAL = sorted(p for p in (ROOT / "tests" / "data" / "real").iterdir()
              if p.suffix in (".xlsx", ".xlsm", ".xls", ".xlsb"))
FORM = next((ROOT / "workbooks").glob("002_01_*.xlsx"))
HOSTS = ("poi_SampleSS.strict.xlsx", "cal_vba.xlsm", "poi_WithChart.xlsx", "xw_checkbox01.xlsx")


# --- the plain versions ---------------------------------------------------------------------------

def plain_header_row(sheet: SheetGrid):
    cells, text, last = sheet.cells, sheet.text, sheet.max_col + 1
    for r in range(1, sheet.max_row + 1):
        texts = {c: norm(text(r, c)) for c in range(1, last) if (r, c) in cells}
        if "一级指标" in texts.values() and "三级指标" in texts.values():
            return r, dict(headers._columns(tuple(texts.items())))
    return None


def plain_labels(sheet: SheetGrid, limit: int = 400) -> set[str]:
    return {norm(value) for (r, _c), value in sheet.cells.items() if r <= limit and isinstance(value, str)}


def plain_texts(sheet: SheetGrid):
    return [(norm(value), rc) for rc, value in sorted(sheet.cells.items()) if isinstance(value, str)]


def plain_find_label(sheet: SheetGrid, label: str, prefix: bool = False, texts=None):
    want = norm(label)
    for text, rc in (texts if texts is not None else plain_texts(sheet)):
        if text == want or (prefix and text.startswith(want)):
            return rc
    return None


def plain_read_indicators(sheet: SheetGrid, form: str, result, formats_known: bool = True) -> None:
    found = reader._header_row(sheet)
    if not found:
        raise reader.ReadError(f"工作表“{sheet.name}”：未找到指标表表头（一级指标/二级指标/三级指标）")
    header, cols = found
    footer_labels = {norm(label) for label, _ in layout.FOOTERS.get(form, ())}
    columns = [c.key for c in layout.INDICATOR_COLUMNS[form]]
    plan = [(key, c, 1 if key in reader._NUMERIC_INDICATOR else
             2 if key not in ("rate", "judgement", "measured") and not key.startswith("h_") else 0,
             reader.LABELS.get(key, key)) for key, c in cols.items() if key in columns]
    shown = [(key, c) for key, c in cols.items() if key in ("level1", "level2", "level3", "target", "actual")]
    text, name, cells, filled = sheet.text, sheet.name, result.cells, sheet.cells
    keys, places = tuple(key for key, *_ in plan), [c for _, c, _, _ in plan]
    valued = [column for column in plan if column[2]]
    level1 = level2 = ""
    i = 0
    for r in range(header + 1, sheet.max_row + 2):
        if norm(text(r, 1)) in footer_labels:
            break
        if not any(text(r, c) for _, c in shown if (r, c) in filled):
            continue
        indicator = model.Indicator()
        for key, c, kind, label in valued:
            if kind == 1:
                setattr(indicator, key, reader._decimal(sheet, r, c, result, label, convert=key == "weight",
                                                        points=key == "weight"))
            else:
                setattr(indicator, key, text(r, c))
        cells.update(zip(reader._indicator_keys(i, keys), [(name, r, c) for c in places]))
        if "actual" in cols and "actual" in columns:
            indicator.actual = reader._actual(sheet, r, cols["actual"], indicator.target, result, formats_known)
        if "h_wnum" in cols and "h_wden" in cols:
            indicator.source_wan = reader._source_wan(sheet.get(r, cols["h_wnum"]), sheet.get(r, cols["h_wden"]))
        level1 = indicator.level1 or level1
        level2 = indicator.level2 or level2
        indicator.level1, indicator.level2 = level1, level2
        result.instance.indicators.append(indicator)
        i += 1


def plain_read_budget_rows(sheet: SheetGrid, kind: str, table: model.BudgetTable, result) -> None:
    header = budget_read._find_header(sheet, "项目")
    label_col = 1 if sheet.text(header, 1) else 2
    amount_cols = [c for c in range(1, sheet.max_col + 1)
                   if sheet.text(header, c) and norm(sheet.text(header, c)) != "项目" and "%" not in sheet.text(header, c)]
    pct_cols = [c for c in range(1, sheet.max_col + 1) if "%" in sheet.text(header, c)]
    table.columns = [sheet.text(header, c) for c in amount_cols]
    fund_key = None
    for r in range(header + 1, sheet.max_row + 1):
        label = sheet.text(r, label_col) or sheet.text(r, label_col + 1)
        if not label:
            continue
        lc = label_col if sheet.text(r, label_col) else label_col + 1
        key, fund_key = budget_read.budget_row_key(kind, label, fund_key)
        if key is None:   # a note or signature line (经办人、填报日期…) is not a row; figures there are
            if any(sheet.get(r, c) not in (None, "") for c in amount_cols):
                result.problems.append((f"无法识别的行“{label}”，其数字未计入", sheet.name, r, lc))
            continue
        row = model.BudgetRow(key, label)
        for j, c in enumerate(amount_cols):
            row.values.append(reader._decimal(sheet, r, c, result, label))
            result.cells[f"{kind}.{key}.{j}"] = (sheet.name, r, c)
        if pct_cols:
            row.percent = budget_read.stated_percent(sheet.get(r, pct_cols[0]))
            result.cells[f"{kind}.{key}.pct"] = (sheet.name, r, pct_cols[0])
        result.cells[f"{kind}.{key}.label"] = (sheet.name, r, lc)
        table.rows.append(row)


def plain_values(self, places):
    out, cells = {}, {}
    for key, (name, r, c) in places.items():
        found = cells.get(name)
        if found is None:
            found = cells[name] = self.sheet(name).cells
        out[key] = found.get((r, c))
    return out


def plain_run_rules(ctx, rules_=None):
    findings = []
    for rule in rules_ or rules.load_rules():
        if ctx.instance.form in rule.FORMS:
            for finding in rule.check(ctx):
                finding.rule = finding.rule or rule.CODE
                findings.append(finding)
    return findings


@contextmanager
def plain_way(monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(reader, "_header_row", plain_header_row)
        m.setattr(reader, "_labels", plain_labels)
        m.setattr(reader, "_texts", plain_texts)
        m.setattr(reader, "_find_label", plain_find_label)
        m.setattr(reader, "_read_indicators", plain_read_indicators)
        m.setattr(BookGrid, "values", plain_values)
        m.setattr(BookGrid, "stated", plain_values)
        m.setattr(evaluate_module, "run_rules", plain_run_rules)
        m.setattr(budget_read, "_read_budget_rows", plain_read_budget_rows)
        yield


# --- the files and their clerk-typed variants ----------------------------------------------------

@pytest.fixture(scope="module")
def grafted(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("grafted")
    paths = []
    for host in HOSTS:
        paths.append(out / f"g_{host}")
        graft(ROOT / "tests" / "data" / "real" / host, FORM, paths[-1])
    return paths


def _grid(path: Path) -> BookGrid | None:
    try:
        return read_grid_fast(path)
    except Exception:   # a file calamine or the safety check refuses is not read at all
        return None


def _sheet(sheet: SheetGrid, cells: dict) -> SheetGrid:
    return SheetGrid(sheet.name, cells, list(sheet.merges), sheet.hidden, dict(sheet.formats),
                     None if sheet.formulas is None else set(sheet.formulas))


class Label(str):
    """Text an adapter hands over as a subclass of str (its ``text`` is still the label)."""


def _padded(value):
    """As a clerk pads a label: no-break spaces around, a full-width space inside, a colon after."""
    if not isinstance(value, str) or not value.strip():
        return value
    return f"\u00a0 {value[:1]}\u3000{value[1:]}：\u00a0"


def _spread(value):
    """A label typed over two lines, with a space between its first two characters."""
    if not isinstance(value, str) or not value.strip():
        return value
    return f"\n{value[:1]} {value[1:2]}\n{value[2:]}:"


def _header(sheet: SheetGrid) -> int | None:
    found = plain_header_row(sheet)
    return found[0] if found else None


def clerk_variants(sheet: SheetGrid):
    """Sheets a clerk could have typed: each keeps the same reading the plain way and the fast way must agree on."""
    cells = sheet.cells
    yield "as read", sheet
    yield "other order", _sheet(sheet, dict(reversed(list(cells.items()))))
    yield "padded labels", _sheet(sheet, {rc: _padded(v) for rc, v in cells.items()})
    yield "labels over two lines", _sheet(sheet, {rc: _spread(v) for rc, v in cells.items()})
    yield "text of a str subclass", _sheet(sheet, {rc: Label(v) if isinstance(v, str) else v
                                                   for rc, v in cells.items()})
    yield "numbers as text", _sheet(sheet, {rc: f" {v}" if isinstance(v, (int, float, Decimal)) and
                                            not isinstance(v, bool) else v for rc, v in cells.items()})
    header = _header(sheet)
    if header is None:
        return
    last = sheet.max_row
    shifted = {(r + 1 if r > header + 1 else r, c): v for (r, c), v in cells.items()}
    yield "blank row in the table", _sheet(sheet, shifted)
    spaces = dict(cells)
    for c in range(1, sheet.max_col + 1):
        spaces[(header + 1, c)] = "  \u3000"
    yield "whitespace-only row", _sheet(sheet, spaces)
    again = dict(cells)
    again.update({(last + 3, c): v for (r, c), v in cells.items() if r == header})
    yield "header row repeated lower", _sheet(sheet, again)
    odd = dict(cells)
    odd.update({(header - 1, 1): dt.datetime(2024, 1, 31), (header - 1, 2): 7, (header - 1, 3): "三级 指标"})
    odd.update({(header + 1, 1): Decimal("1.5"), (1, 30): "一级指标", (2, 30): "一级\u00a0指标"})
    yield "numbers, dates and stray labels", _sheet(sheet, odd)
    no_header = {rc: ("一级" if v == "一级指标" else v) for rc, v in cells.items()}
    yield "no header", _sheet(sheet, no_header)


def _outcome(grid: BookGrid, path: Path):
    """Everything evaluate_grid makes of a grid, or the error it raises, as plain data."""
    try:
        result = process.evaluate_grid(grid, path)
    except Exception as exc:   # the same error either way
        return ("error", type(exc).__name__, str(exc))
    return [(list(e.read.cells.items()), dataclasses.asdict(e.read.instance), e.read.problems, e.read.notices,
             e.read.conversions, e.computed, e.typed_over) for e in result.evaluations], \
        [dataclasses.asdict(f) for f in result.findings]


def _copy(grid: BookGrid) -> BookGrid:
    return BookGrid([_sheet(s, dict(s.cells)) for s in grid.sheets], dict(grid.names), grid.source,
                    grid.formats_known)


def _books():
    for path in SEEDS + TEMPLATES + REAL:
        grid = _grid(path)
        if grid is not None:
            yield path, grid


def _forms(books=None):
    """(path, grid, read) of every form the books hold (books: ``_books()`` when not given)."""
    for path, grid in books if books is not None else _books():
        try:
            reads = reader.read_book(grid)
        except reader.ReadError:
            continue
        for read in reads:
            yield path, grid, read


# --- the comparisons -----------------------------------------------------------------------------

def test_the_files_are_read():
    """All but the few files refused before anything is read (encrypted, binary) take part."""
    refused = [p for p in SEEDS + TEMPLATES + REAL if _grid(p) is None]
    assert len(refused) <= 3 and all(p in REAL for p in refused), refused


@pytest.mark.parametrize("path", SEEDS + TEMPLATES + REAL, ids=lambda p: p.name)
def test_each_fast_reading_against_the_plain_one(path):
    grid = _grid(path)
    for sheet in (grid.sheets if grid is not None else ()):   # a file refused whole: nothing to compare in grid.sheets:
        for what, variant in clerk_variants(sheet):
            where = f"{sheet.name} ({what})"
            assert headers.header_row(variant) == plain_header_row(variant), where
            assert reader._labels(variant) == plain_labels(variant), where
            assert reader._labels(variant, limit=3) == plain_labels(variant, limit=3), where
            texts, plain = reader._texts(variant), plain_texts(variant)
            assert list(texts) == plain, where
            for text, _rc in plain[:80]:
                assert reader._find_label(variant, text, texts=texts) == plain_find_label(variant, text, texts=plain)
                assert (reader._find_label(variant, text[:2], prefix=True, texts=texts)
                        == plain_find_label(variant, text[:2], prefix=True, texts=plain))
            for label in ("项目名称", "年度资金总额", "其中", "没有的标签"):
                assert reader._find_label(variant, label) == plain_find_label(variant, label), where


def test_the_whole_check_the_plain_way_and_the_fast_way(monkeypatch, grafted):
    compared = findings = 0
    books = list(_books()) + [(p, read_grid_fast(p)) for p in grafted]
    for path, grid in books:
        for i, sheet in enumerate(grid.sheets):
            for what, variant in clerk_variants(sheet):
                book = _copy(grid)
                book.sheets[i] = variant
                with plain_way(monkeypatch):
                    plain = _outcome(_copy(book), path)
                fast = _outcome(_copy(book), path)
                assert fast == plain, f"{path.name} {sheet.name} ({what})"
                compared += 1
                findings += 0 if plain[0] == "error" else len(plain[1])
    assert compared > 300 and findings > 1000   # the comparison saw forms and findings, not only errors


def test_the_plain_versions_are_the_ones_replaced(monkeypatch):
    """The reference must read what the fast way reads, and differ where the code would be wrong: a header
    row found one row late, or the first of two equal labels missed, would be caught."""
    path = SEEDS[0]
    sheet = read_grid_fast(path).sheets[0]
    header = _header(sheet)
    assert header and plain_header_row(sheet) == headers.header_row(sheet)
    late = _sheet(sheet, {(r + (r >= header), c): v for (r, c), v in sheet.cells.items()})
    assert plain_header_row(late)[0] == header + 1
    texts = plain_texts(sheet)
    twice = _sheet(sheet, {**sheet.cells, (sheet.max_row + 5, 1): sheet.cells[texts[0][1]]})
    assert reader._find_label(twice, texts[0][0]) == texts[0][1]


def test_the_rules_of_a_form_follow_a_rule_reloaded(monkeypatch):
    """The per-form rule lists are rebuilt when a rule module is imported again (as a test may)."""
    import sys

    before = rules.load_rules()
    name = before[0].__name__
    monkeypatch.delitem(sys.modules, name)
    after = rules.load_rules()
    assert after[0] is not before[0] and after[0] is sys.modules[name]
    read = reader.ReadForm(layout.blank_instance(after[0].FORMS[0]))
    ctx = rules.Context(read, {}, {}, {"blank": True, "config": None, "budgets": []})
    rules.run_rules(ctx)
    assert after[0] in rules._by_form[read.form]


def test_xt100_takes_blank_from_the_recomputation():
    """XT100 reads ``facts["blank"]`` instead of looking at the whole form again: it must be what
    ``is_blank_form`` says of the instance the rules see, for filled and blank forms alike."""
    from xltool.core.calc.targets import is_blank_form

    blanks = seen = 0
    for path, _, read in _forms():
        _computed, facts = evaluate_module.compute(read)
        if "blank" in facts:
            assert facts["blank"] == is_blank_form(read.instance), path.name
            blanks += facts["blank"]
            seen += 1
    assert seen > 30 and blanks >= 3   # the templates are blank forms


def test_stated_values_read_when_asked_are_the_values():
    forms = 0
    for path, grid, read in _forms([*_books(), *((p, read_grid_fast(p)) for p in SEEDS[:3])]):
        plain = plain_values(grid, read.cells)
        lazy = grid.stated(read.cells)
        assert grid.values(read.cells) == plain
        assert dict(lazy) == plain and len(lazy) == len(plain) and list(lazy) == list(plain), path.name
        assert all(lazy.get(key) == value and lazy[key] == value and key in lazy for key, value in plain.items())
        assert lazy.get("ind.999.none") is None and lazy.get("ind.999.none", 7) == 7 and "ind.999.none" not in lazy
        with pytest.raises(KeyError):
            lazy["ind.999.none"]
        forms += 1
        assert any(v is not None for v in plain.values())
    assert forms > 30


def plain_regional_rows(instance):
    from xltool.core.calc import regional

    inds = [regional._name(ind) for ind in instance.indicators]
    fee_i = regional._find(inds, lambda n: "保险费收入" in n and "占" not in n)
    benefit_i = regional._find(inds, lambda n: "待遇支出" in n and "占" not in n)
    shares = ((regional.FEE_SHARE, regional._find(inds, lambda n: "费收入占" in n)),
              (regional.BENEFIT_SHARE, regional._find(inds, lambda n: "待遇支出占" in n)),
              (regional.OTHER_SHARE, regional._find(inds, lambda n: "其他支出占" in n)))
    return fee_i, benefit_i, shares


def test_regional_rows_found_once_per_list_of_names():
    """The 区域 form's fee, benefit and share rows, remembered per list of 三级指标 names, against the
    names searched each time; also with the rows in another order, spaced out, or some left unnamed."""
    from xltool.core.calc import regional

    found = 0
    for path, _, read in _forms():
        if read.form != model.REGIONAL_TARGET:
            continue
        inds = read.instance.indicators
        for variant in (inds, inds[::-1], [dataclasses.replace(i, level3=f" {i.level3[:2]} \n{i.level3[2:]}")
                                           for i in inds],
                        [dataclasses.replace(i, level3="") if n % 3 == 0 else i for n, i in enumerate(inds)]):
            instance = dataclasses.replace(read.instance, indicators=list(variant))
            want = plain_regional_rows(instance)
            assert regional._rows(tuple(i.level3 for i in variant)) == want, path.name
            found += sum(i is not None for i in (want[0], want[1], *(i for _, i in want[2])))
    assert found > 20
