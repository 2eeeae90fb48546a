"""Quick ways through the guards of ``xltool.io.safety`` for the common case: a small, plain worksheet and
parts read straight from the package's bytes.

Each function here either gives exactly what the plain way gives or says that it cannot (None, False);
then the plain way runs and meets any error or refusal where it always did. So none of them ever
refuses anything or words a message: they only prove that the plain way would let a part through, or
read bytes that are certainly the ones zipfile reads.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib

from xltool.io import safety

HEAD = 4096                                    # the bytes of a part that tell whether it has a DOCTYPE
_LOCAL = struct.Struct("<4s2xH18xHH")           # a local file header: signature, flags, name and extra lengths


def start(data: bytes, info: zipfile.ZipInfo) -> int | None:
    """Where a part's compressed bytes begin in the package's bytes, when its local header agrees with its
    entry in the central directory the way ``zipfile.ZipFile.open`` checks it and nothing is encrypted,
    patched or missing (all ``compress_size`` bytes are there). None otherwise."""
    at = info.header_offset
    if info.flag_bits & 0x61 or not 0 <= at <= len(data) - 30:
        return None
    magic, flags, size, extra = _LOCAL.unpack_from(data, at)
    if magic != b"PK\x03\x04":
        return None
    name = data[at + 30:at + 30 + size]
    try:   # (ASCII reads the same in UTF-8 and cp437, and its codec is the quickest)
        name = name.decode("ascii" if name.isascii() else "utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    begin = at + 30 + size + extra
    return begin if name == info.orig_filename and begin + info.compress_size <= len(data) else None


def inflated(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes straight from the package's bytes (no zipfile stream), when it is plainly stored or
    deflated and everything agrees: its local header, its whole stream, its size and its CRC. Then they
    are exactly the bytes zipfile reads, and reading any part of them could not have failed. None
    otherwise (encrypted, odd, damaged, or larger than KEEP_PART): zipfile reads it and meets any error."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.file_size > safety.KEEP_PART:
        return None
    begin = start(data, info)
    if begin is None:
        return None
    packed = data[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = packed
    else:
        inflate = zlib.decompressobj(-15)
        try:
            out = inflate.decompress(packed, info.file_size + 1)
        except zlib.error:
            return None
        if not inflate.eof:
            return None
    return out if len(out) == info.file_size and zlib.crc32(out) == info.CRC else None


def head(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """``zf.open(info).read(HEAD)`` of a deflated part longer than HEAD, without inflating the rest.
    That read (``ZipExtFile._read1``) feeds the first HEAD compressed bytes (all of them when fewer) to a
    fresh decompressor asking for HEAD bytes; when HEAD bytes come without an error and the stream is
    not at its end (the decompressor's, or all input read and none left over), it returns them as they
    are: no CRC is checked before the end. None in any other case (a stream error, a stream that ends
    or gives less, a part stored or small): zipfile reads it as before."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size <= HEAD:
        return None
    begin = start(data, info)
    if begin is None:
        return None
    fed = min(HEAD, info.compress_size)
    inflate = zlib.decompressobj(-15)
    try:
        out = inflate.decompress(data[begin:begin + fed], HEAD)
    except zlib.error:
        return None
    ended = inflate.eof or (fed == info.compress_size and not inflate.unconsumed_tail)
    return out if len(out) == HEAD and not ended else None


# A small worksheet, as Excel, LibreOffice and openpyxl write it: every cell tag starts with its own
# reference (<c r="B7" ...>), no tag has a namespace prefix, every reference lies within the columns
# A..Z (or A..ZZ) and the rows 1..9 (or 99, 999, ...) that the declared dimension's last cell fits in.
_COLUMNS = {1: 26, 2: 26 * 27}                 # the largest column written with this many letters
_ODD_CELL = re.compile(rb'<c(?:[>/]|\s(?!r="[A-Za-z]+[0-9]*"))')   # a <c> tag not starting with a reference
_MERGE_TAG_LEN = 22                            # the shortest text safety._MERGE matches: <mergeCell ref="A1:A1"
_ROW_TAG_LEN = 5                               # ... and safety._ROW: <row>
_outside: dict[tuple[int, int], tuple[re.Pattern, re.Pattern]] = {}


def _outside_patterns(letters: int, digits: int) -> tuple[re.Pattern, re.Pattern]:
    """Two patterns: a reference (as ``safety._REF`` finds it) and a merged range (as ``safety._MERGE``)
    that is not written with at most this many column letters and row digits (no leading zero)."""
    if (letters, digits) not in _outside:
        cell = rb"[A-Z]{1,%d}[1-9][0-9]{0,%d}" % (letters, digits - 1)
        _outside[letters, digits] = (
            re.compile(rb'r="(?<=\sr=")(?![A-Za-z]{0,%d}[1-9][0-9]{0,%d}")[A-Za-z]*[0-9]*"' % (letters, digits - 1)),
            re.compile(rb'mergeCell\s+ref="(?!%s:%s")' % (cell, cell)))
    return _outside[letters, digits]


def sheet_fits(data: bytes) -> bool:
    """True only when ``safety.scan_sheet`` certainly lets this worksheet (the whole part) through;
    False when it cannot tell (then scan_sheet runs and refuses or not, as ever).

    It holds when the part is one piece for scan_sheet (at most a CHUNK, nothing but white space after
    its last ">"), it declares a dimension, and no tag has a prefix (as scan_sheet
    counts tags); when every reference and merged range lies within the bounds read off the
    dimension's last cell (``_outside_patterns``: C columns, rows below R = 10^digits) and every
    <c> tag starts with a reference with letters: then each cell has its own reference with letters,
    so scan_sheet's cells - with_ref <= 0 and its column count c_eff <= C; its row count r_eff is at
    most max(R - 1, rows), and rows (non-overlapping <row> tags) at most len // 5 (or counted); a merged range
    covers at most (R - 1) * C cells and there are at most len // 22 of them; the dimension declares at
    most (R - 1) * C cells. Those bounds within the limits, scan_sheet refuses nothing."""
    cut = data.rfind(b">") + 1
    if len(data) > safety.CHUNK or (cut < len(data) and not data[cut:].isspace()):
        return False
    dimension = safety._DIMENSION.search(data)
    if dimension is None or safety._PREFIXED.search(data):
        return False
    letters, digits = len(dimension.group(3) or dimension.group(1)), len(dimension.group(4) or dimension.group(2))
    if letters not in _COLUMNS or digits > 7:
        return False
    columns, rows = _COLUMNS[letters], max(10 ** digits - 1, len(data) // _ROW_TAG_LEN)
    if rows > safety.MAX_ROW or rows * columns > safety.MAX_CELLS:   # then the <row> tags counted
        rows = max(10 ** digits - 1, len(safety._ROW.findall(data)))
    if rows > safety.MAX_ROW or columns > safety.MAX_COL or rows * columns > safety.MAX_CELLS \
            or len(data) // _MERGE_TAG_LEN > safety.MAX_MERGES:
        return False
    reference, merge = _outside_patterns(letters, digits)
    return not (reference.search(data) or _ODD_CELL.search(data) or merge.search(data))


# after every "sst", whatever precedes it (safety._SST_COUNT wants "<" and a prefix), the count it declares
_SST_COUNT_AFTER = re.compile(rb'sst(?=\b[^>]*?\s(?:uniqueCount|count)="(\d+)")')


def strings_fit(data: bytes) -> bool:
    """True only when ``safety.scan_strings`` certainly lets this shared-string table (the whole part) through;
    False when it cannot tell. It holds when the part is at most a CHUNK (one piece: no tag too long) and so
    holds at most len // 4 strings (each <si> takes 4 bytes), within the limit, and every count declared
    after an "sst" (each of scan_strings' matches is one; "sst" cannot overlap itself, so none is skipped)
    is within the limit too."""
    if len(data) > safety.CHUNK or len(data) // 4 > safety.MAX_STRINGS:
        return False
    return all(len(n) <= 7 and int(n) <= safety.MAX_STRINGS for n in _SST_COUNT_AFTER.findall(data))
