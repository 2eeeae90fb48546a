"""Bad and hostile inputs: a clear Chinese error naming the file, exit 2, and the input unchanged."""
import hashlib
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
import make_corpus  # noqa: E402

from xltool.cli import app  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    return folder, make_corpus.make(folder)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", list(make_corpus.CASES))
@pytest.mark.parametrize("command", ["check", "recompute", "export"])
def test_bad_input_gets_clear_error_and_stays_unchanged(corpus, name, command, tmp_path):
    folder, messages = corpus
    path = folder / name
    before = digest(path)
    args = {"check": ["check", str(path)], "recompute": ["recompute", str(path), "-o", str(tmp_path)],
            "export": ["export", str(path), "-o", str(tmp_path / "x.csv")]}[command]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert messages[name] in result.output and name in result.output
    assert "Traceback" not in result.output
    assert digest(path) == before
    assert not list(tmp_path.glob("*.xlsx"))   # nothing half-written


def test_xxe_never_reads_the_entity(corpus):
    folder, _ = corpus
    result = runner.invoke(app, ["check", str(folder / "xxe.xlsx")])
    assert "root:" not in result.output


def test_check_over_the_whole_corpus_is_bounded(corpus):
    """One `xltool check` over every bad file: a clear line per file, no traceback, under a 2 GB
    address-space ceiling and a time limit (a cell at XFD1048576 once made calamine allocate 512 GB)."""
    import resource
    import subprocess

    folder, messages = corpus

    def ceiling():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    proc = subprocess.run([sys.executable, "-m", "xltool.cli", "check", str(folder)], capture_output=True,
                          text=True, timeout=120, preexec_fn=ceiling)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out and "panicked" not in out
    lines = [line for line in out.splitlines() if line.startswith("错误：")]
    for name, message in messages.items():
        (line,) = [line for line in lines if f"{name}：" in line]
        assert message in line, line
