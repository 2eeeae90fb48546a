"""预算说明 (F6): render the narrative of a region's (and its 本级's) 附表 as Markdown and HTML.

``explain(region_path, benji_path=None, out_path=None)`` reads the 附表 workbooks
(``explain_book(grid, name, out_path)``: a workbook already read, e.g. the one open in Excel),
prepares the figures (``core.explain_data``) and renders ``explain_templates/explain.md.j2``
(and ``explain.html.j2``, same sentences; package data, or an edited copy in a folder
of one's own) with jinja2, StrictUndefined.
Every number in the text is a table cell. The library prints nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import jinja2

from xltool.io import atomic
from xltool.core.explain_data import explain_data, ordinal
from xltool.workbooks import XltoolError

TEMPLATE_DIR = Path(__file__).resolve().parent / "explain_templates"
MD_TEMPLATE = "explain.md.j2"
HTML_TEMPLATE = "explain.html.j2"


@dataclass
class ExplainResult:
    markdown: str
    html: str
    data: dict
    paths: list[Path] = field(default_factory=list)   # files written
    notes: list[str] = field(default_factory=list)    # decisions taken (Chinese), e.g. funds listed with zeros


def num(value) -> str:
    """A 万元 figure as the narrative prints it: 112832, 0, 1234.5 (no separators, no exponent)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"不是金额：{value!r}")
    value = Decimal(value)
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def environment(template_dir: Path = TEMPLATE_DIR, *, html: bool = False) -> jinja2.Environment:
    """The Markdown environment, or (html=True) one where every template escapes, the Markdown
    template's macros included when the HTML template imports them: text read from a workbook
    (a region name, a label) never becomes markup in a page meant to be published."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)), undefined=jinja2.StrictUndefined,
                             autoescape=html, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = num
    env.filters["ordinal"] = ordinal
    return env


def render(data: dict, template_dir: Path = TEMPLATE_DIR) -> tuple[str, str]:
    """(markdown, html) for prepared data."""
    try:
        markdown = environment(template_dir).get_template(MD_TEMPLATE).render(**data)
        html = environment(template_dir, html=True).get_template(HTML_TEMPLATE).render(**data)
    except jinja2.TemplateNotFound as exc:
        raise XltoolError(f"找不到预算说明模板 {exc.name}（应在 {template_dir}）") from exc
    return _tidy(markdown), html


def _tidy(text: str) -> str:
    """At most one blank line between blocks, one newline at the end."""
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def explain(region_path: str | Path, benji_path: str | Path | None = None, out_path: str | Path | None = None,
            *, html: bool = True, template_dir: str | Path | None = None, overwrite: bool = False) -> ExplainResult:
    """Render the 预算说明 of the 全地区 附表 at ``region_path`` (and the 本级 附表 at ``benji_path``).

    With ``out_path`` the Markdown is written there (suffix .md) and, unless ``html=False``,
    the HTML next to it (same name, suffix .html). ``template_dir``: a folder holding edited
    copies of ``explain.md.j2`` and ``explain.html.j2`` (default: xltool's own).
    Returns the texts, the data and the notes.
    """
    from xltool.derive import read_budget   # the file-level reader of 附表 workbooks

    region = read_budget(region_path).instance
    benji = read_budget(benji_path).instance if benji_path is not None else None
    if benji is not None and region.level == "本级" and benji.level != "本级":
        raise XltoolError(f"{region_path} 是本级附表、{benji_path} 是全地区附表：请先给全地区，再给本级")
    return explain_budget(region, benji, out_path, html=html, template_dir=template_dir, name=str(region_path),
                          inputs=[p for p in (region_path, benji_path) if p is not None], overwrite=overwrite)


def explain_book(grid, name: str, out_path: str | Path | None = None, *, html: bool = True,
                 template_dir: str | Path | None = None) -> ExplainResult:
    """The 预算说明 of one workbook already read (any adapter's ``BookGrid``, e.g. the book open in Excel).

    Its 全地区 附表 (or, alone, its 本级 附表) is explained; a 本级 附表 in the same workbook is the 本级 part.
    """
    from xltool.core import model
    from xltool.workbooks import read_forms

    forms = [f.instance for f in read_forms(grid, name) if f.form == model.BUDGET_TABLES]
    if not forms:
        raise XltoolError(f"{name}：不是社会保险基金预算附表工作簿（未找到平衡表、收入/支出/结余表），无法生成预算说明")
    region = next((f for f in forms if f.level != "本级"), forms[0])
    benji = next((f for f in forms if f is not region and f.level == "本级"), None)
    return explain_budget(region, benji, out_path, html=html, template_dir=template_dir, name=name)


def explain_budget(region, benji=None, out_path: str | Path | None = None, *, html: bool = True,
                   template_dir: str | Path | None = None, name: str = "", inputs=(),
                   overwrite: bool = False) -> ExplainResult:
    """The 预算说明 of 附表 instances (``model.BudgetWorkbook``): what ``explain`` and ``explain_book`` share.
    Files that exist already at the outputs (or are ``inputs``) are refused unless ``overwrite``."""
    if region.year is None:
        raise XltoolError(f"{name}：无法确定预算年度（标题或表头中应有“2023年预算数”之类）")
    data = explain_data(region, benji)
    markdown, page = render(data, Path(template_dir) if template_dir else TEMPLATE_DIR)
    result = ExplainResult(markdown, page, data, notes=list(data["notes"]))
    if out_path is not None:
        from xltool.io import outputs

        outputs.refuse(output_paths(out_path, html), inputs=inputs, overwrite=overwrite)
    if out_path is not None and Path(out_path).suffix.lower() == ".docx":   # Word: the .docx alone
        from xltool.explain_docx import write_docx

        result.paths.append(write_docx(markdown, data, out_path))
        return result
    if out_path is not None:
        md_path = Path(out_path)
        if md_path.suffix.lower() != ".md":
            md_path = md_path.with_suffix(".md")
        _write(md_path, markdown)
        result.paths.append(md_path)
        if html:
            html_path = md_path.with_suffix(".html")
            _write(html_path, page)
            result.paths.append(html_path)
    return result


def output_paths(out_path: str | Path, html: bool = True) -> list[Path]:
    """The files ``explain_budget`` writes for out_path: the .docx, or the .md and (html) the .html."""
    out = Path(out_path)
    if out.suffix.lower() == ".docx":
        return [out]
    md_path = out if out.suffix.lower() == ".md" else out.with_suffix(".md")
    return [md_path, md_path.with_suffix(".html")] if html else [md_path]


def _write(path: Path, text: str) -> None:
    """Atomically; an OSError names the file meant (not the temporary file beside it)."""
    try:
        with atomic.replacing(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
