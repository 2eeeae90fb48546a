"""Checks as rules with codes, one rule per module (``XT101.py`` …).

Each rule module defines ``CODE``, ``NAME``, ``SEVERITY``, ``FORMS`` and
``check(ctx) -> Iterable[Finding]``; its docstring is its documentation, with
a bad and a good example. ``RULES`` lists them in code order.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from decimal import Decimal

from xltool.core.findings import Finding
from xltool.core.reader import ReadForm

RULE_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("XT")))


@dataclass
class Context:
    read: ReadForm
    stated: dict[str, object]                     # field key → the value in that cell as read
    computed: dict[str, object]                   # field key → xltool's value for a computed cell
    facts: dict[str, object] = field(default_factory=dict)   # per-form results rules share (calc objects)

    @property
    def instance(self):
        return self.read.instance


_loaded: list = []
_by_form: dict[str, list] = {}   # form → the loaded rules that check it, in code order


def load_rules():
    """The rule modules in code order (imported once; imported again if one was taken out of
    ``sys.modules``, as a test may)."""
    if not _loaded or list(map(sys.modules.get, _NAMES)) != _loaded:
        _loaded[:] = [importlib.import_module(name) for name in _NAMES]
        _by_form.clear()
    return list(_loaded)


_NAMES = tuple(f"xltool.core.rules.{name}" for name in RULE_MODULES)


def _for_form(ctx: Context, rules) -> list:
    chosen = []
    for rule in rules:
        if ctx.instance.form in rule.FORMS:
            chosen.append(rule)
    return chosen


def run_rules(ctx: Context, rules=None) -> list[Finding]:
    if rules:
        rules = _for_form(ctx, rules)
    else:
        load_rules()
        rules = _by_form.get(ctx.instance.form)
        if rules is None:
            rules = _by_form[ctx.instance.form] = _for_form(ctx, _loaded)
    findings: list[Finding] = []
    for rule in rules:
        for finding in rule.check(ctx):
            finding.rule = finding.rule or rule.CODE
            findings.append(finding)
    return findings


def same_at_precision(stated: Decimal, computed: Decimal) -> bool:
    """Compare a reported figure with ours at the precision it was reported (98 vs 97.73 agree)."""
    exponent = stated.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    from xltool.core.arith import round_half_up
    return round_half_up(computed, places) == stated
