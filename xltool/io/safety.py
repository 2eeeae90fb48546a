"""Guards applied before a workbook is parsed or rewritten (stdlib and olefile only).

- an empty file, a corrupt or truncated zip, a renamed legacy .xls or an encrypted
  (password-protected) workbook get a clear Chinese message instead of a trace;
- limits that hold whatever the file declares, checked by streaming the parts before any reader
  allocates anything dense: the package's decompressed size and ratio, every cell coordinate and
  row number actually present in every worksheet (not the ``<dimension>`` it declares), the
  bounding box they span, merged ranges and the shared-string count; for a legacy ``.xls`` the
  same from its BIFF records (DIMENSIONS, ROW, cell records, SST, MERGEDCELLS);
- the openpyxl write-back (the fallback when the package patcher cannot edit a workbook) keeps
  only what is on an allow-list (``fallback_refusal``): any other part, or content of a worksheet
  openpyxl drops (extensions such as sparklines and x14 data validations), makes it refuse.
XML parsing itself goes through defusedxml (openpyxl picks it up when installed),
which rejects external entities and entity expansion.
"""
from __future__ import annotations

import errno
import io
import os
import re
import zipfile
import zlib
from pathlib import Path

MAX_FILE = 128 * 1024 * 1024                  # bytes on disk
MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024    # bytes, whole package
MAX_SHEET_UNCOMPRESSED = 64 * 1024 * 1024     # bytes, one worksheet part (~ a million-row sheet)
MAX_CELLS = 2_000_000                         # rows × columns a worksheet may span (from A1)
MAX_MERGES = 20_000                           # merged ranges per worksheet
MAX_STRINGS = 2_000_000                       # shared strings, declared or present
MAX_ROW, MAX_COL = 1_048_576, 16_384          # Excel's sheet
MAX_RATIO = 200                               # uncompressed / compressed, per part larger than 1 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
CHUNK = 1 << 20
KEEP_PART = 4 * CHUNK                         # ``precheck(keep=True)``: parts kept whole for the readers after it,
KEEP_TOTAL = 32 * CHUNK                       # up to this much of the package (larger ones are streamed as ever)

# The openpyxl fallback: parts it reads and writes back (regular expressions on the part name).
FALLBACK_KEEPS = [r"\[Content_Types\]\.xml", r"_rels/\.rels", r"docProps/(app|core|custom)\.xml",
                  r"xl/workbook\.xml", r"xl/_rels/workbook\.xml\.rels", r"xl/styles\.xml", r"xl/theme/theme\d+\.xml",
                  r"xl/sharedStrings\.xml", r"xl/worksheets/sheet\d+\.xml", r"xl/worksheets/_rels/sheet\d+\.xml\.rels",
                  r"xl/comments\d*\.xml", r"xl/comments/comment\d+\.xml", r"xl/tables/table\d+\.xml",
                  r"xl/tables/_rels/table\d+\.xml\.rels", r"xl/drawings/vmlDrawing\d+\.vml",
                  r"xl/drawings/commentsDrawing\d+\.vml", r"xl/externalLinks/externalLink\d+\.xml",
                  r"xl/externalLinks/_rels/externalLink\d+\.xml\.rels",
                  r"xl/calcChain\.xml"]          # a cache Excel rebuilds (full recalculation on load)
_KEEPS = re.compile("|".join(f"(?:{p})" for p in FALLBACK_KEEPS))
_PART_LABELS = (("xl/media/", "图片"), ("xl/charts/", "图表"), ("xl/drawings/", "图形或图片"),
                ("xl/vbaProject", "宏（VBA）"), ("xl/embeddings/", "嵌入对象"), ("xl/pivot", "数据透视表"),
                ("customXml/", "自定义 XML"), ("xl/printerSettings/", "打印机设置"), ("xl/slicer", "切片器"),
                ("xl/ctrlProps/", "表单控件"), ("xl/activeX/", "ActiveX 控件"), ("xl/timeline", "日程表"),
                ("xl/queryTables/", "查询"), ("xl/connections", "数据连接"), ("xl/richData/", "单元格内图片"))


class UnsafeWorkbook(ValueError):
    """The file cannot be opened safely; the message is Chinese and names the file."""


