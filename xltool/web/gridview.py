"""A workbook as plain data for the page's HTML grid: cell text, merges, and the marks of its findings.

The marked cells get the fill the write-back gives them (``marks.MARK_FILLS`` by
the worst finding of the cell, the same definitions the patcher uses), so the
grid is coloured as the recomputed workbook is. Text stays text: the page puts
it into the DOM with ``textContent``, never as markup.
"""
from __future__ import annotations

from pathlib import Path

from xltool import marks
from xltool.core.cellref import a1

MAX_ROWS, MAX_COLS = 400, 60


def sheets(path: Path, findings: list[dict]) -> list[dict]:
    """The visible sheets of a workbook file (xltool's own 校验结果 left out: the findings are beside it)."""
    from xltool.io.calamine import read_grid_fast

    book = read_grid_fast(path)
    by_cell: dict[tuple[str, str], list[dict]] = {}
    for f in findings:
        if f.get("sheet") and f.get("cell"):
            by_cell.setdefault((f["sheet"], f["cell"]), []).append(f)
    out = []
    for sheet in book.sheets:
        if sheet.hidden or sheet.name == marks.FINDINGS_SHEET:
            continue
        rows = min(max(sheet.max_row, max((r for (s, c), _ in by_cell.items() if s == sheet.name
                                           for r in [_row(c)]), default=0)), MAX_ROWS)
        cols = min(max(sheet.max_col, 1), MAX_COLS)
        covered = set()
        spans = {}
        for r1, c1, r2, c2 in sheet.merges:
            spans[(r1, c1)] = (min(r2, rows) - r1 + 1, min(c2, cols) - c1 + 1)
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
        grid = []
        for r in range(1, rows + 1):
            line = []
            for c in range(1, cols + 1):
                if (r, c) in covered:
                    continue
                ref = a1(r, c)
                group = by_cell.get((sheet.name, ref), [])
                cell = {"c": c, "ref": ref, "text": sheet.text(r, c)[:500]}
                if (r, c) in spans and spans[(r, c)] != (1, 1):
                    cell["rs"], cell["cs"] = spans[(r, c)]
                if group:
                    worst = min(group, key=lambda f: ("error", "warning", "info").index(f["severity"]))["severity"]
                    cell["fill"] = "#" + marks.MARK_FILLS[worst]
                    cell["severity"] = worst
                line.append(cell)
            grid.append({"r": r, "cells": line})
        out.append({"name": sheet.name, "rows": grid, "cols": cols,
                    "truncated": sheet.max_row > MAX_ROWS or sheet.max_col > MAX_COLS})
    return out


def _row(ref: str) -> int:
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) if digits else 0
