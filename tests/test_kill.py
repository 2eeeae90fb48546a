"""Kill test (issue 15): SIGKILL at random moments (seeded) during `recompute --in-place`, `recompute -o`
and `convert` — every input byte-identical (in place: the original or a complete result, the backup
absent or the original), every output complete or absent, no process left, no temporary file left."""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

WB = ROOT / "workbooks"
FILES = [next(WB.glob(p)) for p in ("001_01_*.xlsx", "004_01_*.xlsx", "002_01_*.xlsx")]
RUNS_PER_COMMAND = 17          # 51 runs in all
SEED = 20261201


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def complete(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None and "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def survivors(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if marker.encode() in fh.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def run_and_kill(args, delay: float, tmpdir: Path, sig=signal.SIGKILL) -> None:
    marker = f"XLTOOL_KILLTEST={uuid.uuid4().hex}"
    env = {**os.environ, "TMPDIR": str(tmpdir), "XLTOOL_KILLTEST": marker.split("=")[1]}
    proc = subprocess.Popen([sys.executable, "-m", "xltool.cli", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(sig)
    proc.wait()
    deadline = time.monotonic() + 10
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = survivors(marker)
    for pid in left:   # do not leave them running even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left after the kill: {left}"


def no_temporaries(*folders: Path) -> None:
    for folder in folders:
        for p in folder.rglob("*"):
            assert not p.name.startswith((".~xltool-", "xltool-")), p


@pytest.mark.parametrize("command", ["in-place", "output", "convert"])
def test_sigkill_at_random_moments(command, tmp_path):
    rng = random.Random(f"{SEED}-{command}")
    started = time.monotonic()
    for run in range(RUNS_PER_COMMAND):
        base = tmp_path / str(run)
        src, out, tmp = base / "in", base / "out", base / "tmp"
        (src / "sub").mkdir(parents=True)
        tmp.mkdir()
        inputs = [src / f.name for f in FILES[:2]] + [src / "sub" / FILES[2].name]
        for f, target in zip(FILES, inputs):
            shutil.copy(f, target)
        before = {p: digest(p) for p in inputs}
        args = {"in-place": ["recompute", str(src), "--in-place"], "output": ["recompute", str(src), "-o", str(out)],
                "convert": ["convert", str(src), "-o", str(out), "-j", "2"]}[command]
        run_and_kill(args, rng.uniform(0.3, 2.0), tmp)
        for p in inputs:
            if command == "in-place":
                backup = p.with_name(p.stem + ".bak" + p.suffix)
                assert digest(p) == before[p] or complete(p), p
                assert not backup.exists() or digest(backup) == before[p], backup
                if digest(p) != before[p]:
                    assert backup.exists(), "replaced without a backup"
            else:
                assert digest(p) == before[p], p
        if out.exists():
            for p in out.rglob("*.xlsx"):
                assert complete(p), p
        no_temporaries(base)
    assert time.monotonic() - started < 120


def test_sigterm_cleans_up(tmp_path):
    """SIGTERM: the run ends like an exception — temporary files removed, workers gone, inputs intact."""
    rng = random.Random(SEED)
    for run in range(3):
        base = tmp_path / str(run)
        src, out, tmp = base / "in", base / "out", base / "tmp"
        src.mkdir(parents=True)
        tmp.mkdir()
        for i in range(4):
            for f in FILES:
                shutil.copy(f, src / f"{i}_{f.name}")
        before = {p: digest(p) for p in src.iterdir()}
        run_and_kill(["convert", str(src), "-o", str(out), "-j", "2"], rng.uniform(0.8, 2.0), tmp, signal.SIGTERM)
        assert {p: digest(p) for p in src.iterdir()} == before
        if out.exists():
            for p in out.rglob("*.xlsx"):
                assert complete(p), p
        no_temporaries(base)
