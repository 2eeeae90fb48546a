"""Bulk conversion of folder trees (``xltool convert``): recognise, recompute or check, summarise.

Work is spread over processes; each file is independent, so one bad file never
stops the run: it becomes a summary row with its reason. Inputs are never
written; outputs mirror the input tree. Check-only runs read with
python-calamine (values only), write-back runs go through ``process.recompute_file``.

Results are taken in input order (``walk`` is sorted) and streamed straight into
the summary workbook (``xltool.summary``): nothing is sorted at the end and no
finding is kept, so memory stays flat however many files there are.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import pkgutil
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from xltool.core.findings import Finding

SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUMMARY_NAME = "汇总.xlsx"
FORM_ZH = {"regional-target": "区域绩效目标表", "fund-expenditure-target": "基金支出绩效目标表",
           "self-evaluation": "支出绩效自评表", "project-target": "项目支出绩效目标表", "budget-tables": "预算附表",
           "project-self-evaluation": "项目支出绩效自评表"}


@dataclass(slots=True)
class FileRow:
    file: str
    form: str = ""
    entity: str = ""
    status: str = "成功"
    errors: int = 0
    warnings: int = 0
    score: str = ""
    reason: str = ""


@dataclass
class ConvertSummary:
    """One small row per file and the counts; the findings themselves are only in the summary workbook."""
    rows: list[FileRow] = field(default_factory=list)
    by_severity: dict[str, int] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)
    summary_path: Path | None = None

    def add(self, row: FileRow, findings: list[Finding]) -> None:
        self.rows.append(row)
        for f in findings:
            self.by_severity[f.severity] = self.by_severity.get(f.severity, 0) + 1
            self.by_rule[f.rule] = self.by_rule.get(f.rule, 0) + 1

    @property
    def failed(self) -> int:
        return sum(r.status == "失败" for r in self.rows)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rows)


def walk(root: Path) -> list[Path]:
    """The workbooks under root (sub-folders included, Office lock files left out), sorted."""
    root = Path(root)
    return [root / name for name in walk_names(root)]


def walk_names(root: str | os.PathLike, skip: str | os.PathLike | None = None) -> list[str]:
    """walk() as paths relative to root, in the same order: plain strings, a fraction of the memory.

    ``skip``: a folder left out with everything below it (the output folder of a run, when it
    lies inside the input folder, so that a second run does not take the first run's results as input).
    """
    skip = os.path.realpath(skip) if skip is not None else None
    names = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(folder, d)) != skip]
        rel = os.path.relpath(folder, root)
        for name in files:
            if _is_workbook(name) and os.path.isfile(os.path.join(folder, name)):
                names.append(name if rel == os.curdir else os.path.join(rel, name))
    names.sort(key=lambda n: os.path.normcase(n).split(os.sep))   # the order of sorted Path objects
    return names


def _is_workbook(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES and not name.startswith(("~$", ".~"))


def process_one(path: str, root: str, outdir: str, check_only: bool) -> tuple[FileRow, list[Finding]]:
    """One file, in a worker process. Never raises."""
    from xltool import process
    from xltool.io.calamine import read_grid_fast
    from xltool.core import reader
    from xltool.io.safety import UnsafeWorkbook
    from xltool.workbooks import XltoolError

    src = Path(path)
    rel = src.relative_to(root)
    row = FileRow(str(rel))
    try:
        if check_only:
            result = process.evaluate_grid(read_grid_fast(src), src)
        else:
            result = process.recompute_file(src, Path(outdir) / rel)
    except (XltoolError, UnsafeWorkbook, reader.ReadError) as exc:
        row.status, row.reason = "失败", str(exc)
        return row, []
    except Exception as exc:   # a file we did not foresee: report it, keep going
        row.status, row.reason = "失败", f"{src}：处理时出错（{type(exc).__name__}: {exc}）"
        return row, []
    forms = [e.read for e in result.evaluations]
    row.form = "、".join(FORM_ZH.get(r.form, r.form) for r in forms)
    row.entity = "、".join(str(r.instance.entity) for r in forms)[:200]
    row.errors, row.warnings = result.count("error"), result.count("warning")
    scores = [e.computed.get("total_score") for e in result.evaluations if e.computed.get("total_score") is not None]
    row.score = "、".join(str(s) for s in scores)
    if row.errors:
        row.status = "有错误"
    for f in result.findings:
        f.file = str(rel)
    return row, result.findings


def process_bytes(rel: str, data: bytes, check_only: bool) -> tuple[FileRow, list[Finding], bytes | None]:
    """One file on a remote worker: workbook bytes in, (summary row, findings, result bytes) out.

    No shared file system is needed: the worker uses a private temporary folder.
    """
    import tempfile

    from xltool.process import output_path

    with tempfile.TemporaryDirectory(prefix="xltool-worker-") as tmp:
        src_root, out_root = Path(tmp) / "in", Path(tmp) / "out"
        src = src_root / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        row, findings = process_one(str(src), str(src_root), str(out_root), check_only)
        result = output_path(out_root / rel)
        return row, findings, (result.read_bytes() if not check_only and result.exists() else None)


def _cluster_results(scheduler: str, root: Path, outdir: Path, names: list[str], check_only: bool):
    """(row, findings) per file in input order from a Dask cluster; a bounded number of files in flight."""
    from distributed import Client

    with Client(scheduler) as client:
        window = max(8, 4 * sum(client.nthreads().values()))
        pending: deque = deque()
        for name in names:
            data = (root / name).read_bytes()
            pending.append(client.submit(process_bytes, name, data, check_only, pure=False))
            if len(pending) >= window:
                yield _landed(pending.popleft().result(), outdir)
        while pending:
            yield _landed(pending.popleft().result(), outdir)


def _landed(result, outdir: Path) -> tuple[FileRow, list[Finding]]:
    """Write a remote worker's result workbook under outdir; keep its row and findings."""
    from xltool.process import output_path

    row, findings, data = result
    if data is not None:
        target = output_path(outdir / row.file)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return row, findings


def _preload() -> None:
    """Import what a worker needs once, here: forked workers inherit it instead of each paying for it."""
    import python_calamine  # noqa: F401

    import xltool.core
    from xltool.io import calamine  # noqa: F401
    from xltool import process
    from xltool.core.rules import load_rules

    for module in pkgutil.walk_packages(xltool.core.__path__, "xltool.core."):
        importlib.import_module(module.name)
    load_rules()


def _pool_results(names: list[str], root: str, outdir: str, check_only: bool, jobs: int, stack: ExitStack):
    """(row, findings) per file in input order from worker processes forked from this one.

    The workers are forked here, before the summary workbook is opened, so none
    of them inherits its open files.
    """
    _preload()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    stack.callback(pool.shutdown, cancel_futures=True)
    chunksize = max(1, min(32, len(names) // (jobs * 8)))
    paths = (os.path.join(root, name) for name in names)
    return pool.map(process_one, paths, repeat(root), repeat(outdir), repeat(check_only), chunksize=chunksize)


def _results(names: list[str], root: Path, outdir: Path, jobs: int, check_only: bool, scheduler: str | None,
             stack: ExitStack):
    if scheduler:
        return stack.enter_context(closing(_cluster_results(scheduler, root, outdir, names, check_only)))
    if jobs == 1 or len(names) < 2:   # in this process
        return (process_one(os.path.join(root, name), str(root), str(outdir), check_only) for name in names)
    return _pool_results(names, str(root), str(outdir), check_only, min(jobs, len(names)), stack)


def convert(root: str | Path, outdir: str | Path, jobs: int | None = None, check_only: bool = False,
            on_progress=None, scheduler: str | None = None) -> ConvertSummary:
    """Process every workbook under root; the summary workbook goes to outdir/汇总.xlsx."""
    from xltool.summary import SummaryWriter

    root, outdir = Path(root), Path(outdir)
    names = walk_names(root, skip=outdir)
    summary = ConvertSummary(summary_path=outdir / SUMMARY_NAME)
    jobs = jobs or os.cpu_count() or 1
    with ExitStack() as stack:
        results = _results(names, root, outdir, jobs, check_only, scheduler, stack)
        writer = stack.enter_context(SummaryWriter(summary.summary_path))
        for row, findings in results:
            writer.add(row, findings)
            summary.add(row, findings)
            if on_progress:
                on_progress(row)
    return summary
