"""Bulk conversion of folder trees (``xltool convert``): recognise, recompute or check, summarise.

Work is spread over worker processes (``xltool.workers``, pebble); each file is independent and
runs under a memory limit (RLIMIT_AS in the worker) and a time limit, so one bad file never stops
the run: its crash, its timeout or its error becomes its summary row with the reason, and a fresh
worker takes its place. Workers die with the parent (PR_SET_PDEATHSIG, set right after the fork)
and temporary files are removed on every exit path (``io.atomic``). Inputs are never written; outputs mirror the input tree;
two inputs that would write the same output (``a.xls`` beside ``a.xlsx``) are both refused
before anything is written. Check-only runs read with python-calamine (values only), write-back
runs go through ``process.recompute_file``; either way the file's bytes are read once.

Results are taken in input order (``walk`` is sorted) and streamed straight into
the summary workbook (``xltool.summary``): nothing is sorted at the end and no
finding is kept, so memory stays flat however many files there are.
"""
from __future__ import annotations

import os
from collections import deque
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

from xltool.core.findings import Finding

SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUMMARY_NAME = "汇总.xlsx"
TIMEOUT = float(os.environ.get("XLTOOL_FILE_TIMEOUT", 120))          # seconds per file
MEMORY_MB = int(os.environ.get("XLTOOL_FILE_MEMORY_MB", 1536))        # address space a worker may add
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
    from xltool.workbooks import is_workbook_name

    return is_workbook_name(name)


def collisions(names: list[str]) -> dict[str, str]:
    """name → refusal, for inputs whose outputs would be the same file (``a.xls`` beside ``a.xlsx``)."""
    from xltool.process import output_path

    owners: dict[str, list[str]] = {}
    for name in names:
        owners.setdefault(os.path.normcase(str(output_path(name))), []).append(name)
    refused = {}
    for group in (g for g in owners.values() if len(g) > 1):
        for name in group:
            other = next(o for o in group if o != name)
            refused[name] = (f"{name}：与 {other} 的输出文件相同（{output_path(name)}），两者都不处理，已拒绝"
                             "（请改名后再处理）")
    return refused


def process_one(path: str, root: str, outdir: str, check_only: bool) -> tuple[FileRow, list[Finding]]:
    """One file, in a worker process. Never raises."""
    from xltool import process
    from xltool.io import safety
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
    except OSError as exc:
        row.status, row.reason = "失败", safety.os_message(src, exc, "处理")
        return row, []
    except MemoryError:
        row.status, row.reason = "失败", f"{src}：处理时超出内存上限（{MEMORY_MB} MB），已跳过"
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
    row.reason = "；".join(result.notes)   # e.g. what a legacy .xls could not keep
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

    from xltool.io import atomic, safety

    row, findings, data = result
    if data is not None:
        target = output_path(outdir / row.file)
        try:
            atomic.write_bytes(target, data)
        except OSError as exc:
            row.status, row.reason, findings = "失败", safety.os_message(target, exc), []
    return row, findings


def _results(names: list[str], root: Path, outdir: Path, jobs: int, check_only: bool, scheduler: str | None,
             stack: ExitStack, timeout: float, memory_mb: int):
    if scheduler:
        return stack.enter_context(closing(_cluster_results(scheduler, root, outdir, names, check_only)))
    if not names:
        return iter(())
    from xltool import workers

    return workers.results(names, str(root), str(outdir), check_only, max(1, min(jobs, len(names))), stack,
                           timeout, memory_mb)


def convert(root: str | Path, outdir: str | Path, jobs: int | None = None, check_only: bool = False,
            on_progress=None, scheduler: str | None = None, timeout: float | None = None,
            memory_mb: int | None = None, names_from_root: bool = False, overwrite: bool = False,
            names: list[str] | None = None) -> ConvertSummary:
    """Process every workbook under root; the summary workbook goes to outdir/汇总.xlsx.

    Outputs that exist already (the mirrored workbooks, 汇总.xlsx) refuse the run before anything is
    written, unless ``overwrite`` (``io.outputs``).
    names_from_root: reasons name a file by its path under root, not by root's own path (root is a
    temporary folder the user never saw: the checking page's uploads).
    names: the inputs as ``walk_names(root, skip=outdir)`` gives them, when the caller has walked
    the folder already (the CLI, for its progress bar's total).

    timeout (seconds) and memory_mb (address space a worker may add) bound each file
    (defaults ``TIMEOUT`` and ``MEMORY_MB``; 0 for memory: no ceiling). An operating-system error
    on the outputs (the summary cannot be written) is an ``XltoolError`` naming the path.
    """
    root, outdir = Path(root), Path(outdir)
    names = walk_names(root, skip=outdir) if names is None else names
    refused = {} if check_only else collisions(names)
    if not check_only:   # (a check writes no workbook: no output can be an input)
        from xltool.process import output_path

        inputs = {os.path.realpath(os.path.join(root, n)) for n in names}
        for name in names:
            if os.path.realpath(output_path(outdir / name)) in inputs and name not in refused:
                refused[name] = f"{name}：输出文件 {output_path(outdir / name)} 是输入文件，已拒绝改写"
    summary = ConvertSummary(summary_path=outdir / SUMMARY_NAME)
    jobs = jobs or os.cpu_count() or 1
    todo = [n for n in names if n not in refused]
    from xltool.io import outputs
    from xltool.process import output_path

    written = [] if check_only else [(output_path(outdir / n), n) for n in todo]
    outputs.refuse([*written, summary.summary_path], overwrite=overwrite)
    try:
        _run(summary, names, refused, todo, root, outdir, jobs, check_only, scheduler, timeout, memory_mb, on_progress,
             (str(root), str(outdir)) if names_from_root else ())
    except OSError as exc:   # the output folder cannot be written, the disk is full, ...
        from xltool.io.safety import os_message
        from xltool.workbooks import XltoolError

        raise XltoolError(os_message(exc.filename or summary.summary_path, exc)) from exc
    return summary


def _unrooted(text: str, roots) -> str:
    """text with the roots' paths taken out of the paths it names (``/tmp/x/in/a/b.xlsx`` → ``a/b.xlsx``)."""
    for root in roots:
        for prefix in {root, os.path.realpath(root)}:
            text = text.replace(prefix.rstrip(os.sep) + os.sep, "")
    return text


def _run(summary, names, refused, todo, root, outdir, jobs, check_only, scheduler, timeout, memory_mb, on_progress,
         hidden_roots=()):
    with ExitStack() as stack:
        results = _results(todo, root, outdir, jobs, check_only, scheduler, stack,
                           TIMEOUT if timeout is None else timeout, MEMORY_MB if memory_mb is None else memory_mb)
        from xltool.summary import SummaryWriter   # imported while the workers take their first files

        writer = stack.enter_context(SummaryWriter(summary.summary_path))
        for name in names:
            row, findings = (FileRow(name, status="失败", reason=refused[name]), []) if name in refused \
                else next(results)
            if hidden_roots and row.reason:
                row.reason = _unrooted(row.reason, hidden_roots)
            writer.add(row, findings)
            summary.add(row, findings)
            if on_progress:
                on_progress(row)
        if not check_only and not scheduler:
            from xltool.io import atomic

            atomic.sync_folder(outdir)   # the workers' outputs, flushed once (see atomic.defer_sync)
