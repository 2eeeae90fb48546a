"""The core imports neither openpyxl nor xlwings."""
import ast
from pathlib import Path

from conftest import ROOT

FORBIDDEN = {"openpyxl", "xlwings"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module.split(".")[0]


def test_core_and_importers_are_pure():
    for folder in ("core", "importers"):
        for path in (ROOT / "xltool" / folder).rglob("*.py"):
            assert not FORBIDDEN & set(imported_modules(path)), path


def test_openpyxl_only_in_its_adapter():
    users = {p.name for p in (ROOT / "xltool").rglob("*.py") if "openpyxl" in set(imported_modules(p))}
    assert users <= {"xlsx.py"}, users
