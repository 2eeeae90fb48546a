"""The ``xltool`` console script: the command line (``xltool.cli``), then a quick exit.

A command's work is done when it returns: its outputs are closed and published (``io.atomic``).
What the interpreter would still do at exit is tear down some six hundred imported modules,
about 30 ms on the 2-core development machine, a tenth of a small run. So the script flushes
standard output and error, runs the ``atexit`` handlers (logging, multiprocessing, temporary
folders) and leaves with ``os._exit``. It exits the ordinary way when a thread other than
daemon threads is still running (its work is not done), and always from ``python -m xltool.cli``.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading


def main() -> None:
    from xltool.cli import app

    try:
        app()
        code = 0
    except SystemExit as exc:
        code = _status(exc.code)
    quick_exit(code)


def _status(code) -> int:
    """The exit status ``sys.exit(code)`` gives: None 0, an int itself, anything else printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def quick_exit(code: int) -> None:
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if others or run_exitfuncs is None:
        sys.exit(code)
    try:
        run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):   # a closed pipe (``xltool check … | head``): nothing left to write to
                pass
        os._exit(code)
