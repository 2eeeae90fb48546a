"""Command line: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 fine, 1 errors found in the forms, 2 an input could not be read
or the command was misused.

Plain Click (``xltool/clizh.py`` prints Click's own texts in Chinese), so that a `check`
starts quickly; convert's progress bar is Click's too, shown on a terminal only.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from xltool import __version__, workbooks
from xltool.clizh import PATH, ZhGroup, argument, option
from xltool.core import model
from xltool.io import outputs

DEFAULT_SEEDS = Path("seeds")


def _version(ctx: click.Context, param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"xltool {__version__}")
        ctx.exit(0)


@click.group("xltool", cls=ZhGroup, no_args_is_help=True)
@option("--version", "-V", is_flag=True, is_eager=True, expose_value=False, callback=_version, help="显示版本号并退出")
def app():
    """xltool：社会保险基金预算绩效表单工具（模板、导入、重算、校验、导出）"""


def _marked(label: str, text: str, colour: str = "red", err: bool = True) -> None:
    """A line with a coloured label (colours only on a terminal)."""
    click.echo(click.style(label, fg=colour) + text, err=err)


def _done(code: int):
    raise click.exceptions.Exit(code)


def _exit_for(failed: int, findings) -> None:
    """2 when an input could not be read, 1 when errors were found, else 0."""
    _done(2 if failed else (1 if any(f.severity == "error" for f in findings) else 0))


def _files(paths) -> list[Path]:
    """The workbooks at paths (folders walked); none at all is a misuse (exit 2) said in words."""
    files = workbooks.expand_paths(paths)
    if not files:
        _fail(f"没有找到工作簿（.xlsx / .xlsm / .xls）：{'、'.join(str(p) for p in paths)}")
    return files


def _overwrite(f):
    """The one option that lets a command replace outputs that exist (every writing command has it)."""
    return option(outputs.OPTION, is_flag=True, help=outputs.OPTION_HELP)(f)


def _fail(exc: Exception | str, code: int = 2):
    _marked("错误：", str(exc))
    _done(code)


@contextmanager
def _failing(*kinds: type[Exception]):
    """xltool's own errors (and kinds) end the command with their message, exit 2."""
    try:
        yield
    except (workbooks.XltoolError, *kinds) as exc:
        _fail(exc)


@app.command("template")
@argument("form", help="表单：" + " / ".join(model.FORM_IDS))
@option("-o", "--output", type=PATH, required=True, help="输出的 .xlsx 文件")
@option("--year", type=int, default=None, help="年度（预算年度，如 2025）；不给则标题中年份留空")
@option("--region", default="", help="地区或单位名称，如 喀什地区")
@option("--level", default="全地区", help="级次：全地区（附表一至七）或 本级（附表八至十四）")
@option("--fund", default="", help="险种，如 城乡居民基本养老保险（目标表、自评表用）")
@_overwrite
def template(form: str, output: Path, year: int | None, region: str, level: str, fund: str, overwrite: bool):
    """生成空白模板（可指定年度、地区、级次、险种）。"""
    with _failing():
        path = workbooks.write_template(form, output, year, region=region, level=level, fund=fund,
                                        overwrite=overwrite)
    click.echo(f"已生成模板：{path}")


@app.command("import")
@argument("files", nargs=-1, required=True, type=PATH, help="种子文本文件（.txt）")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹")
@_overwrite
def import_(files: tuple[Path, ...], outdir: Path, overwrite: bool):
    """把种子文本导入为模板格式的工作簿。"""
    with _failing():
        for file, written, notes in workbooks.import_seeds(list(files), outdir, overwrite=overwrite):
            click.echo(f"{file.name}：导入 {len(written)} 个工作簿 → {outdir}")
            for note in notes:
                _marked("  提示：", note, "yellow", err=False)


@app.command("export")
@argument("paths", nargs=-1, required=True, type=PATH, help="工作簿或文件夹")
@option("-o", "--output", type=PATH, required=True, help="输出文件：.csv / .xlsx / .parquet")
@_overwrite
def export(paths: tuple[Path, ...], output: Path, overwrite: bool):
    """导出为长表（每个值一行），供 pandas 等使用。"""
    from xltool.export import export_long

    paths = list(paths)
    _files(paths)
    with _failing():
        count = export_long(paths, output, overwrite=overwrite)
    click.echo(f"已导出 {count} 行 → {output}")


