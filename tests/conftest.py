import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def seed_text():
    def read(prefix: str) -> str:
        (path,) = SEEDS.glob(f"{prefix}_*.txt")
        return path.read_text(encoding="utf-8")
    return read


def pytest_collection_modifyitems(config, items):
    """In CI (XLTOOL_REQUIRE_LIBREOFFICE=1) a LibreOffice test may not be skipped."""
    import os
    import libreoffice
    if os.environ.get("XLTOOL_REQUIRE_LIBREOFFICE") and not libreoffice.available():
        raise pytest.UsageError("LibreOffice (soffice) is required: apt-get install -y libreoffice-calc-nogui")
    import browser
    if browser.required() and browser.problem():   # CI (XLTOOL_REQUIRE_BROWSER=1): the browser test must run
        raise pytest.UsageError(browser.problem())
