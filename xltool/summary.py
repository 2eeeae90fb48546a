"""The bulk run's summary workbook (汇总.xlsx), written as a stream with xlsxwriter.

Sheets: 文件汇总 (one row per file), 全部问题 (one row per finding, filterable) and
按规则统计 (count per rule, with a column chart). Rows go straight to disk
(``constant_memory``): only the per-rule counts stay in memory, so a run over
10,000 files costs no more memory than one over 100. Text always stays text
(``=3人`` never becomes a formula). The workbook appears at its target only when
complete: it is written to a temporary file in the same folder, then renamed.

    with SummaryWriter(outdir / "汇总.xlsx") as writer:
        writer.add(row, findings)        # rows in the order they should appear
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from xltool.io import atomic
from xltool.core.findings import SEVERITY_ZH

FILES_SHEET, FINDINGS_SHEET, RULES_SHEET = "文件汇总", "全部问题", "按规则统计"
FILE_FIELDS = ("file", "form", "entity", "status", "errors", "warnings", "score", "reason")
FILES_HEADER = ("文件", "表单", "单位/项目", "状态", "错误数", "警告数", "总分", "说明")
FILES_WIDTHS = (40, 16, 30, 8, 8, 8, 8, 60)
FINDINGS_HEADER = ("文件", "规则", "级别", "位置", "说明", "应为", "实为")
FINDINGS_WIDTHS = (40, 8, 6, 22, 60, 16, 16)
RULES_HEADER, RULES_WIDTHS = ("规则", "说明", "条数"), (10, 40, 8)
# Codes the evaluation itself reports (no rule module of their own) and the roll-up's structure notes.
OTHER_RULE_NAMES = {"XT120": "应为数字却是文本", "XT121": "数字存为文本", "XT122": "百分数按小数填写",
                    "XT123": "计算单元格被手工改动", "rollup": "汇总结构问题", "unreadable": "文件无法读取"}
CHART_TITLE = "各规则问题条数"
HEADER_FORMAT = {"bold": True, "font_name": "宋体", "font_size": 10, "pattern": 1, "bg_color": "#D9D9D9"}
BOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                "strings_to_urls": False}
MAX_ROWS = 1_048_576   # Excel's limit, header included


def rule_name(code: str) -> str:
    """The rule's short Chinese description (its module's NAME)."""
    import importlib

    try:
        return importlib.import_module(f"xltool.core.rules.{code}").NAME
    except (ImportError, AttributeError, ValueError):
        return OTHER_RULE_NAMES.get(code, "")


def _number(text):
    """A score written as text ("93.5") is a number; several scores ("93.5、88") stay text."""
    if isinstance(text, str) and text.strip():
        try:
            return Decimal(text.strip())
        except ArithmeticError:
            return text
    return text


def file_values(row) -> tuple:
    return tuple(_number(getattr(row, name)) if name == "score" else getattr(row, name) for name in FILE_FIELDS)


def print_setup(ws) -> None:
    """A4 landscape, one page wide, header row on every page, centred."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def finding_values(f) -> tuple:
    return (f.file, f.rule, SEVERITY_ZH[f.severity], f.location, f.message, f.expected, f.found)


