import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OPENPYXL_LXML", "False")   # as xltool/__init__: openpyxl's bytes not lxml-dependent

import engines  # noqa: E402

# Property tests are deterministic by default: each test's examples come from a seed derived from
# the test itself, so a run (and CI) cannot turn red at random. Examples that once failed are kept
# as explicit @example(...) lines and regular tests. To search afresh on a developer's machine:
# XLTOOL_HYPOTHESIS=explore pytest ... (random, with a local example database in .hypothesis/).
settings.register_profile("deterministic", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("XLTOOL_HYPOTHESIS", "deterministic"))


@pytest.fixture(scope="session")
def seed_text():
    def read(prefix: str) -> str:
        (path,) = SEEDS.glob(f"{prefix}_*.txt")
        return path.read_text(encoding="utf-8")
    return read


# The engine guards (a missing required engine is an error, a skip naming it a failure) live in
# engines.py so that they can be tested as a plugin; they are this conftest's hooks.
from engines import pytest_configure, pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402,F401
