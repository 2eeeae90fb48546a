"""Uploaded files onto disk, safely: hostile names, zip archives of folders, size and count limits.

Every name is reduced to plain path parts (no ``..``, no absolute paths, no
drive letters, no control characters); a ``.zip`` is unpacked into a folder of
its own name, keeping its folder layout, with limits on the number of members,
each member's size and the total (a zip bomb stops at the limit). Names in zips
made by Chinese Windows (GBK, without the UTF-8 flag) are decoded as such.
Anything that cannot be taken becomes a ``Rejected`` entry with a Chinese reason,
shown as a failed row; nothing raises.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xltool.convert import SUFFIXES

CHUNK = 1024 * 1024


@dataclass
class Rejected:
    file: str
    reason: str


@dataclass
class Limits:
    max_file: int
    max_total: int
    max_files: int


def safe_parts(name: str) -> list[str]:
    """A client-supplied path as safe path parts ([] when nothing is left)."""
    parts = []
    for part in re.split(r"[\\/]+", name or ""):
        part = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "_", part).strip().rstrip(". ")
        if part in ("", ".", ".."):
            continue
        parts.append(part[:120])
    return parts[-12:]


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name; without the UTF-8 flag, the bytes are tried as UTF-8, then GBK (Chinese Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def unique(path: Path) -> Path:
    """path, or "name (2).xlsx", "name (3).xlsx"… when taken (case-insensitively, as on Windows)."""
    taken = {p.name.lower() for p in path.parent.iterdir()} if path.parent.exists() else set()
    if path.name.lower() not in taken:
        return path
    n = 2
    while f"{path.stem} ({n}){path.suffix}".lower() in taken:
        n += 1
    return path.with_name(f"{path.stem} ({n}){path.suffix}")


def is_workbook(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES and not Path(name).name.startswith(("~$", ".~"))


class Intake:
    """Puts uploaded files under ``root``; counts what it took against the limits."""

    def __init__(self, root: Path, limits: Limits):
        self.root = root
        self.limits = limits
        self.total = 0
        self.count = 0
        self.rejected: list[Rejected] = []
        root.mkdir(parents=True, exist_ok=True)

    def _room(self, shown: str, size: int) -> bool:
        if self.count >= self.limits.max_files:
            self.rejected.append(Rejected(shown, f"文件过多：一次最多 {self.limits.max_files} 个工作簿"))
            return False
        if size > self.limits.max_file:
            self.rejected.append(Rejected(shown, f"文件过大（上限 {self.limits.max_file // CHUNK} MB）"))
            return False
        if self.total + size > self.limits.max_total:
            self.rejected.append(Rejected(shown, f"上传总量超过 {self.limits.max_total // CHUNK} MB"))
            return False
        return True

    def add_stream(self, name: str, stream) -> None:
        """One uploaded file (a workbook or a .zip); ``stream`` is a binary file object."""
        parts = safe_parts(name)
        shown = "/".join(parts) or "（无名文件）"
        if not parts:
            self.rejected.append(Rejected(shown, "文件名无效"))
            return
        if parts[-1].lower().endswith(".zip"):
            self._add_zip(parts, stream)
        elif is_workbook(parts[-1]):
            self._copy(shown, parts, stream)
        else:
            self.rejected.append(Rejected(shown, "不支持的文件类型：请上传 .xlsx、.xlsm、.xls 工作簿或 .zip 压缩包"))

    def _copy(self, shown: str, parts: list[str], stream, size_hint: int = 0) -> None:
        if not self._room(shown, size_hint):
            return
        target = unique(self.root.joinpath(*parts))
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open(target, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > self.limits.max_file or self.total + written > self.limits.max_total:
                    break
                out.write(chunk)
        if written > self.limits.max_file or self.total + written > self.limits.max_total:
            target.unlink()
            self._room(shown, written)   # records the reason
            return
        self.total += written
        self.count += 1

    def _add_zip(self, parts: list[str], stream) -> None:
        shown = "/".join(parts)
        folder = parts[:-1] + [re.sub(r"\.zip$", "", parts[-1], flags=re.I) or "压缩包"]
        try:
            archive = zipfile.ZipFile(stream)
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            self.rejected.append(Rejected(shown, "压缩包无法打开（不是有效的 .zip 文件）"))
            return
        if len(members) > 10 * self.limits.max_files:
            self.rejected.append(Rejected(shown, f"压缩包内文件过多（{len(members)} 个）"))
            return
        with archive:
            for info in members:
                if info.is_dir():
                    continue
                inner = safe_parts(member_name(info))
                if not inner or not is_workbook(inner[-1]) or "__MACOSX" in inner:
                    continue
                label = f"{shown}/{'/'.join(inner)}"
                if info.flag_bits & 0x1:
                    self.rejected.append(Rejected(label, "压缩包内文件已加密，无法读取"))
                    continue
                try:
                    with archive.open(info) as member:
                        self._copy(label, folder + inner, member, size_hint=info.file_size)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                    self.rejected.append(Rejected(label, f"压缩包内文件无法解压（{exc}）"))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")