@app.command("recompute")
@argument("paths", nargs=-1, required=True, type=PATH, help="工作簿或文件夹")
@option("-o", "--outdir", type=PATH, default=None, help="输出文件夹")
@option("--in-place", is_flag=True, help="直接改写原文件（保留 .bak 备份）")
@_overwrite
def recompute(paths: tuple[Path, ...], outdir: Path | None, in_place: bool, overwrite: bool):
    """重算并写回：计算单元格、标记与批注、“校验结果”工作表。"""
    from xltool import process, report

    paths = list(paths)
    if (outdir is None) == (not in_place):
        _fail("请指定 -o 输出文件夹，或使用 --in-place（二者择一）")
    from xltool.io import atomic

    atomic.on_signals()
    findings, failed = [], 0
    _files(paths)
    with _failing():
        planned = process.plan(paths, None if in_place else outdir, overwrite=overwrite)
    for path, target, refusal in planned:
        try:
            if refusal:
                raise workbooks.XltoolError(refusal)
            result = process.recompute_in_place(path, overwrite) if in_place else process.recompute_file(path, target)
        except workbooks.XltoolError as exc:
            _marked("错误：", str(exc))
            failed += 1
            continue
        findings += result.findings
        click.echo(f"已重算：{path.name}（错误 {result.errors} 条）")
        for note in result.notes:
            click.echo(f"说明：{note}")
    click.echo(report.summary_line(len(planned), findings, failed))
    _exit_for(failed, findings)


@app.command("check")
@argument("paths", nargs=-1, required=True, type=PATH, help="工作簿或文件夹")
@option("--format", "fmt", default="text", help="输出格式：text（逐行）或 json（无法读取的文件也列为条目）")
def check(paths: tuple[Path, ...], fmt: str):
    """只校验，不写文件；有错误时退出码 1，文件无法读取时 2。"""
    from xltool import process, report

    if fmt not in ("text", "json"):
        _fail(f"未知输出格式“{fmt}”，可选：text、json")
    findings, unreadable = [], []
    files = _files(list(paths))
    for path in files:
        try:
            findings += process.evaluate_file(path).findings
        except workbooks.XltoolError as exc:
            if fmt == "text":
                _marked("错误：", str(exc))
            unreadable.append((path, str(exc)))
    if fmt == "json":
        click.echo(report.findings_json(findings, unreadable))
    else:
        for finding in findings:
            click.echo(report.finding_line(finding))
        click.echo(report.summary_line(len(files), findings, len(unreadable)))
    _exit_for(len(unreadable), findings)


@app.command("convert")
@argument("src", type=PATH, help="输入文件夹（含子文件夹）")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹（镜像输入的目录结构）")
@option("--jobs", "-j", type=int, default=None, help="并行进程数（默认：CPU 核数）")
@option("--check-only", is_flag=True, help="只校验，不写回工作簿")
@option("--scheduler", default=None, help="Dask 集群调度器地址（如 tcp://10.0.0.5:8786）")
@_overwrite
def convert(src: Path, outdir: Path, jobs: int | None, check_only: bool, scheduler: str | None, overwrite: bool):
    """批量处理整个文件夹：识别表单、重算写回（或只校验），并生成汇总工作簿。"""
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
    # The progress bar only on a terminal (Click's: rich's would add ~30 ms of imports to every run).
    with click.progressbar(length=total, label="处理中", file=sys.stderr, show_pos=True,
                           hidden=not sys.stderr.isatty()) as bar, _failing():
        summary = bulk.convert(src, outdir, jobs=jobs, check_only=check_only, scheduler=scheduler,
                               on_progress=lambda row: bar.update(1), overwrite=overwrite, names=names)
    for row in summary.rows:
        if row.status == "失败":
            _marked("失败：", row.reason)
    errors = summary.errors
    click.echo(f"共 {total} 个文件：成功 {total - summary.failed} 个，失败 {summary.failed} 个，"
         f"错误 {errors} 条；汇总 → {summary.summary_path}")
    _done(2 if summary.failed else (1 if errors else 0))


@app.command("rollover")
@argument("paths", nargs=-1, required=True, type=PATH, help="本年工作簿或文件夹")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹")
@option("--to-year", type=int, default=None, help="新年度（默认且只能是下一年）")
@option("--actuals", type=PATH, multiple=True, help="本年自评表，实际完成值填入上年完成值")
@option("--force", is_flag=True, help="允许结转到下一年以外的年度")
@_overwrite
def rollover(paths: tuple[Path, ...], outdir: Path, to_year: int | None, actuals: tuple[Path, ...], force: bool,
             overwrite: bool):
    """生成下年空白表：年度前移，本年预算数转入上年栏，年末结余转入上年结余收入；只能结转到下一年。"""
    from xltool.yearcycle import rollover_paths

    paths = list(paths)
    _files(paths)
    with _failing():
        rows = rollover_paths(paths, to_year, outdir, actuals=list(actuals), force=force, overwrite=overwrite)
    _report_rows(rows, outdir)


