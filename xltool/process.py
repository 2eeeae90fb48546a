"""Recompute and check whole workbook files (the library behind `recompute`, `check`, `run`)."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from xltool.io import atomic, safety
from xltool.core import reader
from xltool.core.cellref import a1
from xltool.core.evaluate import Evaluation, evaluate
from xltool.core.findings import ERROR, SEVERITY_ORDER, Finding
from xltool.workbooks import BACKUP_TAG, XltoolError, expand_with_names, open_grid, read_forms


@dataclass
class FileResult:
    path: Path
    evaluations: list[Evaluation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # what the user should know (e.g. what an .xls lost)

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
    return evaluate_grid(open_grid(path, read_once(path)), Path(path))


def read_once(path: str | Path) -> bytes:
    """The file's bytes, read once: everything computed and patched comes from these."""
    try:
        return safety.read_bytes(path)
    except safety.UnsafeWorkbook as exc:
        raise XltoolError(str(exc)) from exc


def evaluate_grid(grid, path: Path, budgets=()) -> FileResult:
    """Evaluate a workbook already read into a BookGrid (by any adapter); ``budgets``: the 附表
    (BudgetWorkbooks) its 区域绩效目标表 are checked against (XT140)."""
    path = Path(path)
    forms = read_forms(grid, path)
    result = FileResult(path)
    for read in forms:
        stated = grid.stated(read.cells)   # read when a rule asks
        evaluation = evaluate(read, stated, budgets=budgets,
                              formula_cells=lambda name: grid.sheet(name).formulas)
        result.evaluations.append(evaluation)
        result.findings += [resolve(f, read, path.name) for f in evaluation.findings]
    result.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.rule))
    return result


def output_path(target: str | Path) -> Path:
    """Where a write-back to target lands: a legacy .xls becomes .xlsx; .xlsx and .xlsm keep their kind."""
    target = Path(target)
    return target.with_suffix(".xlsx") if target.suffix.lower() == ".xls" else target


def _once(path: Path, seen: set) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return True
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def plan(paths, outdir: str | Path | None, overwrite: bool = False) -> list[tuple[Path, Path | None, str]]:
    """(input, output, refusal) for ``recompute paths -o outdir`` (outdir None: in place).

    Outputs keep the sub-folders of a folder given; an output that is an input of the run (or the
    input itself), or that two inputs would both write (``a.xls`` beside ``a.xlsx``, one name from
    two folders), is refused before anything is written: output None and a Chinese message naming
    both paths. An output that exists already (in place: the .xlsx of a legacy .xls) refuses the whole
    run (``XltoolError``, ``io.outputs``) unless ``overwrite``.
    """
    pairs = expand_with_names(paths, skip=outdir)
    if outdir is None:   # in place: one file under two names (hard links) is recomputed once
        seen: set = set()
        pairs = [(s, r) for s, r in pairs if _once(s, seen)]
    inputs = {os.path.realpath(src): src for src, _ in pairs}
    targets: list[Path] = []
    for src, rel in pairs:
        if outdir is None:
            targets.append(output_path(src))
        else:
            targets.append(output_path(Path(outdir) / rel))
    owners: dict[str, list[Path]] = {}
    for src, target in zip((s for s, _ in pairs), targets):
        owners.setdefault(os.path.realpath(target), []).append(src)
    out = []
    for (src, _), target in zip(pairs, targets):
        real = os.path.realpath(target)
        others = [o for o in owners[real] if o != src]
        if others:
            out.append((src, None, f"{src}：输出文件 {target} 与 {others[0]} 的输出相同，两者都不写，已拒绝"
                                   "（请改名或分开处理）"))
        elif outdir is not None and real == os.path.realpath(src):
            out.append((src, None, f"{src}：输出文件 {target} 就是输入文件本身，已拒绝改写"
                                   "（原位改写请用 --in-place，会保留备份）"))
        elif real in inputs and real != os.path.realpath(src):
            out.append((src, None, f"{src}：输出文件 {target} 是本次的另一个输入文件 {inputs[real]}，已拒绝改写"))
        else:
            out.append((src, target, ""))
    from xltool.io import outputs   # every new file: all of -o's, in place only a legacy .xls's .xlsx

    outputs.refuse([(t, s) for s, t, _ in out if t is not None and (outdir is not None or t != s)],
                   overwrite=overwrite)
    return out


def recompute_file(path: str | Path, target: str | Path, budgets=(), *, data: bytes | None = None) -> FileResult:
    """Recompute one workbook and write the result (values, marks, findings sheet) to target.

    The file is read once (``data``, read here when not given): its values are computed and its
    package patched from the same bytes (``write_back``: fast, keeps everything else). A legacy
    ``.xls`` is written as ``.xlsx`` (see ``output_path``), its form rebuilt from the template
    (``io/legacy.py``; ``result.notes`` says what the conversion kept and what it could not). The
    target is written atomically.
    """
    path, target = Path(path), output_path(target)
    if data is None:
        data = read_once(path)
    grid = open_grid(path, data)
    notes = []
    if path.suffix.lower() == ".xls":   # legacy: rebuilt as a new .xlsx (io/legacy.py), which is recomputed
        from xltool.io import legacy

        data, notes = legacy.to_xlsx_bytes(grid, path)
        path = path.with_suffix(".xlsx")
        grid = open_grid(path, data)
    result = evaluate_grid(grid, path, budgets)
    result.notes += notes
    write_back(safety.Named(data, path, checked=True), target,   # open_grid prechecked these bytes
               [(e.read.cells, e.computed, e.read.conversions, e.formulas, e.typed_over)
                for e in result.evaluations], result.findings, grid)
    return result


