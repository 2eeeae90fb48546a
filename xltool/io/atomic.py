"""Files appear whole or not at all: write beside the target, then rename over it."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def temp_beside(target: Path) -> Path:
    """An empty temporary file in the target's folder (created with it), hidden from folder walks."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~xltool-", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def publish(tmp: Path, target: Path) -> None:
    """Give the finished file the permissions a new file would have, and put it in place."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, target)


@contextmanager
def replacing(target: str | os.PathLike):
    """``with replacing(path) as tmp: write(tmp)`` — path is replaced only if the block succeeds."""
    target = Path(target)
    tmp = temp_beside(target)
    try:
        yield tmp
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