@app.command("self-evaluation")
@argument("paths", nargs=-1, required=True, type=PATH, help="本年项目/基金支出绩效目标表或文件夹")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹")
@option("--form", default=None, help=(
    "自评表格式：project-self-evaluation（项目支出绩效自评表，财预〔2020〕10号，项目目标表默认）"
    "或 self-evaluation（社会保险支出绩效自评表，基金支出目标表默认）"))
@_overwrite
def self_evaluation(paths: tuple[Path, ...], outdir: Path, form: str | None, overwrite: bool):
    """年终：由本年目标表生成自评表（指标、方向、分值带入，实际完成值待填）。"""
    from xltool.yearcycle import self_evaluation_paths

    with _failing():
        rows = self_evaluation_paths(list(paths), outdir, form, overwrite=overwrite)
    _report_rows(rows, outdir)


def _report_rows(rows, outdir: Path):
    failed = [r for r in rows if r.status == "失败"]
    made = [r for r in rows if r.status == "成功"]
    for row in failed:
        _marked("失败：", row.reason)
    for row in rows:
        if row.status == "成功" and row.reason:
            click.echo(f"{row.file}：{row.reason}")
        elif row.status not in ("成功", "失败"):
            _marked(f"{row.status}：", f"{row.file}：{row.reason}", "yellow", err=False)
    click.echo(f"已生成 {len(made)} 个工作簿，失败 {len(failed)} 个 → {outdir}（汇总.xlsx）")
    _done(2 if failed else 0)


@app.command("derive-targets")
@argument("budget", type=PATH, help="预算附表工作簿（全地区或本级）")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹（每个险种一个区域绩效目标表）")
@option("--targets", type=PATH, multiple=True, help="已有的区域绩效目标表（沿用其指标值）")
@_overwrite
def derive_targets(budget: Path, outdir: Path, targets: tuple[Path, ...], overwrite: bool):
    """由预算附表生成各险种的区域绩效目标表（资金情况、费收入、待遇支出、占比与可支付月数）。"""
    from xltool.derive import derive_targets as derive

    with _failing():
        derived = derive(budget, outdir, list(targets) or None, overwrite=overwrite)
    for item in derived:
        if item.path:
            click.echo(f"已生成：{item.path}")
        for finding in item.findings:
            click.echo(f"  [{finding.rule}] {finding.message}")
    _exit_for(0, [f for item in derived for f in item.findings])


@app.command("explain")
@argument("region", type=PATH, help="全地区预算附表工作簿")
@argument("benji", type=PATH, required=False, default=None, help="本级预算附表工作簿")
@option("-o", "--output", type=PATH, required=True, help="输出 .md（同时生成 .html）或 .docx（Word 文档）")
@option("--templates", type=PATH, default=None, help="自定义说明模板所在文件夹（内含 explain.md.j2、explain.html.j2）")
@_overwrite
def explain(region: Path, benji: Path | None, output: Path, templates: Path | None, overwrite: bool):
    """生成社会保险基金预算的说明（jinja2 模板；可用 --templates 指定修改过的模板）。"""
    from xltool.explain import explain as render_explanation

    with _failing():
        try:
            result = render_explanation(region, benji, output, template_dir=templates, overwrite=overwrite)
        except OSError as exc:
            from xltool.io.safety import os_message

            raise workbooks.XltoolError(os_message(exc.filename or output, exc)) from exc
    for path in result.paths:
        click.echo(f"已生成：{path}")
    for note in result.notes:
        click.echo(f"提示：{note}")


@app.command("rollup")
@argument("paths", nargs=-1, required=True, type=PATH, help="下属单位与本级的预算附表工作簿或文件夹")
@option("-o", "--output", type=PATH, required=True, help="汇总后的全地区附表 .xlsx")
@_overwrite
def rollup(paths: tuple[Path, ...], output: Path, overwrite: bool):
    """汇总：按科目代码和行逐项相加，百分比重算，上下级往来抵消并报告。"""
    from xltool.rollup import rollup as consolidate

    with _failing():
        report = consolidate(_files(list(paths)), output, overwrite=overwrite)
    for line in report.lines:
        click.echo(line)
    click.echo(f"已生成：{output}")
    _exit_for(report.unreadable, report.findings)


@app.group("addin", no_args_is_help=True)
def addin_app():
    """Excel 加载项（xlwings 桌面版）"""


