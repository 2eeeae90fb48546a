"""What a check-only worker works out on its first sight of a kind of file, made cheaper, still
gives exactly what the plain way gives.

- ``typed_over.formula_fields``: the computed cells holding a formula, from a pattern per form (the
  plan of a blank instance with one indicator) instead of the full plan of each shape, against the
  full plan of every seed, template, real file and form grafted into real files, of the same
  instances with other values, and of every form with 0–40 indicators.
"""
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from form_graft import graft
from xltool.core import layout, model, typed_over
from xltool.core.typed_over import _BY_SHAPE, formula_fields, planned_formula_fields
from xltool.io.calamine import read_grid_fast
from xltool.workbooks import read_forms

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
REAL = sorted(p for p in (ROOT / "tests" / "data" / "real").iterdir()
              if p.suffix in (".xlsx", ".xlsm", ".xls", ".xlsb"))
FORMS = sorted(_BY_SHAPE | {model.BUDGET_TABLES})
HOSTS = ("poi_SampleSS.strict.xlsx", "cal_vba.xlsm", "poi_WithChart.xlsx", "xw_checkbox01.xlsx")


@pytest.fixture(scope="module")
def reads(tmp_path_factory) -> list:
    out = tmp_path_factory.mktemp("grafted")
    grafted = []
    for n, form in enumerate(sorted({p.name[:3] for p in SEEDS})):   # one seed of each family, in a real host
        seed = next(p for p in SEEDS if p.name.startswith(form))
        grafted.append(out / f"g{n}_{HOSTS[n % len(HOSTS)]}")
        graft(ROOT / "tests" / "data" / "real" / HOSTS[n % len(HOSTS)], seed, grafted[-1])
    found = []
    for path in SEEDS + TEMPLATES + REAL + grafted:
        try:
            grid = read_grid_fast(path)
            found += read_forms(grid, path)
        except Exception:   # a file refused or holding no form is not checked at all
            continue
    return found


def _fresh():
    typed_over._patterns.clear()
    typed_over._fields.clear()


def _varied(instance):
    if not getattr(instance, "indicators", None):
        return dataclasses.replace(instance, year=2031) if hasattr(instance, "year") else instance
    indicators = [dataclasses.replace(ind, target="≥95%", actual="12.5万人", weight=Decimal(7), direction="反向",
                                      scoring_rule="直接赋分") for ind in instance.indicators]
    return dataclasses.replace(instance, indicators=indicators, year=2031)


def test_formula_fields_equal_the_full_plan_on_every_file(reads):
    assert {r.instance.form for r in reads} >= set(FORMS)
    assert len(reads) >= len(SEEDS) + len(TEMPLATES) + 5, len(reads)   # the grafted forms are read too
    assert sum(1 for r in reads if r.instance.form in FORMS) >= 40
    compared = 0
    for read in reads:
        for instance in (read.instance, _varied(read.instance)):
            _fresh()
            again = dataclasses.replace(read, instance=instance)
            fast = formula_fields(again)
            if read.instance.form not in FORMS:
                assert fast is None
                continue
            plain = [k for k in planned_formula_fields(instance) if k in read.cells]
            assert sorted(fast) == sorted(plain) and len(fast) == len(set(fast)), read.instance.form
            assert formula_fields(again) == fast   # remembered for the shape
            compared += len(plain)
    assert compared > 2000


def test_the_budget_formula_fields_are_those_of_a_blank_workbook(reads):
    """What the 附表's pattern rests on: every 附表 read (as found and with other figures), and a blank one of
    each level and year, gives its formula to the same cells."""
    from xltool.core.typed_over import _pattern

    expected, columns = _pattern(model.BUDGET_TABLES)
    assert len(expected) > 100 and not columns
    books = [r.instance for r in reads if r.instance.form == model.BUDGET_TABLES]
    books += [layout.blank_instance(model.BUDGET_TABLES, year, "某地", level) for level in layout.LEVELS
              for year in (None, 2024)]
    assert len(books) >= 8
    for book in books:
        assert planned_formula_fields(book) == expected
        assert planned_formula_fields(_varied(book)) == expected


@pytest.mark.parametrize("form", FORMS)
def test_formula_fields_of_every_size_equal_the_full_plan(form):
    """Every number of indicators, blank rows and rows with values, and the fields the reader did not find."""
    sizes = range(0, 41) if form in _BY_SHAPE else [0]
    for n in sizes:
        blank = layout.blank_instance(form, 2024, region="某地")
        if form in _BY_SHAPE:
            blank = dataclasses.replace(blank, indicators=[model.Indicator(level1="产出指标", target="≥1",
                                                                             weight=Decimal(5))] * n)
        plain = planned_formula_fields(blank)
        assert plain or form == model.FUND_EXPENDITURE_TARGET
        _fresh()
        everything = {k: ("s", 1, 1) for k in plain}
        read = type("Read", (), {"instance": blank, "cells": everything})()
        assert sorted(formula_fields(read)) == sorted(plain), (form, n)
        some = {k: v for i, (k, v) in enumerate(everything.items()) if i % 3}
        read.cells = some
        assert sorted(formula_fields(read)) == sorted(k for k in plain if k in some), (form, n)
