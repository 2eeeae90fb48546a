"""Bulk conversion of folder trees (``xltool convert``): recognise, recompute or check, summarise.

Work is spread over processes; each file is independent, so one bad file never
stops the run: it becomes a summary row with its reason. Inputs are never
written; outputs mirror the input tree. Check-only runs read with
python-calamine (values only), write-back runs go through the openpyxl path.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from xltool.core.findings import Finding

SUFFIXES = (".xlsx", ".xlsm", ".xls")
FORM_ZH = {"regional-target": "区域绩效目标表", "fund-expenditure-target": "基金支出绩效目标表",
           "self-evaluation": "支出绩效自评表", "project-target": "项目支出绩效目标表", "budget-tables": "预算附表"}


@dataclass
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
    rows: list[FileRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    summary_path: Path | None = None

    @property
    def failed(self) -> int:
        return sum(r.status == "失败" for r in self.rows)


def walk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.startswith(("~$", ".~")))


def process_one(path: str, root: str, outdir: str, check_only: bool) -> tuple[FileRow, list[Finding]]:
    """One file, in a worker process. Never raises."""
    from xltool import process, xlsx
    from xltool.calamine_adapter import read_grid_fast
    from xltool.core import reader
    from xltool.safety import UnsafeWorkbook
    from xltool.workbooks import XltoolError

    src = Path(path)
    rel = src.relative_to(root)
    row = FileRow(str(rel))
    try:
        if check_only:
            result = process.evaluate_grid(read_grid_fast(src), src)
        else:
            target = (Path(outdir) / rel).with_suffix(".xlsx")
            if src.suffix.lower() == ".xls":
                xlsx.grid_to_xlsx(read_grid_fast(src), target)
                result = process.recompute_file(target, target)
            else:
                result = process.recompute_file(src, target)
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

    with tempfile.TemporaryDirectory(prefix="xltool-worker-") as tmp:
        src_root, out_root = Path(tmp) / "in", Path(tmp) / "out"
        src = src_root / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        row, findings = process_one(str(src), str(src_root), str(out_root), check_only)
        result = (out_root / rel).with_suffix(".xlsx")
        return row, findings, (result.read_bytes() if not check_only and result.exists() else None)


def _convert_on_cluster(scheduler: str, root: Path, outdir: Path, files, check_only, summary, on_progress):
    from distributed import Client, as_completed as completed

    with Client(scheduler) as client:
        futures = [client.submit(process_bytes, str(p.relative_to(root)), p.read_bytes(), check_only, pure=False)
                   for p in files]
        for future in completed(futures):
            row, findings, data = future.result()
            if data is not None:
                target = (outdir / row.file).with_suffix(".xlsx")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            summary.rows.append(row)
            summary.findings += findings
            if on_progress:
                on_progress(row)


def convert(root: str | Path, outdir: str | Path, jobs: int | None = None, check_only: bool = False,
            on_progress=None, scheduler: str | None = None) -> ConvertSummary:
    from xltool import xlsx

    root, outdir = Path(root), Path(outdir)
    files = walk(root)
    summary = ConvertSummary()
    jobs = jobs or os.cpu_count() or 1
    args = [(str(p), str(root), str(outdir), check_only) for p in files]
    if scheduler:
        _convert_on_cluster(scheduler, root, outdir, files, check_only, summary, on_progress)
    elif jobs == 1:
        results = (process_one(*a) for a in args)
        for row, findings in results:
            summary.rows.append(row)
            summary.findings += findings
            if on_progress:
                on_progress(row)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(process_one, *a) for a in args]
            for future in as_completed(futures):
                row, findings = future.result()
                summary.rows.append(row)
                summary.findings += findings
                if on_progress:
                    on_progress(row)
    summary.rows.sort(key=lambda r: r.file)
    summary.summary_path = outdir / "汇总.xlsx"
    xlsx.write_summary(summary.rows, summary.findings, summary.summary_path)
    return summary
