"""Rule cases as data (tests/rule_cases/XTnnn.yml), the way sqlfluff keeps its rule fixtures.

One YAML file per rule code::

    rule: XT102
    cases:
      - name: 表二 percentage typed wrong           # unique within the file
        doc: bad                                   # optional: this case is the docstring's Bad (or good) example
        quote: "104.23% for 1207152 / 1158257"     # with doc: words of that example, verbatim
        form: seed 004_01                          # a committed seed workbook (workbooks/004_01_*.xlsx), or
                                                   # "template FORM [YEAR]" (a fresh blank template)
        set:                                       # what the clerk types: field key or Sheet!A1 → value
          income_exec.total.pct: "104.23%"         #   (YAML numbers are numbers, quoted text is text;
                                                   #    null empties the cell)
        indicators:                                # optional: indicator rows typed into a template,
          - {level3: 参保人数, target: ≥100人}      #   by column key (level1, level2, level3, target, actual, …)
        budgets: [seed 004_01]                     # optional: the 附表 the form is checked against (XT140)
        formats: unknown                           # optional: the grid carries no number formats (remote engine)
        expect:                                    # every finding of this rule, in any order
                                                   #   (cell "" = the form as a whole):
          - {cell: 收入执行!F5, severity: error, expected: 104.22%, found: 104.23%}
      - name: …
        silent: true                               # … or: the rule reports nothing

``case_findings`` builds the workbook, runs the whole evaluation (every rule, as ``xltool check``
does) and returns this rule's findings as (cell, severity, expected, found).
"""
from __future__ import annotations

import copy
import re
import tempfile
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from xltool import process, workbooks
from xltool.core import reader
from xltool.core.cellref import parse_a1
from xltool.core.rules import RULE_MODULES

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CASES_DIR = TESTS / "rule_cases"
CODE_RE = re.compile(r"""["'](XT\d{3})["']""")


def rule_codes() -> list[str]:
    """Every rule code xltool can report: one per rule module, and any code written as a literal
    anywhere in the package (XT120 is emitted by the evaluation itself)."""
    codes = set(RULE_MODULES)
    for path in (ROOT / "xltool").rglob("*.py"):
        codes |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    return sorted(codes)


def load_cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES_DIR.glob("XT*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, f"{path.name}: rule {data['rule']} ≠ file name"
        for case in data["cases"]:
            out.append((data["rule"], case))
    return out


@lru_cache(maxsize=None)
def _template_path(form: str, year: int | None) -> Path:
    path = Path(tempfile.mkdtemp(prefix="xltool-cases-")) / f"{form}-{year}.xlsx"
    return workbooks.write_template(form, path, year)


@lru_cache(maxsize=None)
def _source(spec: str):
    """(path, grid) of a form spec: "seed 004_01" or "template FORM [YEAR]"."""
    kind, _, rest = spec.partition(" ")
    if kind == "seed":
        (path,) = (ROOT / "workbooks").glob(f"{rest.strip()}_*.xlsx")
    elif kind == "template":
        form, _, year = rest.strip().partition(" ")
        path = _template_path(form, int(year) if year else None)
    else:
        raise ValueError(f"form must be 'seed PREFIX' or 'template FORM [YEAR]', not {spec!r}")
    return path, workbooks.open_grid(path)


def _where(grid, read, key: str) -> tuple[str, int, int]:
    if "!" in key:
        sheet, ref = key.rsplit("!", 1)
        return (sheet, *parse_a1(ref))
    if key in read.cells:
        return read.cells[key]
    m = re.fullmatch(r"ind\.(\d+)\.(\w+)", key)
    if m:   # an indicator row of a blank template: the rows under the indicator header
        sheet = grid.sheet(read.cells["title"][0])
        header, cols = reader._header_row(sheet)
        return sheet.name, header + 1 + int(m.group(1)), cols[m.group(2)]
    raise KeyError(f"no cell for field key {key!r}")


def build(case: dict):
    """(path, grid) of the case's workbook: the source with the case's cells typed in."""
    path, grid = _source(case["form"])
    grid = copy.deepcopy(grid)
    (read, *_) = workbooks.read_forms(grid, path)
    typed = dict(case.get("set") or {})
    for i, row in enumerate(case.get("indicators") or []):
        typed.update({f"ind.{i}.{column}": value for column, value in row.items()})
    if case.get("formats") == "unknown":   # values only, as xlwings' remote engine sends them
        grid.formats_known = False
    for key, value in typed.items():
        sheet, r, c = _where(grid, read, key)
        cells = grid.sheet(sheet).cells
        if value is None or value == "":
            cells.pop((r, c), None)
        else:   # numbers arrive as the adapters give them (Decimal), text as typed
            cells[(r, c)] = Decimal(repr(value)) if isinstance(value, float) else value
        if grid.sheet(sheet).formulas is not None:   # typing into a formula cell replaces the formula
            grid.sheet(sheet).formulas.discard((r, c))
    return path, grid


def evaluate_case(case: dict):
    path, grid = build(case)
    budgets = [workbooks.read_forms(_source(spec)[1], _source(spec)[0])[0].instance for spec in case.get("budgets") or []]
    return grid, process.evaluate_grid(grid, path, budgets)


def case_findings(code: str, case: dict) -> list[tuple[str, str, str, str]]:
    _, result = evaluate_case(case)
    return sorted((f.location, f.severity, f.expected, f.found) for f in result.findings if f.rule == code)


def expected_findings(case: dict) -> list[tuple[str, str, str, str]]:
    if case.get("silent"):
        assert not case.get("expect"), f"{case['name']}: silent and expect both given"
        return []
    assert case.get("expect"), f"{case['name']}: give expect (the findings) or silent: true"
    return sorted((e["cell"] or "", e["severity"], str(e.get("expected", "")), str(e.get("found", "")))
                  for e in case["expect"])


# --------------------------------------------------------------------------- docstrings

NUMBER_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*…)")


def doc_sections(doc: str) -> dict[str, str]:
    """The Bad: and Good: paragraphs of a rule docstring (each up to the next blank line or section)."""
    out = {}
    for name in ("Bad", "Good"):
        m = re.search(rf"(?:^|\s){name}:(.*?)(?=\n\s*\n|\sGood:|\sBad:|\Z)", doc, re.S)
        if m:
            out[name.lower()] = " ".join(m.group(1).split())
    return out


def quoted_numbers(quote: str) -> set[Decimal]:
    """The figures of a docstring example (not the seed's number in "seed 004")."""
    return numbers_in(re.sub(r"seed \d{3}", "", quote))


def numbers_in(value) -> set[Decimal]:
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return {d, d * 100}       # a percent-formatted cell holds the fraction
    found = set()
    for token in NUMBER_RE.findall(str(value)):
        try:
            found.add(Decimal(token))
        except InvalidOperation:
            pass
    return found


def case_numbers(code: str, case: dict) -> set[Decimal]:
    """Every number the case's workbook holds, xltool computes for it, or the rule says about it."""
    grid, result = evaluate_case(case)
    found: set[Decimal] = set()
    for sheet in [*grid.sheets, *(s for spec in case.get("budgets") or [] for s in _source(spec)[1].sheets)]:
        for value in sheet.cells.values():
            found |= numbers_in(value)
    for evaluation in result.evaluations:
        for value in evaluation.computed.values():
            found |= numbers_in(value)
    for f in result.findings:
        if f.rule == code:
            found |= numbers_in(f.message) | numbers_in(f.expected) | numbers_in(f.found)
    return found
