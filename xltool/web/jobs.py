"""One upload on the checking page = one job: its files in a private temporary folder, checked by the library.

The work is ``xltool.convert.convert`` (recompute every workbook, mirror the
folder layout, write 汇总.xlsx); as each file's summary row arrives, the file is
evaluated once more (``process.evaluate_file``, values only) for what the page
shows besides the row: year, the number of 提示, the grade and the findings.
A job's folder lives for ``session_minutes`` (for the downloads) and is then
deleted; with an archive folder, the inputs and results are copied there and
kept for ``retention_days``.
"""
from __future__ import annotations

import functools
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from xltool.web.uploads import Rejected

ARCHIVE_NAME = re.compile(r"^\d{8}-\d{6}-[A-Za-z0-9_-]{6,}$")


@dataclass
class Job:
    id: str
    folder: Path
    created: float = field(default_factory=time.time)
    rows: list[dict] = field(default_factory=list)
    findings: list[list[dict]] = field(default_factory=list)
    done: bool = False

    @property
    def inputs(self) -> Path:
        return self.folder / "in"

    @property
    def outputs(self) -> Path:
        return self.folder / "out"


class JobStore:
    """The jobs of this server process, each in its own folder under one temporary root."""

    def __init__(self, session_minutes: float = 30.0, archive: Path | None = None, retention_days: float = 30.0):
        self.root = Path(tempfile.mkdtemp(prefix="xltool-serve-"))
        self.session = session_minutes * 60
        self.archive = archive
        self.retention = retention_days * 86400
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.running = threading.Semaphore(1)   # one batch at a time; it uses all worker processes
        self.waiting = 0

    def new(self) -> Job:
        self.sweep()
        job_id = secrets.token_urlsafe(18)
        job = Job(job_id, self.root / job_id)
        job.folder.mkdir()
        with self.lock:
            self.jobs[job_id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None or time.time() - job.created > self.session:
            return None
        return job

    def drop(self, job_id: str) -> bool:
        with self.lock:
            job = self.jobs.pop(job_id, None)
        if job is not None:
            shutil.rmtree(job.folder, ignore_errors=True)
        return job is not None

    def sweep(self) -> None:
        """Delete jobs past their session, and archived runs past their retention."""
        now = time.time()
        with self.lock:
            old = [j for j in self.jobs.values() if now - j.created > self.session and j.done]
            for job in old:
                del self.jobs[job.id]
        for job in old:
            shutil.rmtree(job.folder, ignore_errors=True)
        if self.archive is not None and self.archive.is_dir():
            for entry in self.archive.iterdir():
                if entry.is_dir() and ARCHIVE_NAME.match(entry.name) and now - entry.stat().st_mtime > self.retention:
                    shutil.rmtree(entry, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def keep(self, job: Job) -> Path | None:
        """Copy a finished job's inputs and results into the archive folder (when there is one)."""
        if self.archive is None:
            return None
        target = self.archive / f"{datetime.now():%Y%m%d-%H%M%S}-{job.id[:8]}"
        target.mkdir(parents=True, exist_ok=True)
        for part in ("in", "out"):
            if (job.folder / part).exists():
                shutil.copytree(job.folder / part, target / ("上传" if part == "in" else "结果"))
        return target


def finding_dict(f) -> dict:
    from xltool.core.findings import SEVERITY_ZH

    return {"rule": f.rule, "title": rule_title(f.rule), "severity": f.severity,
            "severity_zh": SEVERITY_ZH[f.severity], "sheet": f.sheet, "cell": f.cell, "message": f.message,
            "expected": str(f.expected), "found": str(f.found)}


@functools.lru_cache(maxsize=None)
def rule_title(code: str) -> str:
    """A rule's one-line description: the first line of its module's docstring."""
    import importlib

    try:
        module = importlib.import_module(f"xltool.core.rules.{code}")
    except ImportError:
        return ""
    doc = (module.__doc__ or "").strip().splitlines()
    first = doc[0].strip() if doc else ""
    match = re.match(rf"{code}\s+(.+?)\s+—", first)     # "XT101 合计与明细不符 — a stated total …"
    return match.group(1) if match else first


def _extras(path: Path) -> tuple[dict, list]:
    """Year, 提示 count and grade of one workbook, and its findings (values only; one more read)."""
    from xltool import process

    result = process.evaluate_file(path)
    years = sorted({str(e.read.instance.year) for e in result.evaluations
                    if getattr(e.read.instance, "year", None)})
    grades = [str(e.computed.get("grade")) for e in result.evaluations if e.computed.get("grade")]
    extra = {"year": "、".join(years), "info": result.count("info"), "grade": "、".join(grades)}
    return extra, [finding_dict(f) for f in result.findings]


def run(job: Job, rejected: list[Rejected], jobs: int, emit) -> None:
    """Check every workbook of a job; ``emit(event)`` for each row as it is ready, then a "done" event."""
    from xltool import convert
    from xltool.process import output_path

    prefix = str(job.folder)

    def add(row: dict, findings: list) -> None:
        row["n"] = len(job.rows)
        job.rows.append(row)
        job.findings.append(findings)
        emit({"type": "row", **row})

    for item in rejected:
        add({"file": item.file, "status": "失败", "reason": item.reason, "form": "", "entity": "", "year": "",
             "errors": 0, "warnings": 0, "info": 0, "score": "", "grade": "", "download": False}, [])

    def on_row(row) -> None:
        data = {"file": row.file.replace("\\", "/"), "form": row.form, "entity": row.entity, "status": row.status,
                "reason": row.reason.replace(prefix + "/in/", "").replace(prefix, ""), "errors": row.errors,
                "warnings": row.warnings, "info": 0, "score": row.score, "year": "", "grade": "",
                "download": output_path(job.outputs / row.file).exists()}
        findings: list = []
        if row.status != "失败":
            try:
                extra, findings = _extras(job.inputs / row.file)
                data.update(extra)
            except Exception:   # the row from convert stands; only the extras are missing
                pass
        add(data, findings)

    try:
        if any(job.inputs.rglob("*")):
            convert.convert(job.inputs, job.outputs, jobs=jobs, on_progress=on_row, names_from_root=True)
    except Exception as exc:   # the batch itself failed: say so on the page
        emit({"type": "error", "message": f"处理中断：{type(exc).__name__}: {exc}".replace(prefix, "")})
    finally:
        job.done = True
    emit({"type": "done", "files": len(job.rows), "summary": (job.outputs / convert.SUMMARY_NAME).exists()})


def zip_outputs(job: Job) -> Path:
    """All results of a job as one .zip, in the folder layout of the upload (汇总.xlsx at the top)."""
    target = job.folder / "结果.zip"
    if target.exists():
        return target
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(job.outputs.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(job.outputs).as_posix())
    tmp.replace(target)
    return target
