"""tools/mutation_check.py stays runnable: every deliberate bug it lists still applies to the code
(its text occurs exactly once) and names test files that exist. (Running the mutants is the
script's job: ``python tools/mutation_check.py``; the README records its score.)"""
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import mutation_check  # noqa: E402

MUTANTS = mutation_check.all_mutants()


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_applies(mutant):
    for path, old, _ in mutant.edits():
        assert (ROOT / path).read_text(encoding="utf-8").count(old) == 1, \
            f"{mutant.id}: its text no longer occurs once in {path}; update tools/mutation_check.py"
    assert all((ROOT / t).exists() for t in mutant.tests)


def test_every_rule_code_has_a_drop_mutant():
    from rule_cases import rule_codes
    dropped = {m.id[len("drop-"):] for m in MUTANTS if m.id.startswith("drop-")}
    covered = {code for ids in dropped for code in ids.split("-")}
    assert set(rule_codes()) <= covered
