"""The one pass over a package (``safety.precheck(keep=True)``) refuses exactly what the plain precheck
refuses, with the same message, and the parts it keeps are the parts' bytes.

Check-only reading (``io.calamine.read_grid_fast``) keeps the parts the safety scan reads whole and
hands them to ``io.numfmt.read_formats`` instead of opening the package again; write-back prechecks
without keeping. Both must refuse every bad input of tests/bad_inputs the same way, and the
formats read from the kept parts must equal those read from the package.
"""
import io
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from xltool.io import numfmt, safety, safety_quick

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
import make_corpus  # noqa: E402

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
REAL = sorted(p for p in (ROOT / "tests" / "data" / "real").iterdir() if p.suffix in (".xlsx", ".xlsm"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    make_corpus.make(folder)
    return folder


def outcome(path: Path, data: bytes, keep: bool):
    try:
        safety.precheck(path, data, keep=keep)
    except Exception as exc:   # noqa: BLE001 - the kind and the message are what is compared
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("name", list(make_corpus.CASES))
def test_keeping_parts_refuses_what_the_plain_check_refuses(corpus, name):
    path = corpus / name
    data = path.read_bytes()
    plain = outcome(path, data, keep=False)
    assert outcome(path, data, keep=True) == plain


def _variants():
    """Packages that differ from a seed in the ways the one pass must notice."""
    seed = SEEDS[0].read_bytes()
    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]

    def package(change):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in parts:
                for name, new in change(info.filename, data):
                    zf.writestr(name, new)
        return out.getvalue()

    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
    yield "doctype_in_styles", package(lambda n, d: [(n, doctype + d if n == "xl/styles.xml" else d)])
    yield "doctype_in_sheet", package(lambda n, d: [(n, doctype + d if n == "xl/worksheets/sheet1.xml" else d)])
    yield "doctype_late_in_theme", package(lambda n, d: [(n, d + doctype if "theme" in n else d)])   # passes both
    yield "sheet_twice", package(lambda n, d: [(n, d)] + ([(n, d.replace(b"<sheetData>", b"<sheetData>"
                                                       b'<row r="1"><c r="XFD1048576"><v>1</v></c></row>'))]
                                                      if n == "xl/worksheets/sheet1.xml" else []))
    yield "merge_with_prefix", package(lambda n, d: [(n, d.replace(b"</worksheet>", b'<x:mergeCell ref="A1:ZZ90000"/>'
                                                                  b"</worksheet>") if n.endswith("sheet1.xml") else d)])
    yield "seed", seed
    yield "stored", package(lambda n, d: [(zipfile.ZipInfo(n), d)])   # ZipInfo: no compression
    yield "after_a_prefix", b"#!prefix\n" * 7 + seed                  # offsets shifted (a self-extractor)
    yield "utf8_names", package(lambda n, d: [(n, d)] + ([("xl/媒体.xml", b"<a/>")] if n == "xl/styles.xml" else []))
    # a byte of a part's compressed data changed (a corrupt stream or a wrong CRC): the worksheet is read
    # whole by the scan (refused); the styles only to their head by the plain check (not refused)
    for part in ("xl/worksheets/sheet1.xml", "xl/styles.xml"):
        with zipfile.ZipFile(io.BytesIO(seed)) as zf:
            info = zf.getinfo(part)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for offset in (10, info.compress_size // 2, info.compress_size - 3):
            corrupt = bytearray(seed)
            corrupt[start + offset] ^= 0x55
            yield f"corrupt_{part.split('/')[-1]}_at_{offset}", bytes(corrupt)


@pytest.mark.parametrize("name,data", list(_variants()), ids=lambda v: v if isinstance(v, str) else "")
def test_keeping_parts_refuses_what_the_plain_check_refuses_in_odd_packages(name, data, tmp_path):
    path = tmp_path / f"{name}.xlsx"
    plain = outcome(path, data, keep=False)
    assert outcome(path, data, keep=True) == plain
    if name in ("doctype_in_styles", "doctype_in_sheet") or name in ("sheet_twice", "merge_with_prefix"):
        assert plain is not None and str(path) in plain[1]   # the variants are refused, naming the file


@pytest.mark.parametrize("path", SEEDS + REAL, ids=lambda p: p.name)
def test_kept_parts_are_the_parts_and_serve_the_formats(path):
    data = path.read_bytes()
    refused = outcome(path, data, keep=False)
    if refused is not None:   # an encrypted workbook: refused the same way either way
        assert outcome(path, data, keep=True) == refused
        return
    parts = safety.precheck(path, data, keep=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert parts.names == set(zf.namelist())
        for name, kept in parts.items():
            assert kept == zf.read(name)
        sheets = [n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
    assert sheets and set(sheets) <= set(parts) and "xl/styles.xml" in parts
    assert numfmt.read_formats(io.BytesIO(data), parts) == numfmt.read_formats(io.BytesIO(data))


def test_parts_read_straight_from_the_bytes_are_what_zipfile_reads():
    """``safety_quick.inflated`` gives a part's bytes only when they are exactly zipfile's, and None when
    zipfile would fail (a corrupt stream, a wrong CRC)."""
    packages = [p.read_bytes() for p in SEEDS + REAL] + [data for _, data in _variants()]
    read = refused = 0
    for data in packages:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            continue
        for info in zf.infolist():
            try:
                expected = zf.read(info)
            except Exception:   # noqa: BLE001
                expected = None
            got = safety_quick.inflated(data, info)
            assert got == expected or (got is None and info.file_size > safety.KEEP_PART), info.filename
            read += got is not None
            refused += expected is None
    assert read > 300 and refused >= 4


def test_merges_are_found_from_the_first_merge_tag_on():
    pieces = [b'<sheetData/><mergeCells><mergeCell ref="A1:B2"/><mergeCell ref="C3:D4"/></mergeCells>',
              b'<x:mergeCell ref="A1:B2"/><mergeCell ref="C1:C9"/>',
              b'mergeCell ref="A1:B2"/><mergeCell ref="E1:F2"/>',
              b'<a><bcd:mergeCell  ref="AA10:AB20"/>',
              b'<c r="A1"><v>mergeCell</v></c><mergeCell ref="B1:B5"/>',
              b"<sheetData/>", b""]
    for piece in pieces:
        assert [m.groups() for m in safety._merges(piece)] == [m.groups() for m in safety._MERGE.finditer(piece)]
    assert len(list(safety._merges(pieces[0]))) == 2


def test_references_are_found_as_by_white_space_then_r():
    """``_REF`` finds r="…" from the literal first; it must find what ``\\sr="…"`` finds."""
    plain = re.compile(rb'\sr="([A-Za-z]*)([0-9]*)"')
    pieces = [b'<row r="1"><c r="A1" s="2"/><c\tr="XFD1048576"/><c\nr="B"/></row>', b'r="A1"<c r="Z9">',
              b' r="" r="A1"', b'<c xr="A1" ar="B2"/><c  r="C3"/>', b'\x0cr="AAAA1"\rr="1"\x0br="a1"']
    pieces += [zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml") for p in SEEDS[:5]]
    for piece in pieces:
        assert safety._REF.findall(piece) == plain.findall(piece)
    assert len(safety._REF.findall(pieces[0])) == 4


def test_cells_and_rows_are_counted_as_by_one_pattern():
    pieces = [b'<row r="1"><c r="A1"/><c>1</c><c\nr="B1"/><cols/><row/><rows/></row>', b"<x:row><x:c r='A1'/><c/>",
              b'<c:c/><ab_1:row r="2"><cx/><c', b"<c/"]
    pieces += [zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml") for p in SEEDS[:5]]
    for piece in pieces:
        tags = safety._CELL_OR_ROW.findall(piece)
        assert safety._cells_and_rows(piece) == (tags.count(b"c"), tags.count(b"row"))
    assert safety._cells_and_rows(pieces[1]) == (2, 1) and safety._cells_and_rows(pieces[0]) == (3, 2)


def test_a_file_is_read_whole_up_to_the_limit(tmp_path, monkeypatch):
    """``read_bytes`` reads what the file holds, refuses one larger than MAX_FILE, and reads on when the
    file holds more than its size said (it grew while read, or it is a pipe)."""
    monkeypatch.setattr(safety, "MAX_FILE", 1000)
    exact, small, big = tmp_path / "exact.xlsx", tmp_path / "small.xlsx", tmp_path / "big.xlsx"
    exact.write_bytes(b"a" * 1000)
    small.write_bytes(b"b" * 10)
    big.write_bytes(b"c" * 1001)
    assert safety.read_bytes(exact) == b"a" * 1000 and safety.read_bytes(small) == b"b" * 10
    with pytest.raises(safety.UnsafeWorkbook, match="big.xlsx"):
        safety.read_bytes(big)
    real_fstat = os.fstat

    def stale(fd):   # the size as it was before the file grew
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 5,
                               st.st_atime, st.st_mtime, st.st_ctime))
    monkeypatch.setattr(safety.os, "fstat", stale)
    assert safety.read_bytes(exact) == b"a" * 1000
    with pytest.raises(safety.UnsafeWorkbook, match="big.xlsx"):
        safety.read_bytes(big)
