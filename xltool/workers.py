"""The local worker pool of ``xltool convert``: files checked or recomputed in forked processes.

Workers are forked (pebble) after the parent has imported what they need (``preload``); each runs
under a memory ceiling (RLIMIT_AS) and is killed when the parent dies, from its first instant on
(``atomic.children_die_with_this_process``; the janitor removes what it leaves). Files go to them
in tasks of a few small files (``_chunks``); a task that fails (a crash, its time limit) is run
again file by file, so that only the file that crashed or overran fails, and a fresh worker takes
the dead one's place. Results come back in input order, with a bounded number of files in flight.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import pkgutil
from collections import deque
from contextlib import ExitStack

from xltool import convert
from xltool.convert import FileRow
from xltool.core.findings import Finding

# Files in flight per worker. Results are taken in input order, so a slow file holds back the ones after
# it; with 4 per worker the workers stood idle about half of a check-only run waiting for the parent to
# take results and hand out files (measured: 300 files in 1.0 s of pool time against 0.55 s with 16).
# Only the small rows and findings of files done wait here, so memory stays flat.
IN_FLIGHT = 16
# Files per task: small files go to a worker eight at a time, one message each way instead of one per
# file (measured: four at a time against one, the parent's CPU for 300 check-only files 0.35 → 0.30 s and
# the whole run's 7–10% less; eight against four, alternating runs, check-only 2% and write-back 2% less
# time at N=300). A task that fails (a crash, its time limit) is run again file by file, so that the
# failure is that one file's; a file larger than CHUNK_BYTES goes alone.
CHUNK, CHUNK_BYTES = 8, 2**20


def preload(check_only: bool = True) -> None:
    """Import what a worker needs once, here: forked workers inherit it instead of each paying for it."""
    import python_calamine  # noqa: F401

    if not check_only:
        from xltool.io.ooxml import writeback  # noqa: F401

    import xltool.core
    from xltool.io import calamine  # noqa: F401
    from xltool import process
    from xltool.core.rules import load_rules

    for module in pkgutil.walk_packages(xltool.core.__path__, "xltool.core."):
        importlib.import_module(module.name)
    load_rules()


def _worker_init(memory_mb: int) -> None:
    """In each worker (dying with the parent already: ``results``): clean up on SIGTERM, and a memory
    ceiling for any one file."""
    import resource

    from xltool.io import atomic

    atomic.worker_start()
    atomic.defer_sync()   # outputs are flushed once, by the parent, at the end of the run
    if memory_mb:
        try:
            with open("/proc/self/statm") as fh:
                used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            used = 0
        limit = used + memory_mb * 2**20
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass


def results(names: list[str], root: str, outdir: str, check_only: bool, jobs: int, stack: ExitStack,
            timeout: float, memory_mb: int):
    """(row, findings) per file in input order from worker processes forked from this one.

    The workers are forked here, before the summary workbook is opened, so none of them inherits
    its open files. A bounded number of files is in flight, in tasks of a few small files
    (``_chunks``); a worker that crashes (e.g. at its memory ceiling) or overruns the time limit
    is replaced, and the files of its task are run again one by one, so that only the file that
    crashed or overran fails.
    """
    from concurrent.futures import TimeoutError as Timeout

    from pebble import CONSTS, ProcessExpired, ProcessPool

    from xltool.io import atomic

    # pebble's manager threads poll every sleep_unit (0.1 s): stopping the pool waited that long at the end
    # of every run; 20 ms keeps the time limits as exact and costs the parent next to nothing.
    CONSTS.sleep_unit = min(CONSTS.sleep_unit, 0.02)
    preload(check_only)
    atomic.start_janitor()   # shared by the workers: what a killed worker leaves is removed
    atomic.children_die_with_this_process()   # from the workers' first instant, whatever they do then
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPool(max_workers=jobs, initializer=_worker_init, initargs=(memory_mb,), context=context)

    def stop():
        pool.stop()
        pool.join()
    stack.callback(stop)

    def schedule(chunk: list[str]):
        paths = [os.path.join(root, name) for name in chunk]
        return chunk, pool.schedule(process_many, (paths, root, outdir, check_only), timeout=timeout)

    def failure(name: str, exc: BaseException) -> tuple[FileRow, list[Finding]]:
        if isinstance(exc, Timeout):
            reason = f"处理超时（超过 {timeout:g} 秒），已跳过"
        elif isinstance(exc, ProcessExpired):
            reason = f"处理时进程异常退出（退出码 {exc.exitcode}；可能超出内存上限 {memory_mb} MB），已跳过"
        elif isinstance(exc, MemoryError):
            reason = f"处理时超出内存上限（{memory_mb} MB），已跳过"
        else:
            reason = f"处理时出错（{type(exc).__name__}: {exc}）"
        return FileRow(name, status="失败", reason=f"{os.path.join(root, name)}：{reason}"), []

    def outcome(future, chunk: list[str]) -> list[tuple[FileRow, list[Finding]]]:
        try:
            return future.result()
        except Exception as exc:   # a crash, the time limit, a result that could not be sent back
            if len(chunk) == 1:
                return [failure(chunk[0], exc)]
        # Which file of the chunk it was: each again, alone, with its own time limit and its own worker.
        return [r for one, f in [schedule([name]) for name in chunk] for r in outcome(f, one)]

    window: deque = deque()
    chunks = iter(_chunks(names, root))
    for chunk in chunks:   # the first files are scheduled (and the workers forked) now, not at the first result
        window.append(schedule(chunk))
        if len(window) * CHUNK >= IN_FLIGHT * jobs:
            break

    def taken():
        while window:
            chunk, future = window.popleft()
            done = outcome(future, chunk)
            nxt = next(chunks, None)
            if nxt is not None:
                window.append(schedule(nxt))
            elif not window:
                pool.stop()   # the last result: the workers wind down while the summary is finished
            yield from done
    return taken()


def _chunks(names: list[str], root: str):
    """Consecutive files in tasks of up to CHUNK files and CHUNK_BYTES (a larger file goes alone)."""
    chunk, size = [], 0
    for name in names:
        try:
            n = os.stat(os.path.join(root, name)).st_size
        except OSError:
            n = CHUNK_BYTES
        if chunk and (len(chunk) >= CHUNK or size + n > CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(name)
        size += n
    if chunk:
        yield chunk


def process_many(paths: list[str], root: str, outdir: str, check_only: bool) -> list[tuple[FileRow, list[Finding]]]:
    """Several files in one task of a worker: one message each way instead of one per file."""
    return [convert.process_one(path, root, outdir, check_only) for path in paths]
