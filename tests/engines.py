"""The optional engines the tests use, and how CI requires them.

Each engine has an environment variable ``XLTOOL_REQUIRE_<NAME>``. When it is set (``.ci/run``
sets them), a missing engine stops the run before any test (``pytest.UsageError``), and any test
that skips itself naming that engine fails instead of skipping: in CI an engine test can fail,
never vanish. Without the variable (a developer's machine) such tests skip with their reason.

A test needing an engine either skips with a reason that contains one of the engine's words
(``"LibreOffice not installed"``) or calls ``engines.require("browser")``.
"""
from __future__ import annotations

import os
import shutil

import pytest


def _libreoffice() -> bool:
    return bool(shutil.which("soffice") or shutil.which("libreoffice"))


def _xlwings() -> bool:
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")   # read by xlwings at import
    try:
        import xlwings
    except ImportError:
        return False
    return bool(getattr(xlwings, "__pro__", False))


def _browser() -> bool:
    """The system Chromium (Debian's ``chromium``) and Playwright to drive it (tests/browser.py)."""
    import browser

    return not browser.problem()


def _firefox() -> bool:
    """Debian's firefox-esr, driven through its own WebDriver BiDi (tests/test_web_page_firefox.py)."""
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        return False
    return bool(shutil.which("firefox-esr") or shutil.which("firefox"))


# name → (availability check, words a skip reason uses for it, how to get it)
ENGINES = {
    "LIBREOFFICE": (_libreoffice, ("libreoffice", "soffice"),
                    "apt-get install -y libreoffice-calc-nogui"),
    "XLWINGS": (_xlwings, ("xlwings",),
                "pip install xlwings and set XLWINGS_LICENSE_KEY=noncommercial (the remote engine, xw.Book(json=...))"),
    "BROWSER": (_browser, ("browser", "playwright", "chromium"),
                "apt-get install -y chromium and pip install playwright (never `playwright install`)"),
    "FIREFOX": (_firefox, ("firefox",), "apt-get install -y firefox-esr and pip install websockets"),
}


def required() -> list[str]:
    return [name for name in ENGINES if os.environ.get(f"XLTOOL_REQUIRE_{name}")]


def missing_required() -> list[str]:
    return [f"{name}（{ENGINES[name][2]}）" for name in required() if not ENGINES[name][0]()]


def required_engine_named(reason: str) -> str | None:
    """The required engine a skip reason is about, if any."""
    text = reason.lower()
    return next((name for name in required() if any(word in text for word in ENGINES[name][1])), None)


def require(name: str) -> None:
    """Skip the calling test when the engine is missing (fails instead under XLTOOL_REQUIRE_<NAME>)."""
    check, words, how = ENGINES[name.upper()]
    if not check():
        pytest.skip(f"{words[0]} not available: {how}")


# --------------------------------------------------------------------------- pytest hooks

def pytest_configure(config):
    """In CI (XLTOOL_REQUIRE_LIBREOFFICE=1, XLTOOL_REQUIRE_XLWINGS=1, …) a missing engine is an error."""
    missing = missing_required()
    if missing:
        raise pytest.UsageError("CI requires these engines, which are missing: " + "; ".join(missing))


def _fail_required_skip(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        engine = required_engine_named(reason)
        if engine:
            report.outcome = "failed"
            report.longrepr = f"skipped although XLTOOL_REQUIRE_{engine} is set: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_required_skip(outcome.get_result())
