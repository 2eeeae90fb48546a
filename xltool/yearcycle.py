"""The year's cycle on files: next year's blank forms (rollover) and the year-end self-evaluation."""
from __future__ import annotations

from pathlib import Path

from xltool import summary, workbooks
from xltool.io import xlsx
from xltool.convert import FORM_ZH, FileRow, walk
from xltool.core import layout, model, rollover


def _inputs(paths) -> list[tuple[Path, Path]]:
    """(file, path relative to its input root) for files and folders alike."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += [(p, p.relative_to(path)) for p in walk(path)]
        else:
            out.append((path, Path(path.name)))
    return out


def _actuals(evaluations) -> dict[str, dict[str, str]]:
    """project → {三级指标: 实际完成值} from self-evaluations given alongside."""
    return {e.project: {i.level3: i.actual for i in e.indicators if i.actual} for e in evaluations}


def rollover_paths(paths, to_year: int, outdir: str | Path) -> list[FileRow]:
    outdir = Path(outdir)
    rows: list[FileRow] = []
    loaded = []
    for path, rel in _inputs(paths):
        try:
            loaded.append((path, rel, workbooks.read_workbook(path)))
        except workbooks.XltoolError as exc:
            rows.append(FileRow(str(rel), status="失败", reason=str(exc)))
    actuals = _actuals(r.instance for _, _, reads in loaded for r in reads
                       if r.form in (model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION))
    for path, rel, reads in loaded:
        for n, read in enumerate(reads):
            if read.form in (model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION):
                continue   # used for 上年完成值, not rolled itself
            new = rollover.roll(read.instance, to_year, actuals.get(getattr(read.instance, "project", "")))
            name = rel.with_suffix(".xlsx") if len(reads) == 1 else rel.with_name(f"{rel.stem}_{n + 1}.xlsx")
            xlsx.write_plan(layout.plan_workbook(new), outdir / name)
            rows.append(FileRow(str(name), FORM_ZH[read.form], str(read.instance.entity)))
    summary.write_summary(rows, [], outdir / "汇总.xlsx")
    return rows


def self_evaluation_paths(paths, outdir: str | Path, form: str | None = None) -> list[FileRow]:
    """Start a 自评表 from each target table. ``form``: the layout — by default the 财预〔2020〕10号
    项目支出绩效自评表 for a 项目支出绩效目标表 and the 社会保险支出绩效自评表 for a 基金支出绩效目标表."""
    from xltool.core.project_eval.start import start_from_target

    if form not in (None, model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION):
        raise workbooks.XltoolError(f"未知自评表格式“{form}”，可选：{model.PROJECT_SELF_EVALUATION}、{model.SELF_EVALUATION}")
    outdir = Path(outdir)
    rows: list[FileRow] = []
    for path, rel in _inputs(paths):
        try:
            reads = workbooks.read_workbook(path)
        except workbooks.XltoolError as exc:
            rows.append(FileRow(str(rel), status="失败", reason=str(exc)))
            continue
        targets = [r for r in reads if r.form in (model.PROJECT_TARGET, model.FUND_EXPENDITURE_TARGET)]
        if not targets:
            rows.append(FileRow(str(rel), status="失败", reason=f"{path}：不是项目或基金支出绩效目标表，无法生成自评表"))
        for n, read in enumerate(targets):
            chosen = form or (model.PROJECT_SELF_EVALUATION if read.form == model.PROJECT_TARGET
                              else model.SELF_EVALUATION)
            evaluation = (start_from_target(read.instance) if chosen == model.PROJECT_SELF_EVALUATION
                          else rollover.start_self_evaluation(read.instance))
            name = rel.with_name(f"{rel.stem}_自评表{'' if len(targets) == 1 else n + 1}.xlsx")
            xlsx.write_plan(layout.plan_workbook(evaluation), outdir / name)
            rows.append(FileRow(str(name), FORM_ZH[chosen], evaluation.project))
    summary.write_summary(rows, [], outdir / "汇总.xlsx")
    return rows
