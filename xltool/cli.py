"""Command line: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 fine, 1 errors found in the forms, 2 an input could not be read
or the command was misused.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from xltool import __version__, workbooks
from xltool.clizh import ZhTyper
from xltool.core import model
from xltool.io import outputs

app = ZhTyper(add_completion=False, no_args_is_help=True,
              help="xltool：社会保险基金预算绩效表单工具（模板、导入、重算、校验、导出）")
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool):
    if value:
        console.print(f"xltool {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_version,
                                              help="显示版本号并退出")):
    """xltool：社会保险基金预算绩效表单工具（模板、导入、重算、校验、导出）"""

DEFAULT_SEEDS = Path("seeds")


def _exit_for(failed: int, findings) -> None:
    """2 when an input could not be read, 1 when errors were found, else 0."""
    raise typer.Exit(2 if failed else (1 if any(f.severity == "error" for f in findings) else 0))


def _files(paths) -> list[Path]:
    """The workbooks at paths (folders walked); none at all is a misuse (exit 2) said in words."""
    files = workbooks.expand_paths(paths)
    if not files:
        _fail(f"没有找到工作簿（.xlsx / .xlsm / .xls）：{'、'.join(str(p) for p in paths)}")
    return files


def _overwrite():
    """The one option that lets a command replace outputs that exist (every writing command has it)."""
    return typer.Option(False, outputs.OPTION, help=outputs.OPTION_HELP)


def _fail(exc: Exception, code: int = 2):
    err.print(f"[red]错误：[/red]{exc}")
    raise typer.Exit(code)


@app.command()
def template(form: str = typer.Argument(..., help="表单：" + " / ".join(model.FORM_IDS)),
             output: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件"),
             year: Optional[int] = typer.Option(None, "--year", help="年度（预算年度，如 2025）；不给则标题中年份留空"),
             region: str = typer.Option("", "--region", help="地区或单位名称，如 喀什地区"),
             level: str = typer.Option("全地区", "--level", help="级次：全地区（附表一至七）或 本级（附表八至十四）"),
             fund: str = typer.Option("", "--fund", help="险种，如 城乡居民基本养老保险（目标表、自评表用）"),
             overwrite: bool = _overwrite()):
    """生成空白模板（可指定年度、地区、级次、险种）。"""
    try:
        path = workbooks.write_template(form, output, year, region=region, level=level, fund=fund,
                                        overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    console.print(f"已生成模板：{path}")


@app.command("import")
def import_(files: List[Path] = typer.Argument(..., help="种子文本文件（.txt）"),
            outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹"),
            overwrite: bool = _overwrite()):
    """把种子文本导入为模板格式的工作簿。"""
    try:
        for file, written, notes in workbooks.import_seeds(files, outdir, overwrite=overwrite):
            console.print(f"{file.name}：导入 {len(written)} 个工作簿 → {outdir}")
            for note in notes:
                console.print(f"  [yellow]提示：[/yellow]{note}")
    except workbooks.XltoolError as exc:
        _fail(exc)


@app.command()
def export(paths: List[Path] = typer.Argument(..., help="工作簿或文件夹"),
           output: Path = typer.Option(..., "-o", "--output", help="输出文件：.csv / .xlsx / .parquet"),
           overwrite: bool = _overwrite()):
    """导出为长表（每个值一行），供 pandas 等使用。"""
    from xltool.export import export_long

    _files(paths)
    try:
        count = export_long(paths, output, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    console.print(f"已导出 {count} 行 → {output}")


@app.command()
def recompute(paths: List[Path] = typer.Argument(..., help="工作簿或文件夹"),
              outdir: Optional[Path] = typer.Option(None, "-o", "--outdir", help="输出文件夹"),
              in_place: bool = typer.Option(False, "--in-place", help="直接改写原文件（保留 .bak 备份）"),
              overwrite: bool = _overwrite()):
    """重算并写回：计算单元格、标记与批注、“校验结果”工作表。"""
    from xltool import process, report

    if (outdir is None) == (not in_place):
        _fail("请指定 -o 输出文件夹，或使用 --in-place（二者择一）")
    from xltool.io import atomic

    atomic.on_signals()
    findings, failed = [], 0
    _files(paths)
    try:
        planned = process.plan(paths, None if in_place else outdir, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    for path, target, refusal in planned:
        try:
            if refusal:
                raise workbooks.XltoolError(refusal)
            result = process.recompute_in_place(path, overwrite) if in_place else process.recompute_file(path, target)
        except workbooks.XltoolError as exc:
            err.print(f"[red]错误：[/red]{exc}")
            failed += 1
            continue
        findings += result.findings
        console.print(f"已重算：{path.name}（错误 {result.errors} 条）")
        for note in result.notes:
            console.print(f"说明：{note}")
    console.print(report.summary_line(len(planned), findings, failed))
    _exit_for(failed, findings)


@app.command()
def check(paths: List[Path] = typer.Argument(..., help="工作簿或文件夹"),
          fmt: str = typer.Option("text", "--format", help="输出格式：text（逐行）或 json（无法读取的文件也列为条目）")):
    """只校验，不写文件；有错误时退出码 1，文件无法读取时 2。"""
    from xltool import process, report

    if fmt not in ("text", "json"):
        _fail(f"未知输出格式“{fmt}”，可选：text、json")
    findings, unreadable = [], []
    files = _files(paths)
    for path in files:
        try:
            findings += process.evaluate_file(path).findings
        except workbooks.XltoolError as exc:
            if fmt == "text":
                err.print(f"[red]错误：[/red]{exc}")
            unreadable.append((path, str(exc)))
    if fmt == "json":
        print(report.findings_json(findings, unreadable))
    else:
        for finding in findings:
            console.print(report.finding_line(finding), soft_wrap=True)
        console.print(report.summary_line(len(files), findings, len(unreadable)))
    _exit_for(len(unreadable), findings)


@app.command()
def convert(src: Path = typer.Argument(..., help="输入文件夹（含子文件夹）"),
            outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹（镜像输入的目录结构）"),
            jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="并行进程数（默认：CPU 核数）"),
            check_only: bool = typer.Option(False, "--check-only", help="只校验，不写回工作簿"),
            scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask 集群调度器地址（如 tcp://10.0.0.5:8786）"),
            overwrite: bool = _overwrite()):
    """批量处理整个文件夹：识别表单、重算写回（或只校验），并生成汇总工作簿。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from xltool import convert as bulk
    from xltool.io import atomic

    atomic.on_signals()
    if not src.is_dir():
        _fail(f"{src}：不是文件夹")
    if outdir.resolve() == src.resolve():
        _fail("输出文件夹不能与输入文件夹相同（xltool 从不改写输入文件）")
    names = bulk.walk_names(src, skip=outdir)
    total = len(names)
    if not total:
        _fail(f"{src}：文件夹中没有工作簿（.xlsx / .xlsm / .xls）")
    columns = (TextColumn("[bold]处理中"), BarColumn(), MofNCompleteColumn(), TextColumn("剩余"),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("convert", total=total)
        try:
            summary = bulk.convert(src, outdir, jobs=jobs, check_only=check_only, scheduler=scheduler,
                                   on_progress=lambda row: progress.advance(task), overwrite=overwrite,
                                   names=names)
        except workbooks.XltoolError as exc:
            _fail(exc)
    for row in summary.rows:
        if row.status == "失败":
            err.print(f"[red]失败：[/red]{row.reason}")
    errors = summary.errors
    console.print(f"共 {total} 个文件：成功 {total - summary.failed} 个，失败 {summary.failed} 个，"
                  f"错误 {errors} 条；汇总 → {summary.summary_path}")
    raise typer.Exit(2 if summary.failed else (1 if errors else 0))


@app.command()
def rollover(paths: List[Path] = typer.Argument(..., help="本年工作簿或文件夹"),
             outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹"),
             to_year: Optional[int] = typer.Option(None, "--to-year", help="新年度（默认且只能是下一年）"),
             actuals: Optional[List[Path]] = typer.Option(None, "--actuals",
                                                          help="本年自评表，实际完成值填入上年完成值"),
             force: bool = typer.Option(False, "--force", help="允许结转到下一年以外的年度"),
             overwrite: bool = _overwrite()):
    """生成下年空白表：年度前移，本年预算数转入上年栏，年末结余转入上年结余收入；只能结转到下一年。"""
    from xltool.yearcycle import rollover_paths

    _files(paths)
    try:
        rows = rollover_paths(paths, to_year, outdir, actuals=actuals or (), force=force, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    _report_rows(rows, outdir)


@app.command("self-evaluation")
def self_evaluation(paths: List[Path] = typer.Argument(..., help="本年项目/基金支出绩效目标表或文件夹"),
                    outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹"),
                    form: Optional[str] = typer.Option(None, "--form", help=(
                        "自评表格式：project-self-evaluation（项目支出绩效自评表，财预〔2020〕10号，项目目标表默认）"
                        "或 self-evaluation（社会保险支出绩效自评表，基金支出目标表默认）")),
                    overwrite: bool = _overwrite()):
    """年终：由本年目标表生成自评表（指标、方向、分值带入，实际完成值待填）。"""
    from xltool.yearcycle import self_evaluation_paths

    try:
        rows = self_evaluation_paths(paths, outdir, form, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    _report_rows(rows, outdir)


def _report_rows(rows, outdir: Path):
    failed = [r for r in rows if r.status == "失败"]
    made = [r for r in rows if r.status == "成功"]
    for row in failed:
        err.print(f"[red]失败：[/red]{row.reason}")
    for row in rows:
        if row.status == "成功" and row.reason:
            console.print(f"{row.file}：{row.reason}")
        elif row.status not in ("成功", "失败"):
            console.print(f"[yellow]{row.status}：[/yellow]{row.file}：{row.reason}")
    console.print(f"已生成 {len(made)} 个工作簿，失败 {len(failed)} 个 → {outdir}（汇总.xlsx）")
    raise typer.Exit(2 if failed else 0)


@app.command("derive-targets")
def derive_targets(budget: Path = typer.Argument(..., help="预算附表工作簿（全地区或本级）"),
                   outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹（每个险种一个区域绩效目标表）"),
                   targets: Optional[List[Path]] = typer.Option(None, "--targets", help="已有的区域绩效目标表（沿用其指标值）"),
                   overwrite: bool = _overwrite()):
    """由预算附表生成各险种的区域绩效目标表（资金情况、费收入、待遇支出、占比与可支付月数）。"""
    from xltool.derive import derive_targets as derive

    try:
        derived = derive(budget, outdir, targets or None, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    for item in derived:
        if item.path:
            console.print(f"已生成：{item.path}")
        for finding in item.findings:
            console.print(f"  [{finding.rule}] {finding.message}")
    _exit_for(0, [f for item in derived for f in item.findings])


@app.command()
def explain(region: Path = typer.Argument(..., help="全地区预算附表工作簿"),
            benji: Optional[Path] = typer.Argument(None, help="本级预算附表工作簿"),
            output: Path = typer.Option(..., "-o", "--output", help="输出 .md（同时生成 .html）或 .docx（Word 文档）"),
            templates: Optional[Path] = typer.Option(None, "--templates",
                                                     help="自定义说明模板所在文件夹（内含 explain.md.j2、explain.html.j2）"),
            overwrite: bool = _overwrite()):
    """生成社会保险基金预算的说明（jinja2 模板；可用 --templates 指定修改过的模板）。"""
    from xltool.explain import explain as render_explanation

    try:
        result = render_explanation(region, benji, output, template_dir=templates, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    except OSError as exc:
        from xltool.io.safety import os_message

        _fail(os_message(exc.filename or output, exc))
    for path in result.paths:
        console.print(f"已生成：{path}")
    for note in result.notes:
        console.print(f"提示：{note}")


@app.command()
def rollup(paths: List[Path] = typer.Argument(..., help="下属单位与本级的预算附表工作簿或文件夹"),
           output: Path = typer.Option(..., "-o", "--output", help="汇总后的全地区附表 .xlsx"),
           overwrite: bool = _overwrite()):
    """汇总：按科目代码和行逐项相加，百分比重算，上下级往来抵消并报告。"""
    from xltool.rollup import rollup as consolidate

    try:
        report = consolidate(_files(paths), output, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    for line in report.lines:
        console.print(line)
    console.print(f"已生成：{output}")
    _exit_for(report.unreadable, report.findings)


addin_app = ZhTyper(help="Excel 加载项（xlwings 桌面版）", no_args_is_help=True)
app.add_typer(addin_app, name="addin")


@addin_app.command("build")
def addin_build(output: Path = typer.Option(..., "-o", "--output", help="输出的 .xlam 文件"),
                base: str = typer.Option("custom", "--base", help="custom（默认，VBA 工程未加密）或 xlwings"),
                overwrite: bool = _overwrite()):
    """生成带「绩效工具」功能区的加载项（按钮的回调宏已写入加载项，无需另行导入）。"""
    from xltool.excel.addin import build_addin

    try:
        path = build_addin(output, base=base, overwrite=overwrite)
    except (ValueError, OSError, workbooks.XltoolError) as exc:
        _fail(exc)
    console.print(f"已生成加载项：{path}（安装步骤见 docs/excel-addin.md）")


@addin_app.command("bundle")
def addin_bundle(outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹（拷贝到 U 盘带到内网电脑）"),
                 python: Optional[List[str]] = typer.Option(None, "--python",
                                                            help="目标电脑的 Python 版本，可多次给出（默认 3.10–3.13）"),
                 wheel: Optional[Path] = typer.Option(None, "--wheel", help="xltool 的 .whl（默认由源码目录生成）"),
                 overwrite: bool = _overwrite()):
    """生成离线安装包：Windows 64 位的全部 wheel、加载项和安装脚本（目标电脑无需联网和管理员权限）。"""
    from xltool.excel.bundle import PYTHONS, build_bundle

    try:
        bundle = build_bundle(outdir, tuple(python or PYTHONS), wheel=wheel, overwrite=overwrite)
    except (workbooks.XltoolError, ValueError, OSError) as exc:
        _fail(exc)
    console.print(f"已生成离线安装包：{bundle.folder}（{len(bundle.wheels)} 个 wheel，Python {'、'.join(bundle.pythons)}；"
                  f"在目标电脑上双击“安装.cmd”，步骤见 docs/excel-addin.md）")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址（局域网内使用：0.0.0.0）"),
          port: int = typer.Option(8000, "--port", help="端口"),
          base_url: str = typer.Option("", "--base-url", help="加载项清单中使用的外部地址（须为 https）"),
          cert: Optional[Path] = typer.Option(None, "--cert", help="https 证书文件"),
          key: Optional[Path] = typer.Option(None, "--key", help="https 私钥文件"),
          xlwings_js: str = typer.Option("", "--xlwings-js", help="xlwings.min.js 的地址"),
          allow_origin: List[str] = typer.Option([], "--allow-origin", help="另外允许跨站访问的来源（可重复）"),
          archive: Optional[Path] = typer.Option(None, "--archive", help="保存上传文件和结果的文件夹（默认不保存）"),
          keep_days: float = typer.Option(30, "--keep-days", help="存档保留天数（与 --archive 一起使用）"),
          session_minutes: float = typer.Option(30, "--session-minutes", help="校验结果可供下载的分钟数，之后删除"),
          max_upload_mb: int = typer.Option(512, "--max-upload-mb", help="一次上传的大小上限（MB）"),
          jobs: int = typer.Option(2, "--jobs", "-j", help="校验上传文件的进程数")):
    """启动服务：单位的在线校验页面（/），以及 Office.js 加载项服务（xlwings 远程引擎）。"""
    from xltool.web import officejs, security
    from xltool.web.server import MB, Settings, serve as run_server

    try:
        token = security.install_token()
    except OSError as exc:
        _fail(f"无法保存令牌（{security.config_dir()}）：{exc}")
    settings = Settings(host=host, port=port, token=token, base_url=base_url,
                        certfile=str(cert) if cert else None, keyfile=str(key) if key else None,
                        xlwings_js=xlwings_js, allow_origins=tuple(allow_origin), archive=archive,
                        retention_days=keep_days, session_minutes=session_minutes, max_upload=max_upload_mb * MB, jobs=max(1, jobs))
    problem = officejs.remote_engine_problem()

    def ready(url: str) -> None:
        console.print(f"服务已启动：{url}/（Ctrl+C 停止）")
        console.print(f"在线校验页面：{url}/")
        console.print(f"令牌：{token}（保存在 {security.config_dir() / security.TOKEN_FILE}）")
        console.print(f"加载项清单：{(base_url or url).rstrip('/')}/manifest.xml?token={token}")
        if problem:
            console.print(f"注意：Excel 加载项按钮暂不可用——{problem}")
        if archive:
            console.print(f"上传文件和结果保存在 {archive}，保留 {keep_days:g} 天")
        else:
            console.print(f"上传的文件和结果不存档：{session_minutes:g} 分钟后（或服务停止时）删除")

    run_server(settings, on_ready=ready)


@app.command()
def run(seeds: Path = typer.Argument(DEFAULT_SEEDS, help="种子文本所在文件夹（默认：随附的 seeds/）"),
        outdir: Path = typer.Option(Path("out"), "-o", "--outdir", help="输出文件夹"),
        overwrite: bool = _overwrite()):
    """主流程：导入全部种子 → 重算 → 校验，结果写入输出文件夹。"""
    from xltool.pipeline import run_seeds

    try:
        summary = run_seeds(seeds, outdir, overwrite=overwrite)
    except workbooks.XltoolError as exc:
        _fail(exc)
    for line in summary.lines():
        console.print(line)
    _exit_for(0, summary.findings)


def main():   # pragma: no cover
    app()


if __name__ == "__main__":   # pragma: no cover
    app()