@addin_app.command("build")
@option("-o", "--output", type=PATH, required=True, help="输出的 .xlam 文件")
@option("--base", default="custom", help="custom（默认，VBA 工程未加密）或 xlwings")
@_overwrite
def addin_build(output: Path, base: str, overwrite: bool):
    """生成带「绩效工具」功能区的加载项（按钮的回调宏已写入加载项，无需另行导入）。"""
    from xltool.excel.addin import build_addin

    with _failing(ValueError, OSError):
        path = build_addin(output, base=base, overwrite=overwrite)
    click.echo(f"已生成加载项：{path}（安装步骤见 docs/excel-addin.md）")


@addin_app.command("bundle")
@option("-o", "--outdir", type=PATH, required=True, help="输出文件夹（拷贝到 U 盘带到内网电脑）")
@option("--python", multiple=True, help="目标电脑的 Python 版本，可多次给出（默认 3.11–3.14）")
@option("--wheel", type=PATH, default=None, help="xltool 的 .whl（默认由源码目录生成）")
@_overwrite
def addin_bundle(outdir: Path, python: tuple[str, ...], wheel: Path | None, overwrite: bool):
    """生成离线安装包：Windows 64 位的全部 wheel、加载项和安装脚本（目标电脑无需联网和管理员权限）。"""
    from xltool.excel.bundle import PYTHONS, build_bundle

    with _failing(ValueError, OSError):
        bundle = build_bundle(outdir, tuple(python or PYTHONS), wheel=wheel, overwrite=overwrite)
    click.echo(f"已生成离线安装包：{bundle.folder}（{len(bundle.wheels)} 个 wheel，Python {'、'.join(bundle.pythons)}；"
         f"在目标电脑上双击“安装.cmd”，步骤见 docs/excel-addin.md）")


@app.command("serve")
@option("--host", default="127.0.0.1", help="监听地址（局域网内使用：0.0.0.0）")
@option("--port", type=int, default=8000, help="端口")
@option("--base-url", default="", help="加载项清单中使用的外部地址（须为 https）")
@option("--cert", type=PATH, default=None, help="https 证书文件")
@option("--key", type=PATH, default=None, help="https 私钥文件")
@option("--xlwings-js", default="", help="xlwings.min.js 的地址")
@option("--allow-origin", multiple=True, help="另外允许跨站访问的来源（可重复）")
@option("--archive", type=PATH, default=None, help="保存上传文件和结果的文件夹（默认不保存）")
@option("--keep-days", type=float, default=30, help="存档保留天数（与 --archive 一起使用）")
@option("--session-minutes", type=float, default=30, help="校验结果可供下载的分钟数，之后删除")
@option("--max-upload-mb", type=int, default=512, help="一次上传的大小上限（MB）")
@option("--jobs", "-j", type=int, default=2, help="校验上传文件的进程数")
def serve(host: str, port: int, base_url: str, cert: Path | None, key: Path | None, xlwings_js: str,
          allow_origin: tuple[str, ...], archive: Path | None, keep_days: float, session_minutes: float,
          max_upload_mb: int, jobs: int):
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
        click.echo(f"服务已启动：{url}/（Ctrl+C 停止）")
        click.echo(f"在线校验页面：{url}/")
        click.echo(f"令牌：{token}（保存在 {security.config_dir() / security.TOKEN_FILE}）")
        click.echo(f"加载项清单：{(base_url or url).rstrip('/')}/manifest.xml?token={token}")
        if problem:
            click.echo(f"注意：Excel 加载项按钮暂不可用——{problem}")
        if archive:
            click.echo(f"上传文件和结果保存在 {archive}，保留 {keep_days:g} 天")
        else:
            click.echo(f"上传的文件和结果不存档：{session_minutes:g} 分钟后（或服务停止时）删除")

    run_server(settings, on_ready=ready)


@app.command("run")
@argument("seeds", type=PATH, required=False, default=DEFAULT_SEEDS, help="种子文本所在文件夹（默认：随附的 seeds/）")
@option("-o", "--outdir", type=PATH, default=Path("out"), help="输出文件夹")
@_overwrite
def run(seeds: Path, outdir: Path, overwrite: bool):
    """主流程：导入全部种子 → 重算 → 校验，结果写入输出文件夹。"""
    from xltool.pipeline import run_seeds

    with _failing():
        summary = run_seeds(seeds, outdir, overwrite=overwrite)
    for line in summary.lines():
        click.echo(line)
    _exit_for(0, summary.findings)


if __name__ == "__main__":   # pragma: no cover
    app()
