"""Limits on a legacy .xls read from its BIFF records, before any reader allocates (olefile only).

The workbook stream is walked record by record: every cell record's row and column, the ROW
records, the declared DIMENSIONS, merged ranges and the SST's declared counts must stay within
the limits of ``safety``; a FILEPASS record means the workbook is encrypted.
"""
from __future__ import annotations

import struct
from pathlib import Path

# cell records that begin with (row u16, column u16)
_CELLS = {0x0203, 0x00FD, 0x027E, 0x0201, 0x0006, 0x0206, 0x0406, 0x0204, 0x0205, 0x00D6,
          0x0001, 0x0002, 0x0003, 0x0004, 0x0005}   # the last five: BIFF2
_MULTI = {0x00BD, 0x00BE}     # MULRK, MULBLANK: row, first column, ..., last column (u16 at the end)
BOF, EOF, DIMENSIONS, ROW, SST, MERGED, FILEPASS = 0x0809, 0x000A, 0x0200, 0x0208, 0x00FC, 0x00E5, 0x002F
MAX_XLS_ROW, MAX_XLS_COL = 65_536, 256


def check(path: Path, data: bytes) -> None:
    import olefile

    from xltool.io.safety import MAX_CELLS, MAX_MERGES, MAX_STRINGS, UnsafeWorkbook

    def refuse(what: str):
        raise UnsafeWorkbook(f"{path}：{what}，已拒绝处理")

    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:   # olefile raises several kinds for a damaged container
        raise UnsafeWorkbook(f"{path}：文件已损坏，无法作为旧版 .xls 打开（{exc}）") from exc
    with ole:
        stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
        if stream is None:
            refuse("旧版 .xls 文件中没有工作簿数据流")
        if ole.get_size(stream) > len(data) * 2 + 2**20:
            refuse("工作簿数据流的声明大小与文件不符")
        body = ole.openstream(stream).read()
    pos, n = 0, len(body)
    max_r = max_c = merges = 0
    while pos + 4 <= n:
        rid, size = struct.unpack_from("<HH", body, pos)
        rec = body[pos + 4: pos + 4 + size]
        pos += 4 + size
        if rid == FILEPASS:
            raise UnsafeWorkbook(f"{path}：工作簿设有打开密码（已加密），请在 Excel 中取消密码后再处理")
        if rid == BOF:
            max_r = max_c = merges = 0
            continue
        if rid == DIMENSIONS and len(rec) >= 10:
            if len(rec) >= 14:
                _, r_last, _, c_last = struct.unpack_from("<IIHH", rec)
            else:
                _, r_last, _, c_last = struct.unpack_from("<HHHH", rec)
            if r_last > MAX_XLS_ROW or c_last > MAX_XLS_COL or r_last * c_last > MAX_CELLS:
                refuse(f"工作表声明了 {r_last} 行 × {c_last} 列，超过 {MAX_CELLS} 个单元格的上限")
            continue
        if rid in _CELLS and len(rec) >= 4:
            r, c = struct.unpack_from("<HH", rec)
            last = c
        elif rid in _MULTI and len(rec) >= 6:
            r, c = struct.unpack_from("<HH", rec)
            (last,) = struct.unpack_from("<H", rec, len(rec) - 2)
        elif rid == ROW and len(rec) >= 6:
            r, c, last = struct.unpack_from("<HHH", rec)
            last = max(c, last - 1)
        elif rid == SST and len(rec) >= 8:
            total, unique = struct.unpack_from("<II", rec)
            if max(total, unique) > MAX_STRINGS:
                refuse(f"共享字符串表声明了 {max(total, unique)} 个字符串，超过 {MAX_STRINGS} 的上限")
            continue
        elif rid == MERGED and len(rec) >= 2:
            (count,) = struct.unpack_from("<H", rec)
            merges += count
            if merges > MAX_MERGES:
                refuse(f"合并区域超过 {MAX_MERGES} 个")
            continue
        else:
            continue
        if last < c or last >= MAX_XLS_COL:
            refuse(f"含有超出工作表范围的单元格（第 {r + 1} 行，第 {last + 1} 列）")
        max_r, max_c = max(max_r, r + 1), max(max_c, last + 1)
        if max_r * max_c > MAX_CELLS:
            refuse(f"的单元格分布在 {max_r} 行 × {max_c} 列的范围内，超过 {MAX_CELLS} 个单元格的上限")
