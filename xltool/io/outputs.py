"""The one check every writing command makes before it writes anything: no output replaces a file silently.

``refuse(targets, inputs=..., overwrite=...)`` is called with all the outputs a command is about to
write, before the first is written. It refuses, with one Chinese line naming the paths:

- an output that is one of the command's inputs (the same file, by any name: symbolic or hard
  link) — always, even with ``--overwrite``;
- two outputs that are the same file (``a.xls`` and ``a.xlsx`` both becoming ``a.xlsx``);
- an output that exists already — unless the user asked for it with ``--overwrite``.

The commands' ``--overwrite`` option (``OPTION``, help text ``OPTION_HELP``) is the only way to
replace an existing output; the replacement is then atomic (``io.atomic``).
"""
from __future__ import annotations

import os
from pathlib import Path

OPTION = "--overwrite"
OPTION_HELP = "覆盖已存在的输出文件（默认拒绝）"
SHOWN = 3   # paths named in a message; the rest are counted


def _error(message: str):
    from xltool.workbooks import XltoolError

    return XltoolError(message)


def _identity(path: Path, folders: dict):
    """What makes two names the same file: device and inode when it exists, else the resolved path
    (``folders`` caches each folder's resolution: a batch has thousands of outputs in a few folders)."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        parent = os.path.dirname(os.path.abspath(path))
        if parent not in folders:
            folders[parent] = os.path.realpath(parent)
        return ("path", os.path.normcase(os.path.join(folders[parent], os.path.basename(path))))


def _names(paths) -> str:
    paths = [str(p) for p in paths]
    shown = "、".join(paths[:SHOWN])
    return shown if len(paths) <= SHOWN else f"{shown} 等 {len(paths)} 个"


def refuse(targets, inputs=(), overwrite: bool = False) -> None:
    """Raise (``XltoolError``, one line) unless every target may be written; see the module docstring.

    targets: output paths, or (output, the input it is made from) pairs (so that a clash names both).
    """
    pairs = [(Path(t[0]), t[1]) if isinstance(t, tuple) else (Path(t), None) for t in targets]
    folders: dict = {}
    given = {}
    for src in inputs:
        given.setdefault(_identity(Path(src), folders), Path(src))
    identities = [_identity(target, folders) for target, _ in pairs]
    for (target, _), identity in zip(pairs, identities):
        src = given.get(identity)
        if src is not None:
            raise _error(f"{target}：输出文件就是输入文件 {src}，已拒绝覆盖（未写入任何文件；请换一个输出位置）")
    seen: dict = {}
    for (target, src), identity in zip(pairs, identities):
        first = seen.setdefault(identity, (target, src))
        if first != (target, src):
            both = f"{first[1]} 与 {src}" if first[1] is not None and src is not None else f"{first[0]} 与 {target}"
            raise _error(f"{target}：{both} 的输出是同一个文件，已拒绝覆盖（未写入任何文件；请改名或分开处理）")
    existing = [t for t, _ in pairs if os.path.lexists(t)]
    if existing and not overwrite:
        raise _error(f"输出文件已存在：{_names(existing)}，已拒绝覆盖（未写入任何文件；确需覆盖请加 {OPTION}）")
    dirs = [t for t in existing if os.path.isdir(t) and not os.path.islink(t)]
    if dirs:
        raise _error(f"{_names(dirs)}：是文件夹，不能作为输出文件")
