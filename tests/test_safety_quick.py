"""The quick ways through the safety guards (``xltool.io.safety_quick``) change nothing: with them,
``safety.precheck(keep=True)`` refuses exactly what it refuses without them (the plain way: every
worksheet through ``scan_sheet``, every part's head through a zipfile stream), with the same message,
and keeps the same parts, byte for byte: on every seed, template and real file, and on hostile and
broken packages built from a seed (references, counts and merged ranges past the limits or past
what the quick check reads off the dimension, prefixed tags, a DOCTYPE at the edge of a part's head,
a corrupt stream after the head).
"""
import io
import random
import re
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import ROOT
from xltool.io import safety, safety_quick

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
_SHARED = Path("/work/shared/real-files")   # the same files as tests/data/real and a few more, where present
_REAL = {p.name: p for folder in (_SHARED, ROOT / "tests" / "data" / "real") if folder.is_dir()
         for p in folder.iterdir() if p.suffix in (".xlsx", ".xlsm")}
REAL = [_REAL[name] for name in sorted(_REAL)]
FILES = SEEDS + TEMPLATES + REAL
ZIPS = [p for p in FILES if zipfile.is_zipfile(p)]   # (not an encrypted workbook: an OLE file)
SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")


def outcome(path: Path, data: bytes):
    """What precheck(keep=True) does: its refusal (kind and message), or the parts it keeps."""
    try:
        parts = safety.precheck(path, data, keep=True)
    except Exception as exc:   # noqa: BLE001 - the kind and the message are what is compared
        return type(exc).__name__, str(exc)
    return dict(parts), parts.names


def plain_outcome(path: Path, data: bytes, monkeypatch):
    """The same with the quick ways shut: every worksheet scanned, every head read through zipfile."""
    with monkeypatch.context() as patch:
        patch.setattr(safety_quick, "sheet_fits", lambda data: False)
        patch.setattr(safety_quick, "head", lambda data, info: None)
        patch.setattr(safety_quick, "strings_fit", lambda data: False)
        return outcome(path, data)


def test_the_quick_ways_are_taken_on_the_seeds_and_templates():
    """Otherwise the comparisons below would compare the plain way with itself."""
    fits = heads = 0
    for path in SEEDS + TEMPLATES:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if SHEET.fullmatch(info.filename):
                    assert safety_quick.sheet_fits(zf.read(info)), (path.name, info.filename)
                    fits += 1
                heads += safety_quick.head(path.read_bytes(), info) is not None
    assert fits >= 2 * len(SEEDS + TEMPLATES) and heads >= len(SEEDS + TEMPLATES)   # a theme each
    tables = [zipfile.ZipFile(p).read("xl/sharedStrings.xml") for p in ZIPS
              if "xl/sharedStrings.xml" in zipfile.ZipFile(p).namelist()]
    assert len(tables) >= 10 and all(safety_quick.strings_fit(t) for t in tables)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_precheck_with_the_quick_ways_is_precheck_without_them(path, monkeypatch):
    data = path.read_bytes()
    assert outcome(path, data) == plain_outcome(path, data, monkeypatch)


@pytest.mark.parametrize("path", ZIPS, ids=lambda p: p.name)
def test_a_worksheet_that_fits_is_one_scan_sheet_lets_through(path):
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if SHEET.fullmatch(info.filename) and safety_quick.sheet_fits(data := zf.read(info)):
                safety.scan_sheet(path, info.filename, iter([data]))


# -- hostile and odd worksheets, each grafted into a seed in place of its first sheet -------------------

