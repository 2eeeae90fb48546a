"""Importers: seed texts (tab-separated PDF extractions) → form instances.

``import_text`` finds every form instance in a text, whatever families it
holds; extraction artefacts are repaired here, not reported as findings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from xltool.core.model import FormInstance


@dataclass
class ImportResult:
    instances: list[FormInstance] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # Chinese messages: rows that could not be re-joined


def import_text(text: str) -> ImportResult:
    from xltool.importers.budget_tables import parse_budget_tables
    from xltool.importers.project_evaluation import is_project_evaluation_text, parse_project_evaluations
    from xltool.importers.self_evaluation import parse_self_evaluations
    from xltool.importers.target_tables import parse_target_tables

    from xltool.core.values.lexicon import strip_markup

    text = strip_markup(text)   # $\geq 95\%$ → ≥ 95%: OCR/LaTeX markup never reaches a workbook
    result = ImportResult()
    if is_project_evaluation_text(text):   # 财预〔2020〕10号 layout (项目资金 with 全年执行数)
        evaluations, notes = parse_project_evaluations(text)
        result.instances += evaluations
        result.notes += notes
    elif "自评表" in text:
        evaluations, notes = parse_self_evaluations(text)
        result.instances += evaluations
        result.notes += notes
    result.instances += parse_budget_tables(text)
    result.instances += parse_target_tables(text)
    return result