def write_cell(ws, r: int, c: int, value) -> None:
    """Numbers as numbers (Decimal → float only here, at the output edge), anything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(r, c, float(value))
    else:
        ws.write_string(r, c, str(value))


class _Sheet:
    """A data sheet filled top to bottom: header, frozen first row, widths, autofilter at the end."""

    def __init__(self, book, name: str, header: tuple, widths: tuple, fmt):
        self.ws = book.add_worksheet(name)
        self.width = len(header)
        self.rows = 0        # data rows written
        self.dropped = 0     # rows beyond Excel's limit
        for c, w in enumerate(widths):
            self.ws.set_column(c, c, w)
        for c, title in enumerate(header):
            self.ws.write_string(0, c, title, fmt)
        self.ws.freeze_panes(1, 0)
        print_setup(self.ws)

    def append(self, values) -> None:
        if self.rows + 1 >= MAX_ROWS:
            self.dropped += 1
            return
        self.rows += 1
        for c, value in enumerate(values):
            write_cell(self.ws, self.rows, c, value)

    def finish(self) -> None:
        self.ws.autofilter(0, 0, self.rows, self.width - 1)


class SummaryWriter:
    """Streams the summary workbook to a temporary file; ``close()`` renames it over the target."""

    def __init__(self, target: str | os.PathLike):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.rule_counts: dict[str, int] = {}
        self._tmp: Path | None = None
        self._scratch = atomic.scratch_dir("xltool-summary-")   # xlsxwriter's per-sheet row files
        try:
            self._tmp = atomic.temp_beside(self.target)
            self._book = xlsxwriter.Workbook(str(self._tmp), {**BOOK_OPTIONS, "tmpdir": self._scratch})
            self._header = self._book.add_format(HEADER_FORMAT)
            self._files = _Sheet(self._book, FILES_SHEET, FILES_HEADER, FILES_WIDTHS, self._header)
            self._findings = _Sheet(self._book, FINDINGS_SHEET, FINDINGS_HEADER, FINDINGS_WIDTHS, self._header)
        except BaseException:
            self.abort()
            raise

    def add(self, row, findings=()) -> None:
        """One file's row on 文件汇总 and its findings on 全部问题."""
        self._files.append(file_values(row))
        for finding in findings:
            self.add_finding(finding)

    def add_finding(self, finding) -> None:
        self._findings.append(finding_values(finding))
        self.rule_counts[finding.rule] = self.rule_counts.get(finding.rule, 0) + 1

    def close(self) -> None:
        try:
            self._files.finish()
            self._findings.finish()
            self._write_rules()
            self._book.close()
            atomic.publish(self._tmp, self.target)
        except BaseException:
            self.abort()
            raise
        finally:
            atomic.remove_scratch(self._scratch)

    def abort(self) -> None:
        """Drop the unfinished workbook: the target is left as it was, no temporary file remains."""
        if self._tmp is not None:
            atomic.discard(self._tmp)
        atomic.remove_scratch(self._scratch)

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _write_rules(self) -> None:
        ws = self._book.add_worksheet(RULES_SHEET)
        for c, (title, width) in enumerate(zip(RULES_HEADER, RULES_WIDTHS)):
            ws.set_column(c, c, width)
            ws.write_string(0, c, title, self._header)
        ws.freeze_panes(1, 0)
        print_setup(ws)
        counts = sorted(self.rule_counts.items())
        for r, (rule, n) in enumerate(counts, start=1):
            ws.write_string(r, 0, rule)
            write_cell(ws, r, 1, rule_name(rule))
            ws.write_number(r, 2, n)
        note = self._overflow_note()
        if note:
            ws.write_string(len(counts) + 2, 0, note)
        if counts:
            ws.insert_chart("E2", self._chart(len(counts)))

    def _chart(self, n: int):
        chart = self._book.add_chart({"type": "column"})
        chart.add_series({"name": [RULES_SHEET, 0, 2], "categories": [RULES_SHEET, 1, 0, n, 0],
                          "values": [RULES_SHEET, 1, 2, n, 2]})
        chart.set_title({"name": CHART_TITLE})
        chart.set_y_axis({"name": "条数"})
        return chart

    def _overflow_note(self) -> str:
        full = [f"{name}已满（Excel 最多 {MAX_ROWS:,} 行），另有 {sheet.dropped:,} 行未列出"
                for sheet, name in ((self._files, FILES_SHEET), (self._findings, FINDINGS_SHEET)) if sheet.dropped]
        return "；".join([*full, "按规则统计包含全部问题"]) if full else ""


def write_summary(rows, findings, target: str | os.PathLike) -> None:
    """The whole summary at once (rows and findings already in memory)."""
    with SummaryWriter(target) as writer:
        for row in rows:
            writer.add(row)
        for finding in findings:
            writer.add_finding(finding)