class Named(io.BytesIO):
    """A file's bytes, read once, carrying the file's path for messages (``.name``); ``checked``: these
    bytes have passed ``precheck`` already (the package limits need not be scanned again)."""

    def __init__(self, data: bytes, name: str | Path, checked: bool = False):
        super().__init__(data)
        self.name = str(name)
        self.checked = checked


_ERRNO_ZH = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
             errno.EROFS: "只读文件系统", errno.ENOENT: "路径不存在", errno.EDQUOT: "超出磁盘配额",
             errno.EISDIR: "是文件夹", errno.ENOTDIR: "路径中有一段不是文件夹", errno.ENAMETOOLONG: "文件名过长",
             errno.EIO: "读写设备出错", errno.EEXIST: "已存在", errno.EXDEV: "不在同一文件系统"}


def os_message(path: str | Path, exc: OSError, doing: str = "写入") -> str:
    """One Chinese line naming the path for an operating-system error."""
    reason = _ERRNO_ZH.get(exc.errno or 0) or (exc.strerror or type(exc).__name__)
    return f"{path}：无法{doing}（{reason}）"


def read_bytes(path: str | Path) -> bytes:
    """The whole file, read once (refused when larger than MAX_FILE); OS errors as UnsafeWorkbook."""
    path = path if isinstance(path, Path) else Path(path)
    try:
        with path.open("rb") as fh:
            # as much as the file holds (one more byte tells it grew), not MAX_FILE + 1: a read that size
            # allocates that size first (~20 µs a file); a file that grew or a pipe is read on to the limit
            want = min(os.fstat(fh.fileno()).st_size, MAX_FILE) + 1
            data = fh.read(want)
            if len(data) == want and want <= MAX_FILE:
                data += fh.read(MAX_FILE + 1 - want)
    except IsADirectoryError as exc:
        raise UnsafeWorkbook(f"{path}：是文件夹，不是工作簿") from exc
    except OSError as exc:
        raise UnsafeWorkbook(os_message(path, exc, "读取文件")) from exc
    if len(data) > MAX_FILE:
        raise UnsafeWorkbook(f"{path}：文件超过 {MAX_FILE // 2**20} MB 的上限，已拒绝处理")
    return data


class Parts(dict):
    """Part name → bytes of the parts ``precheck(keep=True)`` read whole anyway (worksheets, shared strings,
    styles, the workbook and its relationships, when small): the readers after it need not open the
    package again. ``names``: every part name in the package."""
    names: frozenset = frozenset()


def _kept(name: str) -> bool:
    return name in _KEPT_NAMES or bool(_SHEET_PART.fullmatch(name))


