"""The year's cycle on files: next year's blank forms (rollover) and the year-end self-evaluation."""
from __future__ import annotations

from pathlib import Path

from xltool import summary, workbooks
from xltool.convert import FORM_ZH, FileRow, walk
from xltool.core import model, rollover

NOT_ROLLED = "未结转"
SELF_EVALUATION_REASON = ("自评表是对本年的年终评价，不结转下年；如需用其实际完成值填写项目目标表的“上年完成值”，"
                          "请用 --actuals 指定自评表")


def _inputs(paths) -> list[tuple[Path, Path]]:
    """(file, path relative to its input root) for files and folders alike."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += [(p, p.relative_to(path)) for p in walk(path)]
        else:
            out.append((path, Path(path.name)))
    return out


def _read_inputs(paths, rows: list[FileRow], forms=None, wrong: str = ""):
    """(path, rel, reads) for each input file (only the reads of ``forms`` when given). A file that
    cannot be read, or holds none of ``forms``, gets a 失败 row in ``rows`` (``wrong``: why)."""
    for path, rel in _inputs(paths):
        try:
            reads = workbooks.read_workbook(path)
        except workbooks.XltoolError as exc:
            rows.append(FileRow(str(rel), status="失败", reason=str(exc)))
            continue
        if forms is not None:
            reads = [r for r in reads if r.form in forms]
            if not reads:
                rows.append(FileRow(str(rel), status="失败", reason=f"{path}：{wrong}"))
        yield path, rel, reads


def read_actuals(paths) -> tuple[dict[str, tuple[int | None, dict[str, str]]], list[FileRow]]:
    """Self-evaluations given with ``--actuals``: project → (year, {三级指标: 实际完成值}); and rows for
    files that could not be used."""
    found: dict[str, tuple[int | None, dict[str, str]]] = {}
    rows: list[FileRow] = []
    for _path, _rel, reads in _read_inputs(paths, rows, (model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION),
                                           "不是支出绩效自评表，不能用作 --actuals"):
        for e in (r.instance for r in reads):
            found[rollover.norm_name(e.project)] = (e.year, {rollover.norm_name(i.level3): i.actual
                                                             for i in e.indicators if i.actual and i.level3})
    return found, rows


def _last_year_note(instance, actuals) -> tuple[dict[str, str] | None, str]:
    """The actuals for a project target form and a note (Chinese) on how 上年完成值 was filled."""
    if instance.form != model.PROJECT_TARGET:
        return None, ""
    match = actuals.get(rollover.norm_name(instance.project))
    if match is None:
        return None, f"提示：未给出项目“{instance.project}”的自评表（--actuals），上年完成值留空，请据实填写"
    year, values = match
    if year is not None and instance.year is not None and year != instance.year:
        return None, (f"提示：项目“{instance.project}”的自评表为 {year} 年，不是 {instance.year} 年，"
                      "未使用，上年完成值留空")
    missing = [i.level3 for i in instance.indicators if i.level3 and rollover.norm_name(i.level3) not in values]
    note = "上年完成值取自自评表的实际完成值"
    if missing:
        note += f"；{len(missing)} 项指标在自评表中没有实际完成值，留空：{'、'.join(missing)}"
    return values, note


def rollover_paths(paths, to_year: int | None, outdir: str | Path, *, actuals=(), force: bool = False,
                   overwrite: bool = False) -> list[FileRow]:
    """Next year's forms from this year's, one workbook each, plus 汇总.xlsx in ``outdir``.

    ``to_year``: the new year (None: each form's year + 1); any other than the next year is refused
    unless ``force``. ``actuals``: self-evaluation files whose 实际完成值 become the project target
    forms' 上年完成值 (else left blank, with a note). Self-evaluations among ``paths`` are not rolled
    (row status 未结转, with the reason). Each row's ``reason`` carries the notes. Nothing is written
    until every form is made; then outputs that exist already (or are inputs) are refused unless
    ``overwrite`` (``_write_all``).
    """
    outdir = Path(outdir)
    given, rows = read_actuals(actuals)
    made: list[tuple[Path, object, Path]] = []
    for path, rel, reads in _read_inputs(paths, rows):
        for n, read in enumerate(reads):
            instance = read.instance
            if read.form in (model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION):
                rows.append(FileRow(str(rel), FORM_ZH[read.form], str(instance.entity), status=NOT_ROLLED,
                                    reason=SELF_EVALUATION_REASON))
                continue
            problem = rollover.refusal(instance.year, to_year)
            if problem and not (force and to_year is not None):
                hint = "" if instance.year is None and to_year is None else "（确需如此，请加 --force）"
                rows.append(FileRow(str(rel), FORM_ZH[read.form], str(instance.entity), status="失败",
                                    reason=f"{path}：{problem}{hint}"))
                continue
            year = to_year if to_year is not None else instance.year + 1
            values, note = _last_year_note(instance, given)
            new = rollover.roll(instance, year, values)
            name = rel.with_suffix(".xlsx") if len(reads) == 1 else rel.with_name(f"{rel.stem}_{n + 1}.xlsx")
            made.append((outdir / name, new, path))
            rows.append(FileRow(str(name), FORM_ZH[read.form], str(instance.entity), reason=note))
    _write_all(made, rows, outdir, [p for p, _ in _inputs(paths)] + [p for p, _ in _inputs(actuals)], overwrite)
    return rows


def _write_all(made, rows, outdir: Path, inputs, overwrite: bool) -> None:
    """The new workbooks and 汇总.xlsx, after the one check of all of them (``io.outputs``)."""
    from xltool.io import outputs

    outputs.refuse([(target, source) for target, _, source in made] + [outdir / "汇总.xlsx"], inputs=inputs,
                   overwrite=overwrite)
    for target, form, _ in made:
        workbooks.write_form(form, target)
    summary.write_summary(rows, [], outdir / "汇总.xlsx")


def self_evaluation_paths(paths, outdir: str | Path, form: str | None = None, *, overwrite: bool = False
                          ) -> list[FileRow]:
    """Start a 自评表 from each target table. ``form``: the layout — by default the 财预〔2020〕10号
    项目支出绩效自评表 for a 项目支出绩效目标表 and the 社会保险支出绩效自评表 for a 基金支出绩效目标表."""
    from xltool.core.project_eval.start import start_from_target

    if form not in (None, model.SELF_EVALUATION, model.PROJECT_SELF_EVALUATION):
        raise workbooks.XltoolError(f"未知自评表格式“{form}”，可选：{model.PROJECT_SELF_EVALUATION}、{model.SELF_EVALUATION}")
    outdir = Path(outdir)
    rows: list[FileRow] = []
    made: list[tuple[Path, object, Path]] = []
    for path, rel, targets in _read_inputs(paths, rows, (model.PROJECT_TARGET, model.FUND_EXPENDITURE_TARGET),
                                           "不是项目或基金支出绩效目标表，无法生成自评表"):
        for n, read in enumerate(targets):
            chosen = form or (model.PROJECT_SELF_EVALUATION if read.form == model.PROJECT_TARGET
                              else model.SELF_EVALUATION)
            evaluation = (start_from_target(read.instance) if chosen == model.PROJECT_SELF_EVALUATION
                          else rollover.start_self_evaluation(read.instance))
            name = rel.with_name(f"{rel.stem}_自评表{'' if len(targets) == 1 else n + 1}.xlsx")
            made.append((outdir / name, evaluation, path))
            rows.append(FileRow(str(name), FORM_ZH[chosen], evaluation.project))
    _write_all(made, rows, outdir, [p for p, _ in _inputs(paths)], overwrite)
    return rows
