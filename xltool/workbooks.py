"""Library entry points for whole files: templates, import, reading, export.

The CLI and the Excel macros call these; they print nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

from xltool.io import safety
from xltool.core import layout, model, reader
from xltool.importers import import_text


class XltoolError(Exception):
    """The one base error: a Chinese message for the user (file, sheet, cell where it applies)."""


def write_template(form: str, path: str | Path, year: int | None = None, region: str = "",
                   level: str = "全地区", fund: str = "", *, overwrite: bool = False) -> Path:
    """A blank form. ``year`` None leaves the year blank in titles and headers (上年/本年 columns);
    ``level`` 本级 gives the 本级 附表 (表八–十四); ``fund`` (险种) is for the target and evaluation forms.
    An existing file at path is refused unless ``overwrite`` (``io.outputs``)."""
    if form not in model.FORM_IDS:
        raise XltoolError(f"未知表单类型“{form}”，可选：{'、'.join(model.FORM_IDS)}")
    if level not in layout.LEVELS:
        raise XltoolError(f"未知级次“{level}”，可选：{'、'.join(layout.LEVELS)}")
    if year is not None and not 1900 < year < 2200:
        raise XltoolError(f"年度“{year}”不合理，请写四位年份，如 2025")
    if fund and form == model.BUDGET_TABLES:
        raise XltoolError("预算附表包含全部险种，不能指定 --fund")
    path = Path(path)
    from xltool.io import outputs

    outputs.refuse([path], overwrite=overwrite)
    instance = layout.blank_instance(form, year, region=region.strip(), level=level, fund=fund.strip())
    return write_form(instance, path)


def plan_with_values(instance) -> layout.WorkbookPlan:
    """The template-layout plan of a form instance, every formula cell given its computed value (cached in
    the file, so that pandas, calamine and mail previews see totals without a spreadsheet recalculating).
    A value the instance states (an imported published total) is kept."""
    from xltool.core.evaluate import compute

    plan = layout.plan_workbook(instance)
    cells = {cp.field: (sheet.name, cp.row, cp.col) for sheet in plan.sheets for cp in sheet.cells if cp.field}
    computed, _ = compute(reader.ReadForm(instance, cells))
    for sheet in plan.sheets:
        for cp in sheet.cells:
            if cp.formula and cp.value in (None, "") and computed.get(cp.field) not in (None, ""):
                cp.value = computed[cp.field]
    return plan


def write_form(instance, path: str | Path) -> Path:
    """A form instance as a workbook in the template layout (formula cells with their values)."""
    from xltool.io import xlsx

    path = Path(path)
    try:
        xlsx.write_plan(plan_with_values(instance), path)
    except OSError as exc:
        raise XltoolError(safety.os_message(path, exc)) from exc
    return path


def workbook_name(prefix: str, n: int, instance) -> str:
    if instance.form == model.BUDGET_TABLES:
        stem = f"{instance.region}{'本级' if instance.level == '本级' else '全地区'}_附表"
    else:
        stem = f"{layout.SHEET_NAMES[instance.form]}_{instance.entity}"
    stem = re.sub(r'[\\/:*?"<>|\s\[\]]+', "", stem)[:60]
    return f"{prefix}_{n:02d}_{stem}.xlsx"


def import_seed(path: str | Path, outdir: str | Path, *, overwrite: bool = False) -> tuple[list[Path], list[str]]:
    """Turn a seed text into workbooks in the template layout; returns (files, notes). Existing
    workbooks of the same names are refused before any is written, unless ``overwrite``."""
    ((_, files, notes),) = import_seeds([path], outdir, overwrite=overwrite)
    return files, notes


def import_seeds(paths, outdir: str | Path, *, overwrite: bool = False) -> list[tuple[Path, list[Path], list[str]]]:
    """Every seed text read first, then all their workbooks checked together (``io.outputs``), then
    written: [(seed, files, notes)]."""
    from xltool.io import outputs

    planned = [(Path(p), *seed_outputs(p, outdir)) for p in paths]
    outputs.refuse([t for _, made, _ in planned for t, _ in made], inputs=[p for p, _, _ in planned],
                   overwrite=overwrite)
    return [(p, write_seed_outputs(made), notes) for p, made, notes in planned]


def seed_outputs(path: str | Path, outdir: str | Path) -> tuple[list[tuple[Path, object]], list[str]]:
    """What importing a seed text would write: [(workbook path, form instance)], and the notes."""
    path, outdir = Path(path), Path(outdir)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise XltoolError(f"{path}：无法读取文本文件（{exc}）") from exc
    result = import_text(text)
    if not result.instances:
        raise XltoolError(f"{path}：未找到可导入的表单")
    prefix = path.stem.split("_")[0]
    planned = [(outdir / workbook_name(prefix, n, instance), instance)
               for n, instance in enumerate(result.instances, start=1)]
    return planned, [f"{path.name}：{note}" for note in result.notes]


def write_seed_outputs(planned) -> list[Path]:
    from xltool.io import xlsx

    files = []
    for target, instance in planned:
        try:
            xlsx.write_plan(layout.plan_workbook(instance), target)
        except OSError as exc:
            raise XltoolError(safety.os_message(target, exc)) from exc
        files.append(target)
    return files


def open_grid(path: str | Path, data: bytes | None = None):
    """Read a workbook file (or its bytes, already read) into a BookGrid; any failure becomes an
    XltoolError naming the file."""
    from xltool.io.calamine import read_grid_fast

    path = Path(path)
    try:
        return read_grid_fast(path, data)
    except safety.UnsafeWorkbook as exc:   # already a clear message naming the file
        raise XltoolError(str(exc)) from exc
    except Exception as exc:   # openpyxl raises many kinds; all mean "not a readable workbook"
        raise XltoolError(f"{path}：无法打开工作簿（{type(exc).__name__}: {exc}）") from exc


def read_forms(grid, path: str | Path) -> list[reader.ReadForm]:
    """The form instances of a BookGrid; an unrecognised workbook becomes an XltoolError."""
    try:
        return reader.read_book(grid)
    except reader.ReadError as exc:
        raise XltoolError(f"{path}：{exc}") from exc


def read_workbook(path: str | Path) -> list[reader.ReadForm]:
    return read_forms(open_grid(path), path)


BACKUP_TAG = ".bak"          # FORM.xlsx → FORM.bak.xlsx (recompute --in-place)
OWN_NAMES = ("汇总.xlsx",)   # convert's summary workbook


def is_workbook_name(name: str) -> bool:
    """A workbook a folder walk takes: not Excel's lock files, our temporary files, our backups or
    our summary (xltool's own outputs are never taken as inputs)."""
    p = Path(name)
    return (p.suffix.lower() in (".xlsx", ".xlsm", ".xls") and not p.name.startswith(("~$", ".~"))
            and not p.stem.lower().endswith(BACKUP_TAG) and p.name not in OWN_NAMES)


def expand_paths(paths) -> list[Path]:
    """Files as given; folders walked for workbooks (see ``is_workbook_name``)."""
    return [src for src, _ in expand_with_names(paths)]


def expand_with_names(paths, skip: str | Path | None = None) -> list[tuple[Path, Path]]:
    """(file, its path relative to the folder given, or its name when given as a file).

    ``skip``: a folder whose files a folder walk leaves out (the output folder of a run inside
    its input folder: a second run does not take the first run's results as input)."""
    import os

    below = os.path.join(os.path.realpath(skip), "") if skip is not None else None
    out: list[tuple[Path, Path]] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted((p, p.relative_to(path)) for p in path.rglob("*")
                          if is_workbook_name(p.name) and p.is_file()
                          and not (below and os.path.realpath(p).startswith(below)))
        else:
            out.append((path, Path(path.name)))
    return out