_KEPT_NAMES = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"}
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def precheck(path: str | Path, data: bytes | None = None, keep: bool = False) -> Parts | None:
    """All the guards, on the file's bytes (read here when not given). A legacy .xls is checked by its
    records; any other OLE file (a renamed .xls, an encrypted workbook) is refused.

    ``keep``: return the xlsx parts the checks read whole (``Parts``; None for a legacy .xls), so that
    one pass over the package serves the checks and the readers after them."""
    path = path if isinstance(path, Path) else Path(path)
    if data is None:
        data = read_bytes(path)
    if not data:
        raise UnsafeWorkbook(f"{path}：文件为空（0 字节）")
    if data[:8] == OLE_MAGIC:
        if ENCRYPTED in data:
            raise UnsafeWorkbook(f"{path}：工作簿设有打开密码（已加密），请在 Excel 中取消密码后再处理")
        if path.suffix.lower() != ".xls":
            raise UnsafeWorkbook(f"{path}：这是旧版 .xls 格式的文件却以 {path.suffix} 为扩展名，请另存为 .xlsx")
        from xltool.io import biff

        biff.check(path, data)
        return None
    if path.suffix.lower() == ".xls":
        raise UnsafeWorkbook(f"{path}：扩展名为 .xls，但不是旧版 Excel 文件（文件已损坏或格式不符）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return check_parts(path, zf, Parts() if keep else None, data)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UnsafeWorkbook(f"{path}：文件已损坏或不是 xlsx 工作簿（{exc}）") from exc


def check_parts(path: Path, zf: zipfile.ZipFile, parts: Parts | None = None, data: bytes | None = None) -> Parts | None:
    """The size, ratio, coordinate and count limits, on an open package; ``parts`` (when given) is
    filled with the parts read whole (see ``Parts``) and returned. ``data``: the package's bytes
    (zf reads them), for reading small parts straight from them (``safety_quick.inflated``)."""
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnsafeWorkbook(f"{path}：解压后大小 {total // 2**20} MB 超过上限 {MAX_TOTAL_UNCOMPRESSED // 2**20} MB，"
                             "疑为压缩炸弹，已拒绝处理")
    for info in infos:
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeWorkbook(f"{path}：部件 {info.filename} 压缩比异常（{info.file_size // max(info.compress_size, 1)}"
                                 " 倍），疑为压缩炸弹，已拒绝处理")
        if info.filename.startswith("xl/worksheets/") and info.file_size > MAX_SHEET_UNCOMPRESSED:
            raise UnsafeWorkbook(f"{path}：工作表 {info.filename} 过大（{info.file_size // 2**20} MB），超过单表上限"
                                 f" {MAX_SHEET_UNCOMPRESSED // 2**20} MB，已拒绝处理")
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise UnsafeWorkbook(f"{path}：这是 Excel 二进制工作簿（.xlsb），xltool 不能读写这种格式，"
                             "请在 Excel 中另存为 .xlsx 后再处理")
    refuse_doctype(path, zf, parts, data)
    if "xl/workbook.xml" not in names:
        raise UnsafeWorkbook(f"{path}：不是 Excel 工作簿（缺少 xl/workbook.xml）")
    for info in infos:
        if _SHEET_PART.fullmatch(info.filename):
            whole = _whole(zf, info, parts)
            if whole is None or not _quick.sheet_fits(whole):   # (fits: scan_sheet would let it through)
                scan_sheet(path, info.filename, _pieces(zf, info, whole))
        elif info.filename == "xl/sharedStrings.xml":
            whole = _whole(zf, info, parts)
            if whole is None or not _quick.strings_fit(whole):
                scan_strings(path, _pieces(zf, info, whole))
    if parts is not None:
        parts.names = frozenset(names)
    return parts


def _whole(zf: zipfile.ZipFile, info: zipfile.ZipInfo, parts: Parts | None) -> bytes | None:
    """The part's bytes when they were kept (and are this entry's: with a duplicate name, zf.read gives the last)."""
    data = parts.get(info.filename) if parts is not None else None
    return data if data is not None and zf.getinfo(info.filename) is info else None


def _pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo, whole: bytes | None):
    """The part in the pieces ``_chunks`` reads, from its bytes when they were kept (``whole``)."""
    if whole is None:
        return _chunks(zf, info)
    return (whole[i:i + CHUNK] for i in range(0, len(whole), CHUNK))


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _tags(chunks):
    """The stream cut at tag ends, so that no tag is split between two pieces."""
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        cut = buf.rfind(b">") + 1
        carry = buf[cut:]
        if len(carry) > CHUNK:   # a "tag" longer than a megabyte: no workbook writes that
            raise ValueError("tag too long")
        yield buf[:cut]
    yield carry


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')
# every r="…" after white space; the literal first (then the white space before it) lets the engine jump
# from one r=" to the next (twice as fast as \sr="…"; the same matches)
_REF = re.compile(rb'r="(?<=\sr=")([A-Za-z]*)([0-9]*)"')
_CELL_OR_ROW = re.compile(rb"<(?:\w+:)?(c|row)[\s>/]")   # one pass counts both
# the same without a prefix (the literal first: faster), when no prefixed <x:c or <x:row is there
_CELL, _ROW, _PREFIXED = re.compile(rb"<c[\s>/]"), re.compile(rb"<row[\s>/]"), re.compile(rb":(?:c|row)[\s>/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
_SST_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\s(?:uniqueCount|count)="(\d+)"')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _merges(piece: bytes):
    """``_MERGE.finditer(piece)``, started at the tag of the first "mergeCell" (no match can start before
    it: between a match's "<" and its "mergeCell" there is only a prefix, no "<")."""
    at = piece.find(b"mergeCell")
    if at < 0:
        return ()
    return _MERGE.finditer(piece, max(piece.rfind(b"<", 0, at), 0))


def _cells_and_rows(piece: bytes) -> tuple[int, int]:
    """How many <c> and <row> tags (``_CELL_OR_ROW``) a piece holds."""
    if _PREFIXED.search(piece):   # any prefixed match holds ":c" or ":row" and its next character
        tags = _CELL_OR_ROW.findall(piece)
        return tags.count(b"c"), tags.count(b"row")
    return len(_CELL.findall(piece)), len(_ROW.findall(piece))


def scan_sheet(path: Path, part: str, chunks) -> None:
    """Every cell coordinate and row number present (not the declared dimension), bounded."""
    max_r = max_c = cells = rows = with_ref = merges = 0

    def refuse(what: str):
        raise UnsafeWorkbook(f"{path}：工作表 {part} {what}，已拒绝处理（请删除多余的空行空列后再试）")

    try:
        for piece in _tags(chunks):
            if not piece:   # (the empty tail after the last tag) nothing to count, nothing new to check
                continue
            if max_r == 0 and (m := _DIMENSION.search(piece)) and m.group(3):
                r, c = int(m.group(4)), _col(m.group(3))
                if r * c > MAX_CELLS:
                    refuse(f"声明了 {r} 行 × {c} 列，超过 {MAX_CELLS} 个单元格的上限")
            refs = _REF.findall(piece)
            if refs:   # looked at per distinct column and row (a sheet repeats them), in C where possible
                all_letters, all_digits = zip(*refs)
                letters, digits = set(all_letters), set(all_digits)
                if any(len(x) > 3 for x in letters) or any(len(x) > 7 or not x for x in digits):
                    bad = next(lt + dg for lt, dg in refs if len(lt) > 3 or len(dg) > 7 or not dg)
                    refuse(f"含有超出工作表范围的单元格引用“{bad.decode('ascii', 'replace')}”")
                with_ref += len(refs) - all_letters.count(b"")
                max_c = max(max_c, *(_col(x) for x in letters))
                max_r = max(max_r, *(int(x) for x in digits))
            c, r = _cells_and_rows(piece)
            cells, rows = cells + c, rows + r
            for m in _merges(piece):
                merges += 1
                if (int(m.group(4)) - int(m.group(2)) + 1) * (_col(m.group(3)) - _col(m.group(1)) + 1) > MAX_CELLS:
                    refuse(f"含有过大的合并区域 {(m.group(1) + m.group(2)).decode()}:{(m.group(3) + m.group(4)).decode()}")
            if merges > MAX_MERGES:
                refuse(f"合并区域超过 {MAX_MERGES} 个")
            r_eff, c_eff = max(max_r, rows), max(max_c, cells - with_ref)
            if r_eff > MAX_ROW or c_eff > MAX_COL:
                refuse(f"有单元格位于第 {r_eff} 行或第 {c_eff} 列，超出工作表范围")
            if r_eff * c_eff > MAX_CELLS:
                refuse(f"的单元格分布在 {r_eff} 行 × {c_eff} 列的范围内，超过 {MAX_CELLS} 个单元格的上限")
    except ValueError as exc:
        if isinstance(exc, UnsafeWorkbook):
            raise
        refuse("的 XML 异常（标签过长）")


def scan_strings(path: Path, chunks) -> None:
    """The shared-string table: the count it declares and the count present, bounded."""
    present = 0
    try:
        for piece in _tags(chunks):
            for m in _SST_COUNT.finditer(piece):
                declared = m.group(1).lstrip(b"0") or b"0"   # (a number too long for int() is too large)
                if len(declared) > 18 or int(declared) > MAX_STRINGS:
                    shown = declared.decode() if len(declared) <= 30 else f"{declared[:30].decode()}…（{len(declared)} 位数）"
                    raise UnsafeWorkbook(f"{path}：共享字符串表声明了 {shown} 个字符串，超过 {MAX_STRINGS} 的上限，已拒绝处理")
            present += len(_SI.findall(piece))
            if present > MAX_STRINGS:
                raise UnsafeWorkbook(f"{path}：共享字符串超过 {MAX_STRINGS} 个，已拒绝处理")
    except ValueError as exc:
        if isinstance(exc, UnsafeWorkbook):
            raise
        raise UnsafeWorkbook(f"{path}：共享字符串表 xl/sharedStrings.xml 的 XML 异常（标签过长），已拒绝处理") from exc


def fallback_refusal(path: str | Path, zf: zipfile.ZipFile) -> list[str]:
    """What the openpyxl write-back would lose (Chinese names); empty when everything is on the allow-list."""
    lost: list[str] = []

    def add(label: str) -> None:
        if label not in lost:
            lost.append(label)

    for name in zf.namelist():
        if name.endswith("/"):
            continue
        if not _KEEPS.fullmatch(name):
            add(next((label for prefix, label in _PART_LABELS if name.startswith(prefix)), f"部件 {name}"))
        elif re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            head = b"".join(_chunks(zf, zf.getinfo(name)))
            if re.search(rb"<(?:\w+:)?extLst[\s>]", head):
                add(f"工作表扩展内容（如迷你图、扩展数据验证，{name}）")
            if re.search(rb"<(?:\w+:)?(?:AlternateContent|controls|oleObjects|picture)[\s>/]", head):
                add(f"控件或对象（{name}）")
        elif name.endswith(".vml"):
            vml = zf.read(name)
            kinds = set(re.findall(rb'ObjectType="(\w+)"', vml))
            if kinds - {b"Note"}:
                add(f"表单控件（{name}）")
    return lost


def lossy_parts(path: str | Path) -> list[str]:
    """What the workbook holds that an openpyxl load/save would not keep (Chinese names)."""
    with zipfile.ZipFile(path) as zf:
        return fallback_refusal(path, zf)


def refuse_doctype(path: Path, zf: zipfile.ZipFile, parts: Parts | None = None, data: bytes | None = None) -> None:
    """Refuse a package with a DOCTYPE in any XML part: Excel rejects every DTD (and a DTD is where entity
    tricks live). A DOCTYPE precedes the root element, so the first bytes of each part tell.

    ``parts``: the small parts the readers need are read on to their end here and kept (a part that
    fails to read on is not kept: whoever needs it reads it again and meets the error where it did).
    ``data``: the package's bytes, for reading parts without a zipfile stream (``safety_quick``): a part
    kept or no longer than its head whole (``inflated``), any other only to its head (``head``)."""
    budget = KEEP_TOTAL
    for info in zf.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            keep = parts is not None and info.file_size <= min(KEEP_PART, budget) and _kept(info.filename)
            whole = None
            if data is not None:
                if keep or info.file_size <= _quick.HEAD:
                    whole = _quick.inflated(data, info)
                elif (head := _quick.head(data, info)) is not None:
                    _refuse_head(path, info, head)
                    continue
            if whole is not None:
                _refuse_head(path, info, whole)
                if keep:
                    parts[info.filename] = whole
                    budget -= info.file_size
                continue
            with zf.open(info) as fh:
                head = fh.read(4096)
                _refuse_head(path, info, head)
                if keep:
                    parts.pop(info.filename, None)
                    try:
                        parts[info.filename] = head + fh.read()
                    except Exception:   # noqa: BLE001 - read again (and refused) by the scan that needs it
                        continue
                    budget -= info.file_size


_DOCTYPE, _DOCTYPE_16 = b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le")


def _refuse_head(path: Path, info: zipfile.ZipInfo, head: bytes) -> None:
    """Refuse a DOCTYPE in the first 4096 bytes of a part (``head``: those bytes, or more of the part); both
    spellings hold a "!" byte, which most heads lack (a byte is looked for quickest)."""
    if head.find(b"!", 0, 4096) >= 0 and (head.find(_DOCTYPE, 0, 4096) >= 0 or head.find(_DOCTYPE_16, 0, 4096) >= 0):
        raise UnsafeWorkbook(f"{path}：无法打开工作簿：部件 {info.filename} 含有 DOCTYPE（文档类型定义）声明，"
                             "Excel 不接受这样的文件，已拒绝处理")


from xltool.io import safety_quick as _quick  # noqa: E402 - it reads this module's limits and patterns
