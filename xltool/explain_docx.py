"""预算说明 as a Word document (``xltool explain -o 说明.docx``), with python-docx.

The sentences are those of the Markdown rendering (``explain.md.j2``, or an edited copy), so
the .md, .html and .docx say the same: ``#`` becomes the title, ``##`` and ``###`` headings
of level 1 and 2, everything else body paragraphs. Each level's section gets a table of its
figures (万元: 收入 and its 其中 lines, 支出 and 待遇支出, 年末滚存结余, with a 合计 row), and
every page a footer 第 X 页 共 Y 页 (Word fields, so the numbers stay right after editing).
Every number is a table cell (the same data as the text).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xltool.io import atomic

BODY_FONT, HEADING_FONT = "仿宋", "黑体"
TABLE_HEADER = ("险种", "本年预算收入", "其中：保险费收入", "财政补贴收入", "利息收入", "本年预算支出",
                "其中：待遇支出", "年末滚存结余")


def _num(value) -> str:
    value = Decimal(value or 0)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


def figure_rows(level: dict) -> list[tuple[str, ...]]:
    """The table of one level: one row per fund listed, then 合计 (the level's totals)."""
    rows = [(f["heading"], *map(_num, (f["income"], f["premium"], f["subsidy"], f["interest"], f["expenditure"],
                                       f["benefit"], f["surplus"]))) for f in level["funds"]]
    parts = [sum((Decimal(f[key]) for f in level["funds"]), Decimal(0))
             for key in ("premium", "subsidy", "interest")]
    benefit = sum((Decimal(f["benefit"]) for f in level["funds"]), Decimal(0))
    rows.append(("合计", _num(level["income"]), *map(_num, parts), _num(level["expenditure"]), _num(benefit),
                 _num(level["surplus"])))
    return rows


def _font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _style_fonts(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    for name, font, size in (("Normal", BODY_FONT, 12), ("Title", HEADING_FONT, 18), ("Heading 1", HEADING_FONT, 15),
                             ("Heading 2", HEADING_FONT, 13)):
        style = document.styles[name]
        style.font.name, style.font.size = font, Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
            fonts.set(qn(attr), font)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a paragraph: begin, instruction, separate, shown value, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._element.append(element)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    run._element.append(instr)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" 页 共 ")
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(" 页")


def _table(document, caption: str, rows: list[tuple[str, ...]]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(caption), HEADING_FONT, 11)
    table = document.add_table(rows=1 + len(rows), cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(2.8)] + [Cm(1.88)] * (len(TABLE_HEADER) - 1)   # 16 cm: the A4 text width
    for column, width in zip(table.columns, widths):
        column.width = width
    for r, values in enumerate([TABLE_HEADER, *rows]):
        for c, text in enumerate(values):
            cell = table.cell(r, c)
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = (WD_ALIGN_PARAGRAPH.CENTER if r == 0 else
                                   WD_ALIGN_PARAGRAPH.LEFT if c == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
            _font(paragraph.add_run(text), HEADING_FONT if r == 0 or values[0] == "合计" else BODY_FONT, 8,
                  bold=r == 0)
    header = table.rows[0]._tr
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = header.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")   # the header row repeats when the table runs over a page
    repeat.set(qn("w:val"), "true")
    props.append(repeat)
    document.add_paragraph()


def build(markdown: str, data: dict):
    """The python-docx Document of a rendered 预算说明 (Markdown text) and its data."""
    try:
        import docx
    except ImportError as exc:   # pragma: no cover - a dependency of xltool
        from xltool.workbooks import XltoolError

        raise XltoolError("生成 Word 文档需要 python-docx：pip install python-docx") from exc
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = docx.Document()
    _style_fonts(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _footer(section)
    levels = iter(data.get("levels", []))
    for line in markdown.splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith("# "):
            heading = document.add_heading(text[2:].strip(), level=0)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif text.startswith("## "):
            document.add_heading(text[3:].strip(), level=1)
            level = next(levels, None) if "其他需要说明" not in text else None
            if level is not None and level["funds"]:
                _table(document, f"{level['heading']}收支情况表（单位：万元）", figure_rows(level))
        elif text.startswith("### "):
            document.add_heading(text[4:].strip(), level=2)
        else:
            paragraph = document.add_paragraph(text.lstrip("#").strip())
            paragraph.paragraph_format.first_line_indent = Pt(24)
    return document


def write_docx(markdown: str, data: dict, path: str | Path) -> Path:
    """Write the Word document atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = build(markdown, data)
    with atomic.replacing(path) as tmp:
        document.save(str(tmp))
    return path