def _seed_parts(seed: Path = SEEDS[0]) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(seed) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def _package(parts, change=lambda name, data: data, stored=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            zf.writestr(zipfile.ZipInfo(name) if name in stored else name, change(name, data))
    return out.getvalue()


def _rows(text: bytes):
    return lambda sheet: sheet.replace(b"</sheetData>", text + b"</sheetData>")


def _merges(text: bytes):
    return lambda sheet: sheet.replace(b"</worksheet>", b"<mergeCells>" + text + b"</mergeCells></worksheet>")


def _dimension(ref: bytes):
    return lambda sheet: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', sheet, count=1)


# name: (how the sheet changes, refused by scan_sheet: the words its message holds, or None)
SHEETS = {
    "as_written": (lambda s: s, None),
    "cell_at_XFD1048576": (_rows(b'<row r="30"><c r="XFD1048576"><v>1</v></c></row>'), "个单元格的上限"),
    "cell_at_xfd1048576_lower_case": (_rows(b'<row r="30"><c r="xfd1048576"><v>1</v></c></row>'), "个单元格的上限"),
    "four_column_letters": (_rows(b'<row r="30"><c r="AAAA30"/></row>'), "超出工作表范围的单元格引用"),
    "eight_row_digits": (_rows(b'<row r="10000000"/>'), "超出工作表范围的单元格引用"),
    "empty_reference": (_rows(b'<row r=""/>'), "超出工作表范围的单元格引用"),
    "cell_at_Z100000": (_rows(b'<row r="30"><c r="Z100000"/></row>'), "个单元格的上限"),
    "cells_without_references": (_rows(b"<row>" + b"<c/>" * 17_000 + b"</row>"), "超出工作表范围"),
    "prefixed_cells_without_references": (_rows(b"<x:row>" + b"<x:c/>" * 17_000 + b"</x:row>"), "超出工作表范围"),
    "many_rows_of_26_columns": (_rows(b'<row r="30"><c r="Z30"/></row>' + b"<row/>" * 80_000), "个单元格的上限"),
    "many_rows_of_27_columns_declared": (lambda s: _rows(b'<row r="999"><c r="ZZ999"/></row>' + b"<row/>" * 3_000)(
        _dimension(b"A1:ZZ999")(s)), "个单元格的上限"),
    "too_many_merges": (_merges(b'<mergeCell ref="A1:A1"/>' * 20_001), "合并区域超过"),
    "huge_merge": (_merges(b'<mergeCell ref="A1:ZZ90000"/>'), "过大的合并区域"),
    "huge_prefixed_merge": (_merges(b'<x:mergeCell ref="A1:ZZ90000"/>'), "过大的合并区域"),
    "huge_dimension": (_dimension(b"A1:XFD1048576"), "超过 2000000 个单元格的上限"),
    "cell_after_the_last_tag": (lambda s: s + b'<c r="XFD1048576"', "个单元格的上限"),
    # no reference at all, so scan_sheet reads the dimension in the piece after the last ">" too
    "declared_after_the_last_tag": (lambda s: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData/>", s, flags=re.S)
                                    + b'<dimension ref="A1:XFD1048576"', "超过 2000000 个单元格的上限"),
    # let through by scan_sheet; the quick check may or may not tell
    "no_dimension": (lambda s: re.sub(rb"<dimension [^>]*>", b"", s), None),
    "lying_dimension": (_dimension(b"A1:B2"), None),
    "declared_ZZ999": (_dimension(b"A1:ZZ999"), None),
    "white_space_after_the_last_tag": (lambda s: s + b"\r\n", None),
    "reference_after_other_attributes": (_rows(b'<row r="30"><c s="1" r="Q30"/></row>'), None),
    "leading_zero": (_rows(b'<row r="030"><c r="A030"/></row>'), None),
    "absolute_reference": (_rows(b'<row r="30"><c r="$A$30"/></row>'), None),
    "cell_at_ZZ999": (_rows(b'<row r="999"><c r="ZZ999"/></row>'), None),
    "cell_at_A0": (_rows(b'<row r="30"><c r="A0"/></row>'), None),
    "merge_past_the_dimension": (_merges(b'<mergeCell ref="A1:Z99"/>'), None),
    "prefixed_tags": (_rows(b'<x:row r="30"><x:c r="A30"/></x:row>'), None),
    "doctype_past_the_head": (lambda s: s.replace(b"</worksheet>", b'<!DOCTYPE x [<!ENTITY a "b">]></worksheet>'), None),
}


@pytest.mark.parametrize("name", list(SHEETS))
def test_a_hostile_worksheet_is_refused_the_same_way(name, tmp_path, monkeypatch):
    change, refused = SHEETS[name]
    parts = _seed_parts()
    sheet = change(dict(parts)["xl/worksheets/sheet1.xml"])
    path = tmp_path / f"{name}.xlsx"
    try:
        safety.scan_sheet(path, "xl/worksheets/sheet1.xml", iter([sheet]))
        scanned = None
    except safety.UnsafeWorkbook as exc:
        scanned = str(exc)
    assert (scanned is None) == (refused is None) and (refused is None or refused in scanned), scanned
    if refused is not None:
        assert not safety_quick.sheet_fits(sheet)
    elif name in ("as_written", "white_space_after_the_last_tag", "declared_ZZ999", "doctype_past_the_head"):
        assert safety_quick.sheet_fits(sheet)   # (the quick way is taken: the comparison below is not idle)
    data = _package(parts, lambda n, d: sheet if n == "xl/worksheets/sheet1.xml" else d)
    got = outcome(path, data)
    assert got == plain_outcome(path, data, monkeypatch)
    assert (got[0] == "UnsafeWorkbook") == (refused is not None)


# -- the head of a part that is not kept: a DOCTYPE at its edge, a corrupt stream after it ----------

def _doctype_at(offset: int, utf16: bool = False, part: str = "theme"):
    doctype = '<!DOCTYPE x [<!ENTITY a "b">]>'
    doctype = doctype.encode("utf-16-le") if utf16 else doctype.encode()

    def change(name, data):
        if part not in name:
            return data
        return data[:offset] + doctype + data[offset:]
    return change


def _directory_changed(package: bytes, part: str, **fields) -> bytes:
    """The package with fields of a part's entry in the central directory changed (what zipfile and
    safety_quick go by): crc, compress_size, file_size."""
    out = bytearray(package)
    at = next(i for i in (m.start() for m in re.finditer(rb"PK\x01\x02", package))
              if package[i + 46:i + 46 + len(part)] == part.encode())
    for field, value in fields.items():
        where = at + {"crc": 16, "compress_size": 20, "file_size": 24}[field]
        out[where:where + 4] = value.to_bytes(4, "little")
    return bytes(out)


def _cut_at_the_head(package: bytes, info: zipfile.ZipInfo) -> int:
    """How many compressed bytes of a part give HEAD bytes and not one byte is left over."""
    begin = safety_quick.start(package, info)
    for size in range(1, info.compress_size):
        inflate = zlib.decompressobj(-15)
        if len(inflate.decompress(package[begin:begin + size], safety_quick.HEAD)) == safety_quick.HEAD:
            assert not inflate.unconsumed_tail
            return size
    raise AssertionError("the part is shorter than its head")


def _incompressible(name, data):
    """The theme with a comment of random letters: more than HEAD compressed bytes."""
    if "theme" not in name:
        return data
    noise = "".join(random.Random(7).choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(20_000))
    return data.replace(b"?>", b"?><!--" + noise.encode() + b"-->", 1)


def _theme_packages():
    parts = _seed_parts()
    head = safety_quick.HEAD
    for offset in (0, 100, head - 10, head - 9, head - 8, head, 8000):   # "<!DOCTYPE" is 9 bytes
        yield f"doctype_at_{offset}", _package(parts, _doctype_at(offset)), offset <= head - 9
    for offset in (head - 18, head - 17, head - 16):                     # ... 18 in UTF-16
        yield f"utf16_doctype_at_{offset}", _package(parts, _doctype_at(offset, True)), offset <= head - 18
    noisy = [(n, _incompressible(n, d)) for n, d in parts]
    yield "incompressible", _package(noisy), False
    for offset in (head - 9, head - 8):
        yield f"incompressible_doctype_at_{offset}", _package(noisy, _doctype_at(offset)), offset == head - 9
    yield "stored", _package(parts, stored={n for n, _ in parts if "theme" in n}), False
    for offset in (head - 10, head - 9, head - 8):   # a part kept whole: the same head
        yield f"doctype_in_styles_at_{offset}", _package(parts, _doctype_at(offset, part="styles")), offset <= head - 9
    package = _package(parts)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        theme = next(i for i in zf.infolist() if "theme" in i.filename)
    # sizes and CRC of the directory that do not agree with the stream: zipfile checks the CRC at the end
    yield "theme_said_to_be_100_bytes", _directory_changed(package, theme.filename, file_size=100), None
    yield "theme_said_to_be_longer", _directory_changed(package, theme.filename, file_size=theme.file_size + 1), None
    yield "theme_with_a_wrong_crc", _directory_changed(package, theme.filename, crc=theme.CRC ^ 1), None
    yield "theme_ends_at_its_head", _directory_changed(package, theme.filename,
                                                       compress_size=_cut_at_the_head(package, theme)), None
    for package, name in ((_package(parts), "seed"), (_package(noisy), "incompressible")):
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            info = next(i for i in zf.infolist() if "theme" in i.filename)
        begin = safety_quick.start(package, info)
        for offset in (5, info.compress_size // 2, info.compress_size - 3, info.compress_size - 1):
            corrupt = bytearray(package)
            corrupt[begin + offset] ^= 0x55
            yield f"{name}_corrupt_theme_at_{offset}", bytes(corrupt), None   # refused or not: as zipfile reads it


@pytest.mark.parametrize("name,data,refused", list(_theme_packages()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_part_read_to_its_head_is_refused_the_same_way(name, data, refused, tmp_path, monkeypatch):
    path = tmp_path / f"{name}.xlsx"
    got = outcome(path, data)
    assert got == plain_outcome(path, data, monkeypatch)
    if refused is not None:
        assert (got[0] == "UnsafeWorkbook" and "DOCTYPE" in got[1]) == refused, got[:1]


def test_a_head_is_what_a_zipfile_stream_reads_first():
    """``safety_quick.head`` gives ``zf.open(info).read(HEAD)`` whenever it gives anything, and nothing
    when that read fails; on every part of every file and of the odd packages above."""
    packages = [p.read_bytes() for p in ZIPS] + [data for _, data, _ in _theme_packages()]
    given = failed = 0
    for data in packages:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                got = safety_quick.head(data, info)
                try:
                    with zf.open(info) as fh:
                        expected = fh.read(safety_quick.HEAD)
                except Exception:   # noqa: BLE001 - zipfile could not read the head
                    expected = None
                    failed += 1
                assert got is None or got == expected, info.filename
                given += got is not None
    assert given > len(FILES) and failed >= 1


# -- shared-string tables -------------------------------------------------------------------------------

def _table(text: bytes, count: bytes = b'count="3" uniqueCount="3"') -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" ' + count + b">" + text + b"</sst>")


_SI3 = "<si><t>险种</t></si><si><t>sst count=&quot;9&quot;</t></si><si><r><t>收入</t></r></si>".encode()
_NOISE = random.Random(3).randbytes(3 << 20).translate(bytes(97 + i % 10 for i in range(256)))   # a..j: no ">"

# name: (the table, refused by scan_strings: the words its message holds, or None)
TABLES = {
    "as_written": (_table(_SI3), None),
    "declared_4e9": (_table(_SI3, b'count="4000000000" uniqueCount="3"'), "共享字符串表声明了 4000000000 个字符串"),
    "declared_4e9_unique": (_table(_SI3, b'uniqueCount="4000000000" count="3"'), "声明了 4000000000 个"),
    "declared_4e9_second": (_table(_SI3, b'count="3" uniqueCount="4000000000"'), None),   # (the first count is read)
    "declared_after_other_attributes": (_table(_SI3, b'xml:space="preserve" count="2000001"'), "声明了 2000001 个"),
    "declared_with_leading_zeros": (_table(_SI3, b'count="0004000000000"'), "声明了 4000000000 个"),
    "declared_with_5000_digits": (_table(_SI3, b'count="1' + b"0" * 4999 + b'"'), "（5000 位数）"),
    "prefixed": (_table(_SI3, b'count="3"').replace(b"<sst", b"<x:sst", 1), None),
    "prefixed_declared_4e9": (_table(_SI3, b'count="4000000000"').replace(b"<sst", b"<x:sst", 1), "声明了 4000000000 个"),
    "a_second_sst_tag": (_table(_SI3 + b'<sst count="4000000000"/>'), "声明了 4000000000 个"),
    "sst_after_the_last_tag": (_table(_SI3) + b'<sst count="4000000000"', "声明了 4000000000 个"),
    "at_the_limit": (_table(_SI3, b'count="2000000" uniqueCount="2000000"'), None),
    "sst_in_a_string": (_table(_SI3 + b'<si><t>sst count="4000000000"</t></si>'), None),
    "tag_too_long": (_table(b"<si><t>" + _NOISE + b"</t></si>"), "XML 异常（标签过长）"),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_a_hostile_shared_string_table_is_refused_the_same_way(name, tmp_path, monkeypatch):
    table, refused = TABLES[name]
    path = tmp_path / f"{name}.xlsx"
    try:
        safety.scan_strings(path, safety._pieces(None, None, table))
        scanned = None
    except safety.UnsafeWorkbook as exc:
        scanned = str(exc)
    assert (scanned is None) == (refused is None) and (refused is None or refused in scanned), scanned
    if refused is not None:
        assert not safety_quick.strings_fit(table) and str(path) in scanned
    elif name in ("as_written", "prefixed", "at_the_limit"):
        assert safety_quick.strings_fit(table)
    data = _package(_seed_parts() + [("xl/sharedStrings.xml", table)])
    got = outcome(path, data)
    assert got == plain_outcome(path, data, monkeypatch)
    assert (got[0] == "UnsafeWorkbook") == (refused is not None)
    if refused is not None:   # the write-back's precheck (keep=False) streams the part: the same refusal
        with pytest.raises(safety.UnsafeWorkbook) as plain:
            safety.precheck(path, data)
        assert str(plain.value) == got[1]


def test_more_strings_than_the_limit_are_refused_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_STRINGS", 3)
    path = tmp_path / "many.xlsx"
    for extra, refused in ((b"", False), (b"<si><t>4</t></si>", True)):
        table = _table(_SI3 + extra, b'count="3"')
        data = _package(_seed_parts() + [("xl/sharedStrings.xml", table)])
        got = outcome(path, data)
        assert got == plain_outcome(path, data, monkeypatch)
        assert (got[0] == "UnsafeWorkbook" and "共享字符串超过 3 个" in got[1]) == refused
        assert not safety_quick.strings_fit(table)   # 3 strings cannot be told from the length
