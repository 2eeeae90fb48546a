"""Files appear whole or not at all, and no temporary file outlives the run, however it ends.

- ``replacing(target)``: write a temporary file beside the target, then rename it over the target;
  ``like=`` an existing file gives the result that file's permissions and owner (in-place writes).
- ``create_once(target, data)``: a file that is written once and never replaced (backups).
- ``copy_into(tmp, target)``: a finished temporary file's bytes copied into the target's own inode
  (a file with several hard links: every link sees the new content). Not atomic: callers make a
  backup first.
- Every temporary file and scratch folder is registered with a *janitor*: a tiny process started
  on first use that outlives this one. It is told of each temporary path before the path exists
  and of its end after the rename; when every holder of its pipe is gone (this process and its
  workers, whether they returned, raised, got SIGTERM or SIGKILL) it removes what is left.
- ``on_signals()`` turns SIGTERM / SIGHUP into ``SystemExit`` so that ``with`` blocks unwind;
  ``children_die_with_this_process()`` makes every process forked afterwards die (SIGKILL) with
  this one, from its first instant; ``worker_start()`` makes a worker clean its own temporary
  files on SIGTERM.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

PREFIX = ".~xltool-"
_JANITOR_CODE = r"""
import os, shutil, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
live = set()
for line in sys.stdin.buffer:
    op, path = line[:1], bytes.fromhex(line[1:].strip().decode())
    if op == b"+":
        live.add(path)
    elif op == b"-":
        live.discard(path)
for path in live:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass
"""
_janitor: subprocess.Popen | None = None
_janitor_pid: int | None = None     # the process that started it (a fork must not write to another's pipe state)
_mine: set[str] = set()             # this process's live temporary paths


def _janitor_fd() -> int | None:
    global _janitor, _janitor_pid
    if _janitor is not None and os.getpid() != _janitor_pid:
        return _janitor.stdin.fileno()   # a forked worker shares its parent's janitor (it cannot poll it)
    if _janitor is None or _janitor.poll() is not None:
        try:
            _janitor = subprocess.Popen([sys.executable, "-I", "-S", "-c", _JANITOR_CODE], stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
            _janitor_pid = os.getpid()
        except OSError:   # no janitor: temporary files are still removed on every Python exit path
            return None
    return _janitor.stdin.fileno()


def start_janitor() -> None:
    """Start the janitor now (before forking workers, so that they share it)."""
    _janitor_fd()


def _tell(op: str, path: str) -> None:
    fd = _janitor_fd()
    if fd is None:
        return
    line = (op + os.fsencode(path).hex() + "\n").encode()
    try:
        os.write(fd, line)   # well under PIPE_BUF: one atomic write even from several processes
    except OSError:
        pass


def register(path: str | os.PathLike) -> None:
    path = os.path.abspath(path)
    _mine.add(path)
    _tell("+", path)


def release(path: str | os.PathLike) -> None:
    path = os.path.abspath(path)
    _mine.discard(path)
    _tell("-", path)


def temp_beside(target: Path) -> Path:
    """An empty temporary file in the target's folder, hidden from folder walks, known to the janitor."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{PREFIX}{uuid.uuid4().hex}{target.suffix or '.tmp'}"
    register(tmp)                      # before it exists: a kill right after creating it still cleans up
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except BaseException:
        release(tmp)
        raise
    return tmp


def scratch_dir(prefix: str = "xltool-", beside: Path | None = None) -> str:
    """A private (0700) temporary folder, in the system's temporary folder or beside a file (same
    file system, so that what is staged there can be renamed into place); removed by the janitor
    if the run dies before removing it."""
    folder = tempfile.gettempdir() if beside is None else str(Path(beside).parent)
    path = os.path.join(folder, f"{prefix}{uuid.uuid4().hex}")
    register(path)                     # before it exists, as for temporary files
    try:
        os.mkdir(path, 0o700)
    except BaseException:
        release(path)
        raise
    return path


