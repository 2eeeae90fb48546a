"""Guards applied before a workbook is parsed or rewritten (stdlib only).

- an empty file, a corrupt or truncated zip, a legacy .xls or an encrypted
  (password-protected) workbook get a clear Chinese message instead of a trace;
- a zip bomb (enormous decompressed size) and oversized sheets are refused
  before anything is decompressed;
- parts that the openpyxl round trip would drop (images, charts, shapes, VBA)
  are detected, so that the openpyxl write-back (the fallback when the package
  patcher cannot edit a workbook) refuses rather than loses them.
XML parsing itself goes through defusedxml (openpyxl picks it up when installed),
which rejects external entities and entity expansion.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024    # bytes, whole package
MAX_SHEET_UNCOMPRESSED = 64 * 1024 * 1024     # bytes, one worksheet part (~ a million-row sheet)
MAX_CELLS = 2_000_000                         # rows × columns a worksheet may declare (<dimension ref>)
MAX_RATIO = 200                               # uncompressed / compressed, per part larger than 1 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
LOSSY_PARTS = (("xl/media/", "图片"), ("xl/charts/", "图表"), ("xl/drawings/drawing", "图形或图片"),
               ("xl/vbaProject.bin", "宏（VBA）"), ("xl/embeddings/", "嵌入对象"), ("xl/pivotTables/", "数据透视表"))


class UnsafeWorkbook(ValueError):
    """The file cannot be opened safely; the message is Chinese and names the file."""


def precheck(path: str | Path) -> None:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsafeWorkbook(f"{path}：无法读取文件（{exc.strerror}）") from exc
    if size == 0:
        raise UnsafeWorkbook(f"{path}：文件为空（0 字节）")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        data = path.read_bytes()
        if ENCRYPTED in data:
            raise UnsafeWorkbook(f"{path}：工作簿设有打开密码（已加密），请在 Excel 中取消密码后再处理")
        if path.suffix.lower() != ".xls":
            raise UnsafeWorkbook(f"{path}：这是旧版 .xls 格式的文件却以 {path.suffix} 为扩展名，请另存为 .xlsx")
        raise UnsafeWorkbook(f"{path}：旧版 .xls 格式，请另存为 .xlsx 后再处理")
    try:
        with zipfile.ZipFile(path) as zf:
            check_parts(path, zf)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UnsafeWorkbook(f"{path}：文件已损坏或不是 xlsx 工作簿（{exc}）") from exc


def check_parts(path: Path, zf: zipfile.ZipFile) -> None:
    """The size, ratio and dimension limits, on an open package."""
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
        if info.filename.startswith("xl/worksheets/sheet"):
            _check_dimension(path, zf, info)
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise UnsafeWorkbook(f"{path}：这是 Excel 二进制工作簿（.xlsb），xltool 不能读写这种格式，"
                             "请在 Excel 中另存为 .xlsx 后再处理")
    refuse_doctype(path, zf)
    if "xl/workbook.xml" not in names:
        raise UnsafeWorkbook(f"{path}：不是 Excel 工作簿（缺少 xl/workbook.xml）")


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')


def _check_dimension(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a sheet that declares more cells than the cap (read from the first bytes only)."""
    with zf.open(info) as fh:
        head = fh.read(4096)
    m = _DIMENSION.search(head)
    if not m or not m.group(3):
        return
    col = lambda letters: sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters.decode())))  # noqa: E731
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = col(m.group(3)) - col(m.group(1)) + 1
    if rows * cols > MAX_CELLS:
        raise UnsafeWorkbook(f"{path}：工作表 {info.filename} 声明了 {rows} 行 × {cols} 列，超过 {MAX_CELLS} 个单元格的上限，"
                             "已拒绝处理（请删除多余的空行空列后再试）")


def lossy_parts(path: str | Path) -> list[str]:
    """What the workbook holds that an openpyxl load/save would not keep (Chinese names)."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    found = []
    for prefix, label in LOSSY_PARTS:
        if any(n.startswith(prefix) for n in names) and label not in found:
            found.append(label)
    return found


def refuse_doctype(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse a package with a DOCTYPE in any XML part: Excel rejects every DTD (and a DTD is where entity
    tricks live). A DOCTYPE precedes the root element, so the first bytes of each part tell."""
    for info in zf.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            with zf.open(info) as fh:
                head = fh.read(4096)
            if b"<!DOCTYPE" in head or "<!DOCTYPE".encode("utf-16-le") in head:
                raise UnsafeWorkbook(f"{path}：无法打开工作簿：部件 {info.filename} 含有 DOCTYPE（文档类型定义）声明，"
                                     "Excel 不接受这样的文件，已拒绝处理")
