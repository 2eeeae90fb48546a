"""Generate the bad-input corpus (no binary blobs in git): `python tests/bad_inputs/make_corpus.py DIR`.

Each case is (file name, expected fragment of the Chinese error message).
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import openpyxl

GOOD_PARTS = None


def _minimal_xlsx(sheet_xml: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便写点什么"
    buf = io.BytesIO()
    wb.save(buf)
    if sheet_xml is None:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else src.read(name))
    return out.getvalue()


XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&d;</t></is></c></row></sheetData></worksheet>"""


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b"<row/>" * (1 << 20)              # 6 MB of the same bytes, compresses ~1000×
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(50):                      # 300 MB uncompressed, a few hundred KB stored
                fh.write(chunk)
    return out.getvalue()


def _million_rows() -> bytes:
    """A worksheet of 1,048,576 rows, written as a stream (never held in memory)."""
    good = zipfile.ZipFile(io.BytesIO(_minimal_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in good.namelist():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, good.read(name))
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     b'<dimension ref="A1:C1048576"/><sheetData>')
            for r in range(1, 1048577, 4096):
                fh.write(b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(r, r + 4096)))
            fh.write(b"</sheetData></worksheet>")
    return out.getvalue()


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _cells(*refs: str, dimension: str = "A1", extra: str = "") -> str:
    """A worksheet with a number in each cell of refs (in the given order), declaring ``dimension``."""
    rows: dict[int, list[str]] = {}
    for ref in refs:
        row = int("".join(ch for ch in ref if ch.isdigit()) or 1)
        rows.setdefault(row, []).append(f'<c r="{ref}"><v>1</v></c>')
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()))
    return (f'<?xml version="1.0"?><worksheet {NS}><dimension ref="{dimension}"/><sheetData>{body}</sheetData>'
            f"{extra}</worksheet>")


def _with_part(name: str, data: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_minimal_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.namelist():
            if part != name:
                dst.writestr(part, src.read(part))
        dst.writestr(name, data)
    return out.getvalue()


def _shared_strings(declared: int) -> bytes:
    return _with_part("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS} count="{declared}" '
                                              f'uniqueCount="{declared}"><si><t>a</t></si></sst>')


def _xls(*cells: tuple[int, int]) -> bytes:
    """A real BIFF8 .xls (xlwt) with a value in each (row, col), 0-based."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, c in cells:
        sheet.write(r, c, 1)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra + b"\x00" * 512


CASES = {
    "empty.xlsx": (lambda: b"", "文件为空"),
    "truncated.xlsx": (lambda: _minimal_xlsx()[:700], "文件已损坏或不是 xlsx 工作簿"),
    "not_a_zip.xlsx": (lambda: "这不是表格".encode("utf-8") * 50, "文件已损坏或不是 xlsx 工作簿"),
    "legacy_renamed.xlsx": (lambda: _ole(b"Workbook"), "旧版 .xls 格式"),
    "password.xlsx": (lambda: _ole("EncryptedPackage".encode("utf-16-le")), "设有打开密码"),
    "unknown_form.xlsx": (lambda: _minimal_xlsx(), "无法识别表单类型"),
    "zip_bomb.xlsx": (_zip_bomb, "疑为压缩炸弹"),
    "million_rows.xlsx": (_million_rows, "超过 2000000 个单元格的上限"),
    "xxe.xlsx": (lambda: _minimal_xlsx(XXE), "无法打开工作簿"),
    "entity_expansion.xlsx": (lambda: _minimal_xlsx(BILLION_LAUGHS), "无法打开工作簿"),
    # issue 15: limits that hold whatever the file declares
    "cell_at_XFD1048576.xlsx": (lambda: _minimal_xlsx(_cells("A1", "XFD1048576")), "个单元格的上限"),
    "cell_at_XFD5000.xlsx": (lambda: _minimal_xlsx(_cells("A1", "XFD5000")), "个单元格的上限"),
    "lying_dimension.xlsx": (lambda: _minimal_xlsx(_cells("A1", "Z100000", dimension="A1:B2")), "个单元格的上限"),
    "beyond_the_sheet.xlsx": (lambda: _minimal_xlsx(_cells("A1", "AAAA1")), "超出工作表范围"),
    "huge_merge.xlsx": (lambda: _minimal_xlsx(_cells("A1", extra='<mergeCells count="1"><mergeCell '
                                                               'ref="A1:XFD1048576"/></mergeCells>')), "过大的合并区域"),
    "shared_strings_declared.xlsx": (lambda: _shared_strings(4_000_000_000), "共享字符串"),
    "far_cell.xls": (lambda: _xls((0, 0), (65535, 255)), "个单元格的上限"),
    "not_really.xls": (lambda: _minimal_xlsx(), "不是旧版 Excel 文件"),
    # what a copy into a hard-linked file cut short leaves (recompute --in-place killed inside the copy):
    # a real form's first bytes, its entries' local headers intact, no central directory
    "cut_in_place_copy.xlsx": (lambda: _seed_form()[:4096], "文件已损坏或不是 xlsx 工作簿"),
}


def _seed_form() -> bytes:
    root = Path(__file__).resolve().parents[2]
    return next((root / "workbooks").glob("003_01_*.xlsx")).read_bytes()


def make(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in CASES.items():
        (folder / name).write_bytes(build())
    return {name: message for name, (_, message) in CASES.items()}


if __name__ == "__main__":
    make(Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs"))