def remove_scratch(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    release(path)


def discard(tmp: Path) -> None:
    Path(tmp).unlink(missing_ok=True)
    release(tmp)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_durable = True    # flush each published file before its rename (off in a bulk run's workers: defer_sync)


def defer_sync() -> None:
    """In a bulk run's worker: files published from now on are not flushed one by one; the run flushes
    their file system once, before it reports (``sync_folder``). Each file still appears whole, by
    rename, or not at all; only the moment it reaches the disk moves to the end of the run."""
    global _durable
    _durable = False


def sync_folder(folder: str | os.PathLike) -> None:
    """Flush the file system holding folder to disk (``syncfs``; ``os.sync`` where there is none)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        if _libc().syncfs(fd) == 0:
            return
    except (OSError, AttributeError):
        pass
    finally:
        os.close(fd)
    os.sync()


def publish(tmp: Path, target: Path, like: os.stat_result | None = None) -> None:
    """Put the finished file in place: the permissions of ``like`` (an in-place write), else those a
    new file would have; flushed to disk before the rename so a crash never leaves an empty file
    (in a bulk run's workers, once at the end of the run instead: ``defer_sync``)."""
    tmp, target = Path(tmp), Path(target)
    if like is not None:
        os.chmod(tmp, like.st_mode & 0o7777)
        try:
            os.chown(tmp, like.st_uid, like.st_gid)
        except OSError:
            pass
    else:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
    if _durable:
        _fsync(tmp)
    os.replace(tmp, target)
    release(tmp)
    if _durable:
        _fsync_dir(target.parent)


class CopyFailed(OSError):
    """``copy_into`` failed; ``touched``: whether the target's bytes had started to change."""

    def __init__(self, exc: OSError, touched: bool):
        super().__init__(exc.errno, exc.strerror, exc.filename)
        self.touched = touched


def _reserve(fd: int, length: int) -> None:
    try:
        os.posix_fallocate(fd, 0, max(1, length))
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS):   # no fallocate here: go on
            raise


def copy_into(tmp: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy the finished file tmp into target's inode: room checked first (a full disk fails before a
    byte of target changes), then target truncated, written whole and flushed; tmp removed. A copy cut
    short leaves a short file that no reader takes for a workbook. Owner, permissions and every hard
    link stay as they are. A failure is ``CopyFailed``."""
    tmp, target = Path(tmp), Path(target)
    _fsync(tmp)
    data = tmp.read_bytes()
    touched = False
    try:
        fd = os.open(target, os.O_WRONLY)
    except OSError as exc:
        raise CopyFailed(exc, touched) from exc
    try:
        _reserve(fd, len(data))
        touched = True
        os.ftruncate(fd, 0)
        _reserve(fd, len(data))
        view, done = memoryview(data), 0
        while done < len(data):
            done += os.pwrite(fd, view[done:], done)
        os.fsync(fd)
    except OSError as exc:
        raise CopyFailed(exc, touched) from exc
    finally:
        os.close(fd)
    discard(tmp)


@contextmanager
def replacing(target: str | os.PathLike, like: os.stat_result | None = None):
    """``with replacing(path) as tmp: write(tmp)`` — path is replaced only if the block succeeds."""
    target = Path(target)
    tmp = temp_beside(target)
    try:
        yield tmp
        publish(tmp, target, like)
    except BaseException:
        discard(tmp)
        raise


def write_bytes(target: str | os.PathLike, data: bytes, like: os.stat_result | None = None) -> None:
    with replacing(target, like) as tmp:
        tmp.write_bytes(data)


def create_once(target: str | os.PathLike, data: bytes, like: os.stat_result | None = None) -> bool:
    """Write target whole unless it exists already (then leave it alone); True when written."""
    target = Path(target)
    if target.exists():
        return False
    tmp = temp_beside(target)
    try:
        tmp.write_bytes(data)
        if like is not None:
            os.chmod(tmp, like.st_mode & 0o7777)
        _fsync(tmp)
        try:
            os.link(tmp, target)   # never replaces: a backup, once made, stays the original
        except FileExistsError:
            return False
        except OSError:            # a file system without hard links (FAT, some network shares)
            if target.exists():
                return False
            os.replace(tmp, target)
        _fsync_dir(target.parent)
        return True
    finally:
        discard(tmp)


# --- exit paths ---------------------------------------------------------------------------
def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def on_signals() -> None:
    """SIGTERM and SIGHUP end the run like an exception: ``with`` blocks unwind, temporary files go."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, _raise_exit)
        except (ValueError, OSError):   # not the main thread
            pass


def _worker_exit(signum, frame):
    for path in list(_mine):
        try:
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass
        release(path)
    os._exit(128 + signum)


def worker_start() -> None:
    """In a freshly forked worker: on SIGTERM remove own temporary files and exit (that it dies with its
    parent is ``children_die_with_this_process``'s, from the fork on)."""
    _mine.clear()                      # the parent's temporary files are the parent's
    signal.signal(signal.SIGTERM, _worker_exit)


_libc_handle = None


def _libc():
    global _libc_handle
    if _libc_handle is None:
        import ctypes

        _libc_handle = ctypes.CDLL(None, use_errno=True)
    return _libc_handle


def die_with_parent(parent: int) -> None:
    """In a process forked from ``parent``: be killed when the parent dies (``PR_SET_PDEATHSIG`` with
    SIGKILL, so whatever this process is doing then, even waiting on something that will never come);
    its temporary files are the janitor's to remove. A parent already gone: leave now."""
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(128 + signal.SIGKILL)


_forks_watched: int | None = None   # the process whose forks die with it
_forked_child = False               # this process is such a fork (its own forks are not watched)


def children_die_with_this_process() -> None:
    """Every process forked from this one from now on dies with it: ``die_with_parent`` runs in the child
    right after the fork, before any other code of the child (registered once per process)."""
    global _forks_watched
    if _forks_watched == os.getpid() or not hasattr(os, "register_at_fork"):   # (no fork: no such children)
        return
    _forks_watched = parent = os.getpid()
    if sys.platform.startswith("linux"):
        _libc()   # loaded here: the child's first act must not load anything
    os.register_at_fork(after_in_child=lambda: _watched_child(parent))


def _watched_child(parent: int) -> None:
    global _forked_child
    if not _forked_child:
        _forked_child = True
        die_with_parent(parent)
