"""Command line: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 fine, 1 errors found in the forms, 2 an input could not be read
or the command was misused.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from xltool import workbooks
from xltool.core import model

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="xltool：社会保险基金预算绩效表单工具（模板、导入、重算、校验、导出）")
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DEFAULT_SEEDS = Path("seeds")


def _fail(exc: Exception, code: int = 2):
    err.print(f"[red]错误：[/red]{exc}")
    raise typer.Exit(code)


@app.command()
def template(form: str = typer.Argument(..., help="表单：" + " / ".join(model.FORM_IDS)),
             output: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件"),
             year: Optional[int] = typer.Option(None, "--year", help="年度")):
    """生成空白模板。"""
    try:
        path = workbooks.write_template(form, output, year)
    except workbooks.XltoolError as exc:
        _fail(exc)
    console.print(f"已生成模板：{path}")


@app.command("import")
def import_(files: List[Path] = typer.Argument(..., help="种子文本文件（.txt）"),
            outdir: Path = typer.Option(..., "-o", "--outdir", help="输出文件夹")):
    """把种子文本导入为模板格式的工作簿。"""
    try:
        for file in files:
            written, notes = workbooks.import_seed(file, outdir)
            console.print(f"{file.name}：导入 {len(written)} 个工作簿 → {outdir}")
            for note in notes:
                console.print(f"  [yellow]提示：[/yellow]{note}")
    except workbooks.XltoolError as exc:
        _fail(exc)


@app.command()
def export(paths: List[Path] = typer.Argument(..., help="工作簿或文件夹"),
           output: Path = typer.Option(..., "-o", "--output", help="输出文件：.csv / .xlsx / .parquet")):
    """导出为长表（每个值一行），供 pandas 等使用。"""
    from xltool.export import export_long

    try:
        count = export_long(paths, output)
    except workbooks.XltoolError as exc:
        _fail(exc)
    console.print(f"已导出 {count} 行 → {output}")


@app.command()
def run(seeds: Path = typer.Argument(DEFAULT_SEEDS, help="种子文本所在文件夹（默认：随附的 seeds/）"),
        outdir: Path = typer.Option(Path("out"), "-o", "--outdir", help="输出文件夹")):
    """主流程：导入全部种子 → 重算 → 校验，结果写入输出文件夹。"""
    from xltool.pipeline import run_seeds

    try:
        summary = run_seeds(seeds, outdir)
    except workbooks.XltoolError as exc:
        _fail(exc)
    for line in summary.lines():
        console.print(line)


def main():   # pragma: no cover
    app()


if __name__ == "__main__":   # pragma: no cover
    app()
