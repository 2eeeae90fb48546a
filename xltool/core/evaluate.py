"""Recompute and check one form instance: the pure heart of ``recompute`` and ``check``.

``evaluate(read, stated)`` returns the values xltool writes into computed cells
and the findings of every rule. ``stated`` is what each mapped cell holds now
(field key → value), so that stated and recomputed figures can be compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, partial

from xltool.core import model
from xltool.core.calc.budget import recompute_budget
from xltool.core.findings import Finding
from xltool.core.reader import ReadForm
from xltool.core.rules import Context, run_rules
from xltool.core.calc.scoring import DEFAULT_CONFIG, ScoringConfig


@dataclass
class Evaluation:
    read: ReadForm
    computed: dict[str, object] = field(default_factory=dict)   # field key → value for a computed cell
    findings: list[Finding] = field(default_factory=list)
    expected: object = field(default=None, repr=False)          # ``formulas``, or a function giving them
    typed_over: dict[str, object] = field(default_factory=dict)  # field key → the clerk's value over a formula

    @property
    def formulas(self) -> dict[str, str]:
        """Field key → the formula its cell must carry: worked out when first asked (a check that writes
        nothing never asks)."""
        if callable(self.expected):
            self.expected = self.expected()
        return self.expected or {}


def compute(read: ReadForm, config: ScoringConfig = DEFAULT_CONFIG) -> tuple[dict, dict]:
    """(computed cell values, facts for the rules) for any form family."""
    if read.form == model.BUDGET_TABLES:
        calc = recompute_budget(read.instance)
        return dict(calc.cells), {"budget": calc}
    if read.form == model.PROJECT_SELF_EVALUATION:
        from xltool.core.project_eval.calc import compute as compute_project_evaluation
        return compute_project_evaluation(read, config)
    from xltool.core.calc.targets import compute_target_form
    return compute_target_form(read, config)


def evaluate(read: ReadForm, stated: dict[str, object], config: ScoringConfig = DEFAULT_CONFIG,
             budgets=(), formula_cells=None) -> Evaluation:
    """``budgets``: the 附表 (BudgetWorkbooks) known alongside this form, for the cross-form
    rule XT140 (a 区域绩效目标表 against its unit's budget); none → XT140 stays silent.
    ``formula_cells``: sheet name → the cells holding a formula (None: not known), to find
    computed cells a clerk typed over."""
    from xltool.core.typed_over import expected_formulas, typed_over

    computed, facts = compute(read, config)
    computed = {key: value for key, value in computed.items() if key in read.cells}
    ctx = Context(read, stated, computed, {**facts, "config": config, "budgets": list(budgets)})
    findings = run_rules(ctx)
    formulas = cache(partial(expected_formulas, read, facts))   # worked out when first asked, once
    over, typed = typed_over(read, stated, computed, formulas, formula_cells)
    findings += over
    for message, sheet, row, col in read.problems:
        from xltool.core.cellref import a1
        from xltool.core.findings import ERROR
        findings.append(Finding("XT120", ERROR, message, sheet=sheet, cell=a1(row, col)))
    for rule, severity, message, sheet, row, col in read.notices:   # XT121 text numbers, XT122 fractions
        from xltool.core.cellref import a1
        findings.append(Finding(rule, severity, message, sheet=sheet, cell=a1(row, col)))
    return Evaluation(read, computed, findings, formulas, typed)
