"""Every rule proved by cases (tests/rule_cases/XTnnn.yml; the format is described in
tests/rule_cases.py): each case is a small form, or a patch of a seed workbook, with the findings
the rule must report there, or silence.

A rule code without a case file, without a firing case or without a silent case fails the suite;
the codes are discovered from xltool itself (rule modules and code literals), so a new rule must
bring its cases. The Bad and Good examples of each rule's docstring are cases too: a case marked
``doc: bad`` / ``doc: good`` quotes its example verbatim, and every number in the quote must be
found in the case (its cells, xltool's values for it, or what the rule says about it).
"""
from __future__ import annotations

import importlib

import pytest

from rule_cases import (
    CASES_DIR, case_findings, case_numbers, doc_sections, expected_findings, load_cases, quoted_numbers, rule_codes,
)
from xltool.core.rules import RULE_MODULES

CASES = load_cases()
CODES = rule_codes()


@pytest.mark.parametrize("code, case", CASES, ids=[f"{code}-{case['name']}" for code, case in CASES])
def test_rule_case(code, case):
    assert case_findings(code, case) == expected_findings(case)


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_firing_and_a_silent_case(code):
    assert (CASES_DIR / f"{code}.yml").exists(), f"{code} has no case file tests/rule_cases/{code}.yml"
    mine = [case for c, case in CASES if c == code]
    assert any(not case.get("silent") for case in mine), f"{code}: no case where it fires"
    assert any(case.get("silent") for case in mine), f"{code}: no case where it stays silent"


def test_case_files_name_known_rules_and_cases_are_unique():
    assert {code for code, _ in CASES} <= set(CODES)
    names = [(code, case["name"]) for code, case in CASES]
    assert len(names) == len(set(names))


def test_codes_cover_the_rule_modules_and_xt120():
    assert set(RULE_MODULES) <= set(CODES) and "XT120" in CODES


@pytest.mark.parametrize("code", RULE_MODULES)
def test_docstring_examples_are_cases(code):
    """The docstring's Bad example fires and its Good example stays silent, as cases."""
    sections = doc_sections(importlib.import_module(f"xltool.core.rules.{code}").__doc__)
    assert set(sections) == {"bad", "good"}, f"{code}: docstring needs a Bad: and a Good: example"
    mine = [case for c, case in CASES if c == code]
    for which, fires in (("bad", True), ("good", False)):
        marked = [case for case in mine if case.get("doc") == which]
        assert marked, f"{code}: no case realises the docstring's {which} example"
        for case in marked:
            assert bool(expected_findings(case)) == fires, f"{code} {case['name']}: a {which} example must " \
                                                           f"{'fire' if fires else 'stay silent'}"
            quote = " ".join(case["quote"].split())
            assert quote in sections[which], f"{code} {case['name']}: quote not in the docstring's {which} example"


@pytest.mark.parametrize("code, case", [(c, case) for c, case in CASES if case.get("doc")],
                         ids=[f"{c}-{case['name']}" for c, case in CASES if case.get("doc")])
def test_docstring_figures_are_in_the_case(code, case):
    have = case_numbers(code, case)
    missing = [n for n in quoted_numbers(case["quote"]) if n not in have]
    assert not missing, f"{code} {case['name']}: the docstring's figures {missing} are not in the case"


def test_findings_speak_chinese_not_field_keys():
    """What a clerk reads (message, expected, found) never shows an internal field key (income_exec …)."""
    import re
    from rule_cases import evaluate_case
    leaks = set()
    for code, case in CASES:
        for f in evaluate_case(case)[1].findings:
            leaks |= {(f.rule, text) for text in (f.message, f.expected, f.found) if re.search(r"[a-z]+_[a-z]+", text)}
    assert not leaks