def write_back(path, target: Path, forms, findings, grid) -> None:
    """Values of forms [(cells, computed)] and marks of findings into the workbook read as grid.

    path: the workbook's file, or its bytes already read (``safety.Named``). The package is patched
    (``ooxml.writeback``); one the patcher does not handle goes through openpyxl, which refuses
    what it would lose. Both write the target atomically. Operating-system errors become one
    Chinese line naming the target.
    """
    from xltool.io.ooxml import writeback   # only a write-back needs it (a `check` starts faster)
    from xltool.io.ooxml.package import Unsupported

    target = Path(target)
    try:
        try:
            if isinstance(path, safety.Named):
                path.seek(0)
            writeback.write_back(path, target, forms, findings, writeback.meta_rows(grid))
        except Unsupported:
            from xltool.io import xlsx   # openpyxl: loaded only when needed

            if isinstance(path, safety.Named):
                path.seek(0)
            xlsx.write_back(path, target, (forms, findings))
    except safety.UnsafeWorkbook as exc:
        raise XltoolError(str(exc)) from exc
    except OSError as exc:
        raise XltoolError(safety.os_message(target, exc)) from exc


def _whole_package(data: bytes) -> bool:
    import io
    import zipfile

    return zipfile.is_zipfile(io.BytesIO(data))


def backup_path(path: Path) -> Path:
    return path.with_name(path.stem + BACKUP_TAG + path.suffix)


def restore_point(path: Path) -> Path:
    """FORM.xlsx → FORM.上次.bak.xlsx: the file as it was just before a copy into a hard-linked file,
    kept only while that copy runs (the backup is older when the file was changed since it was made)."""
    return path.with_name(path.stem + ".上次" + BACKUP_TAG + path.suffix)


def recompute_in_place(path: str | Path, overwrite: bool = False) -> FileResult:
    """Replace the file by its recomputed version, atomically, keeping the original once as FILE.bak.xlsx.

    A symbolic link stays a link (its target is updated); permissions and owner are kept; a
    read-only file is refused. A file with several hard links keeps its inode, so that every link
    sees the new content: the backup is made first, the result is written whole to a temporary file
    and flushed, then copied into the file (``atomic.copy_into``); should that copy fail, the
    message names the backup to restore from. A legacy .xls is kept and its .xlsx written beside it
    (an existing .xlsx is refused unless ``overwrite``). When the file was changed since its backup was made,
    its bytes of now are kept as well (``restore_point``) until the copy is done, so that a copy cut
    short loses none of those changes.
    """
    path = Path(path)
    if path.suffix.lower() == ".xls":   # a new file beside it: the rule of every output (``io.outputs``)
        from xltool.io import outputs

        target = output_path(path)
        outputs.refuse([(target, path)], inputs=[path], overwrite=overwrite)
        return recompute_file(path, target)
    real = Path(os.path.realpath(path))
    try:
        st = real.stat()
    except OSError as exc:
        raise XltoolError(safety.os_message(path, exc, "读取文件")) from exc
    if not stat.S_ISREG(st.st_mode):
        raise XltoolError(f"{path}：不是普通文件，已拒绝原位改写")
    if not (st.st_mode & 0o222) or not os.access(real, os.W_OK):
        raise XltoolError(f"{path}：文件为只读，已拒绝原位改写（如确需重算，请用 -o 输出到其他文件夹）")
    backup, restore = backup_path(real), restore_point(real)
    data = read_once(path)
    staged = Path(atomic.scratch_dir(prefix=atomic.PREFIX, beside=real))
    try:
        try:
            result = recompute_file(path, staged / real.name, data=data)
        except XltoolError as exc:
            if (restore.exists() or backup.exists()) and not _whole_package(data):   # a copy cut short
                kept = restore if restore.exists() else backup
                raise XltoolError(f"{exc}（上次原位改写前的文件保存在 {kept}，可复制回 {path} 恢复）") from exc
            raise
        try:
            made = atomic.create_once(backup, data, like=st)
            if st.st_nlink > 1:   # hard links: the same inode, rewritten (every link sees it)
                kept = backup if made or backup.read_bytes() == data else restore
                if kept == restore:
                    atomic.write_bytes(restore, data, like=st)
                atomic.copy_into(staged / real.name, real)
                if kept == restore:
                    restore.unlink()
            else:
                atomic.publish(staged / real.name, real, like=st)
        except atomic.CopyFailed as exc:
            if not exc.touched and kept == restore:
                restore.unlink(missing_ok=True)
            state = (f"文件可能已不完整，请把 {kept} 复制回原文件恢复" if exc.touched else f"原文件未改动（备份：{backup}）")
            raise XltoolError(f"{safety.os_message(path, exc)}；{state}") from exc
        except OSError as exc:
            raise XltoolError(safety.os_message(path, exc)) from exc
    finally:
        atomic.remove_scratch(str(staged))
    return result
