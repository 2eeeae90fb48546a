"""Headless Chromium from the system packages (Debian's ``chromium``), driven by Playwright.

Nothing is downloaded at run time: Playwright is pointed at the system browser
(``XLTOOL_CHROMIUM``, default the ``chromium`` on the PATH: ``/usr/bin/chromium``). In CI
(``XLTOOL_REQUIRE_BROWSER=1``, set by ``.ci/run``) a missing browser is an error (``engines.py``).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def executable() -> str | None:
    path = os.environ.get("XLTOOL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


def problem() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if executable() is None:
        return "Chromium is missing: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is missing: pip install playwright (never `playwright install`: the system Chromium is used)"
    return ""
