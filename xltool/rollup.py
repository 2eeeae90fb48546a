"""汇总: add up the 附表 (F5) of several units into one consolidated workbook.

DOMAIN.md F5: a region's tables are the sum of its own 本级 and its subordinate
units' tables. ``consolidate(books)`` sums every input cell by table kind, row key
and column (blank + blank stays blank), then recomputes the 合计 rows, 102/209,
收入总计/支出总计 and the percentages with ``core.calc_budget`` (percentages are
never added). Transfers between levels inside the group are netted out and
reported, never double-counted:

- 11017 上级补助收入 of the subordinate units ↔ 23018 补助下级支出 of the top unit (本级);
- 23019 上解上级支出 of the subordinate units ↔ 11018 下级上解收入 of the top unit.

The internal amount netted is the smaller of the two sides; a difference between
them is reported and stays in the consolidated figures. The top unit's own
上级补助收入 / 上解上级支出 (with the level above the group) are external and stay.
Without an identifiable top unit (no book, or several, at level 本级) all
上级补助收入 are matched against all 补助下级支出 (and 上解 likewise), which is
exact when only one level pays transfers down.

Levels: a 全地区 workbook already contains its own 本级, so a roll-up is 本级 + the
subordinate units' workbooks; a region's 全地区 given beside its own 本级 (or one unit
twice) is refused (``check_levels``), never summed twice. Files that are not 附表 are
skipped and listed in the report.

``rollup(paths, out_path)`` does this for workbook files and writes the result in
the template layout; it returns a ``RollupReport``.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xltool.core import funds, model
from xltool.core.calc.budget import recompute_budget
from xltool.core.findings import INFO, SEVERITY_ZH, WARNING, Finding, fmt
from xltool.workbooks import XltoolError, write_form

ZERO = Decimal(0)
# (received by the lower unit, paid by the upper unit), and the names used in the report
TRANSFER_PAIRS = (
    ("in.upper_subsidy", "out.lower_subsidy", "上级补助收入", "补助下级支出"),
    ("out.upper_remit", "in.lower_remit", "上解上级支出", "下级上解收入"),
)


@dataclass
class TransferNet:
    """One netting of internal transfers, for one column of the 平衡表."""

    column: str               # e.g. 2023年预算数
    lower_key: str            # the subordinate side (in.upper_subsidy / out.upper_remit)
    upper_key: str            # the top unit's side (out.lower_subsidy / in.lower_remit)
    lower_total: Decimal      # Σ over the subordinate units (all units without a top)
    upper_total: Decimal      # the top unit's figure (Σ over all units without a top)
    netted: Decimal           # removed from both sides
    remainder: Decimal        # lower_total − upper_total (kept in the consolidated figures)

    @property
    def message(self) -> str:
        lower = dict((a, c) for a, _, c, _ in TRANSFER_PAIRS).get(self.lower_key, self.lower_key)
        upper = dict((b, d) for _, b, _, d in TRANSFER_PAIRS).get(self.upper_key, self.upper_key)
        text = (f"{self.column}：下级单位{lower}合计 {fmt(self.lower_total)}，上级单位{upper} {fmt(self.upper_total)}，"
                f"内部往来 {fmt(self.netted)} 已在汇总中抵消")
        if self.remainder:
            text += f"；两者相差 {fmt(self.remainder)}，未能对应的部分保留在汇总数中，请核实"
        return text


@dataclass
class RollupReport:
    book: model.BudgetWorkbook                      # the consolidated 附表
    sources: list[str] = field(default_factory=list)
    mismatches: list[Finding] = field(default_factory=list)    # structure problems of the inputs
    transfers: list[TransferNet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)      # the checks (XT1xx) of the written result
    path: Path | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (file, why): not a 附表, or unreadable
    unreadable: int = 0                                           # of those, files that could not be read

    @property
    def lines(self) -> list[str]:
        """The report as Chinese text lines."""
        out = [f"汇总 {len(self.sources)} 个单位：{'、'.join(self.sources)}"]
        if self.skipped:
            out.append(f"已跳过 {len(self.skipped)} 个文件：")
            out += [f"  {name}：{why}" for name, why in self.skipped]
        out += [f"【{SEVERITY_ZH[m.severity]}】{m.message}" for m in self.mismatches]
        out += [t.message for t in self.transfers if t.lower_total or t.upper_total]
        if not any(t.lower_total or t.upper_total for t in self.transfers):
            out.append("各单位均未列上下级补助或上解，无内部往来需要抵消")
        return out


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def consolidate(books: list[model.BudgetWorkbook], names: list[str] | None = None, top: int | None = None,
                region: str | None = None, level: str = "全地区"
                ) -> tuple[model.BudgetWorkbook, list[Finding], list[TransferNet]]:
    """Sum budget workbooks (pure). ``top`` is the index of the group's own 本级 (None: the one book at
    level 本级 if there is exactly one). Returns (consolidated book, structure findings, transfer nettings)."""
    if not books:
        raise XltoolError("没有可汇总的附表")
    names = names or [book.entity or f"第{i + 1}个单位" for i, book in enumerate(books)]
    check_levels(books, names)
    mismatches: list[Finding] = []
    years = {book.year for book in books if book.year is not None}
    if len(years) > 1:
        raise XltoolError(f"各单位附表的预算年度不同（{'、'.join(str(y) for y in sorted(years))}），不能汇总")
    year = years.pop() if years else None
    if top is None:
        benji = [i for i, book in enumerate(books) if book.level == "本级"]
        top = benji[0] if len(benji) == 1 else None
        if top is None and len(books) > 1:
            mismatches.append(Finding("rollup", INFO, "未能确定汇总范围内的上级单位（本级附表不是恰好一个），"
                                      "上下级补助与上解按全部单位对冲"))
    result = model.BudgetWorkbook(region=region if region is not None else (books[top if top is not None else 0].region),
                                  level=level, year=year)
    for spec in funds.TABLES:
        kind = spec.kind
        present = [i for i, book in enumerate(books) if kind in book.tables]
        if not present:
            continue
        for i, book in enumerate(books):
            if kind not in book.tables:
                mismatches.append(Finding("rollup", WARNING, f"{names[i]}缺少{spec.sheet}表，按空白汇总", kind))
        columns = spec.columns_for(year)
        for i in present:   # the wording of the labels varies (预计累计结余数 / 累计结余预计数); the years may not
            stated = books[i].tables[kind].columns
            if stated and [re.findall(r"\d{4}", c) for c in stated] != [re.findall(r"\d{4}", c) for c in columns]:
                mismatches.append(Finding("rollup", WARNING, f"{names[i]}的{spec.sheet}表栏目为“{'、'.join(stated)}”，"
                                          f"年度与“{'、'.join(columns)}”不同，按位置汇总", kind))
        table = model.BudgetTable(kind, columns=columns)
        specs = funds.row_specs(kind)
        for rs in specs:
            values: list[Decimal | None] = [None, None]
            for i in present:
                row = books[i].tables[kind].row(rs.key)
                if row is None:
                    continue
                if len(row.values) > 2:
                    mismatches.append(Finding("rollup", WARNING, f"{names[i]}的{spec.sheet}表“{row.label}”多于两栏，"
                                              "多出的栏目未汇总", f"{kind}.{rs.key}"))
                if rs.role == "total":
                    continue
                for j in range(2):
                    if j < len(row.values):
                        values[j] = _add(values[j], row.values[j])
            row = model.BudgetRow(rs.key, rs.label, rs.code, values)
            (table.right_rows if kind == "balance" and rs.key.startswith("out.") else table.rows).append(row)
        result.tables[kind] = table
    transfers = _net_transfers(books, result, top)
    _fill_computed(result)
    return result, mismatches, transfers


def check_levels(books: list[model.BudgetWorkbook], names: list[str]) -> None:
    """A 全地区 workbook already contains its own 本级: rolling up is 本级 + the subordinate units. A region's
    全地区 beside its 本级 (or the same unit twice) is refused, never summed twice."""
    seen: dict[tuple[str, str], str] = {}
    for book, name in zip(books, names):
        key = (book.region.strip(), "本级" if book.level == "本级" else "全地区")
        if book.region.strip() and key in seen:
            raise XltoolError(f"{seen[key]} 与 {name} 是同一单位（{book.entity or book.region}）的同一级次附表，"
                              "不能重复汇总")
        seen[key] = name
    for (region, level), name in seen.items():
        if level == "全地区" and (region, "本级") in seen:
            raise XltoolError(f"{name} 是{region}全地区附表，已包含{region}本级；不能再与本级附表 "
                              f"{seen[(region, '本级')]} 一起汇总（否则每个数都算两次）。汇总应为：本级附表 + "
                              "各下属单位的全地区附表")


def _net_transfers(books, result, top) -> list[TransferNet]:
    balance = result.tables.get("balance")
    if balance is None:
        return []
    columns = funds.TABLE_BY_KIND["balance"].columns_for(result.year)
    nets = []
    for lower_key, upper_key, _, _ in TRANSFER_PAIRS:
        for j in range(2):
            def value(book, key):
                table = book.tables.get("balance")
                row = table.row(key) if table is not None else None
                return row.values[j] if row is not None and j < len(row.values) else None

            if top is None:
                lower = sum((value(b, lower_key) or ZERO for b in books), ZERO)
                upper = sum((value(b, upper_key) or ZERO for b in books), ZERO)
            else:
                lower = sum((value(b, lower_key) or ZERO for i, b in enumerate(books) if i != top), ZERO)
                upper = value(books[top], upper_key) or ZERO
            netted = min(lower, upper) if lower > 0 and upper > 0 else ZERO
            if netted:
                for key in (lower_key, upper_key):
                    row = balance.row(key)
                    row.values[j] = (row.values[j] or ZERO) - netted
            nets.append(TransferNet(columns[j], lower_key, upper_key, lower, upper, netted, lower - upper))
    return nets


def _fill_computed(book: model.BudgetWorkbook) -> None:
    """Totals and percentages from calc_budget, so that the written workbook shows them."""
    calc = recompute_budget(book)
    for kind, table in book.tables.items():
        for row in (*table.rows, *table.right_rows):
            row.values = list(calc.rows[kind][row.key])
            row.percent = calc.cells.get(f"{kind}.{row.key}.pct")


def rollup(paths: list[str | Path], out_path: str | Path, top: str | Path | int | None = None,
           region: str | None = None, *, overwrite: bool = False) -> RollupReport:
    """Consolidate the 附表 workbooks at ``paths`` into ``out_path`` (template layout) and check the result.

    ``top``: the group's own 本级 workbook (a path among ``paths`` or its index); by default the one
    workbook at level 本级. ``region``: the consolidated unit's name (default: the top unit's region).
    An existing out_path (or one that is an input) is refused before anything is read, unless ``overwrite``.
    """
    from xltool.process import evaluate_file
    from xltool.workbooks import read_workbook

    given = [Path(p) for p in paths]
    if not given:
        raise XltoolError("请给出要汇总的附表工作簿")
    from xltool.io import outputs

    outputs.refuse([out_path], inputs=given, overwrite=overwrite)
    paths, reads, skipped, unreadable = [], [], [], 0
    for path in given:   # files that are not 附表 (or cannot be read) are skipped and listed
        try:
            read = next((f for f in read_workbook(path) if f.form == model.BUDGET_TABLES), None)
        except XltoolError as exc:
            skipped.append((path.name, f"无法读取（{exc}）"))
            unreadable += 1
            continue
        if read is None:
            skipped.append((path.name, "不是社会保险基金预算附表"))
            continue
        paths.append(path)
        reads.append(read)
    if not reads:
        raise XltoolError("没有可汇总的附表：" + "；".join(f"{n}：{why}" for n, why in skipped))
    books = [copy.deepcopy(r.instance) for r in reads]
    names = [p.name for p in paths]
    if isinstance(top, (str, Path)):
        wanted = Path(top).resolve()
        matches = [i for i, p in enumerate(paths) if p.resolve() == wanted]
        if not matches:
            raise XltoolError(f"{top}：上级单位（本级）附表不在汇总范围内")
        top = matches[0]
    book, mismatches, transfers = consolidate(books, names, top, region)
    for read, name in zip(reads, names):
        for message, sheet, _r, _c in read.problems:
            mismatches.append(Finding("rollup", WARNING, f"{name}：{sheet} {message}，该行未汇总"))
    out = Path(out_path)
    write_form(book, out)
    report = RollupReport(book, names, mismatches, transfers, path=out, skipped=skipped, unreadable=unreadable)
    report.findings = evaluate_file(out).findings
    return report


__all__ = ["RollupReport", "TransferNet", "consolidate", "rollup"]
