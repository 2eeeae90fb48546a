"""Recompute and check whole workbook files (the library behind `recompute`, `check`, `run`)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from xltool.io import safety
from xltool.core import reader
from xltool.core.cellref import a1
from xltool.core.evaluate import Evaluation, evaluate
from xltool.core.findings import ERROR, SEVERITY_ORDER, Finding
from xltool.io.ooxml import writeback
from xltool.io.ooxml.package import Unsupported
from xltool.workbooks import XltoolError, open_grid, read_forms


@dataclass
class FileResult:
    path: Path
    evaluations: list[Evaluation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


def _location(read: reader.ReadForm, key: str) -> tuple[str, str]:
    if key in read.cells:
        sheet, r, c = read.cells[key]
        return sheet, a1(r, c)
    if "title" in read.cells:
        sheet, r, c = read.cells["title"]
        return sheet, a1(r, c)
    return "", ""


def resolve(finding: Finding, read: reader.ReadForm, file: str) -> Finding:
    finding.file = file
    if not finding.cell:
        finding.sheet, finding.cell = _location(read, finding.key)
    finding.related = ["!".join(_location(read, k)) if k in read.cells else k for k in finding.related]
    return finding


def evaluate_file(path: str | Path) -> FileResult:
    return evaluate_grid(open_grid(path), Path(path))


def evaluate_grid(grid, path: Path, budgets=()) -> FileResult:
    """Evaluate a workbook already read into a BookGrid (by any adapter); ``budgets``: the 附表
    (BudgetWorkbooks) its 区域绩效目标表 are checked against (XT140)."""
    path = Path(path)
    forms = read_forms(grid, path)
    result = FileResult(path)
    for read in forms:
        stated = {k: grid.sheet(s).get(r, c) for k, (s, r, c) in read.cells.items()}
        evaluation = evaluate(read, stated, budgets=budgets)
        result.evaluations.append(evaluation)
        result.findings += [resolve(f, read, path.name) for f in evaluation.findings]
    result.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.rule))
    return result


def output_path(target: str | Path) -> Path:
    """Where a write-back to target lands: a legacy .xls becomes .xlsx; .xlsx and .xlsm keep their kind."""
    target = Path(target)
    return target.with_suffix(".xlsx") if target.suffix.lower() == ".xls" else target


def recompute_file(path: str | Path, target: str | Path, budgets=()) -> FileResult:
    """Recompute one workbook and write the result (values, marks, findings sheet) to target.

    The package is patched in place (``write_back``: fast, keeps everything else).
    A legacy ``.xls`` is written as ``.xlsx`` (see ``output_path``).
    """
    path, target = Path(path), output_path(target)
    if path.suffix.lower() == ".xls":   # legacy: its values become a new .xlsx, which is recomputed
        from xltool.io import xlsx

        xlsx.grid_to_xlsx(open_grid(path), target)
        path = target
    grid = open_grid(path)
    result = evaluate_grid(grid, path, budgets)
    write_back(path, target, [(e.read.cells, e.computed, e.read.conversions) for e in result.evaluations],
               result.findings, grid)
    return result


def write_back(path: Path, target: Path, forms, findings, grid) -> None:
    """Values of forms [(cells, computed)] and marks of findings into the workbook read as grid.

    The package is patched (``ooxml.writeback``); one the patcher does not handle goes through openpyxl.
    """
    try:
        try:
            writeback.write_back(path, target, forms, findings, writeback.meta_rows(grid))
        except Unsupported:
            from xltool.io import xlsx   # openpyxl: loaded only when needed

            xlsx.write_back(path, target, (forms, findings))
    except safety.UnsafeWorkbook as exc:
        raise XltoolError(str(exc)) from exc


def recompute_in_place(path: str | Path) -> FileResult:
    """Keep a backup (FILE.bak.xlsx) and replace the file atomically."""
    path = Path(path)
    backup = path.with_name(path.stem + ".bak" + path.suffix)
    shutil.copy2(path, backup)
    return recompute_file(path, path)
