"""Consistency of 区域绩效目标表 (F1) with the 附表 (F5) they were made from (rule XT140).

``check_targets_against_budget(targets, book)`` checks each target table against
one unit's budget workbook; the rule itself, with its documentation, lives in
``core.rules.XT140``. Pure: works on model objects, no files.
"""
from __future__ import annotations

from xltool.core.calc.budget import recompute_budget
from xltool.core.findings import Finding
from xltool.core.model import BudgetWorkbook, RegionalTarget
from xltool.core.rules import XT140


def check_targets_against_budget(targets: list[RegionalTarget], book: BudgetWorkbook) -> list[Finding]:
    """Findings for every target table (in the order given); keys are the target tables' field keys,
    ``related`` the 附表's field keys. A target table whose region names another unit than the
    workbook's is still checked (its figures may legitimately repeat), with an info note."""
    calc = recompute_budget(book)
    findings: list[Finding] = []
    for target in targets:
        if target.region and book.entity and target.region != book.entity:
            findings.append(Finding(XT140.CODE, "info", f"{XT140.NAME}：目标表地区“{target.region}”与附表单位"
                                    f"“{book.entity}”不同，仍按该附表核对", "title"))
        findings += list(XT140.check_target(target, book, calc))
    return findings
