"""Kill test (issue 15): SIGKILL at random moments (seeded) during `recompute --in-place`, `recompute -o`
and `convert` — every input byte-identical (in place: the original or a complete result, the backup
absent or the original), every output complete or absent, no process left, no temporary file left.

In place, some inputs have a second hard link outside the folder: the links are never split (one inode,
the same bytes under both names); a kill inside the copy into such a file may cut it short, and then
its backup holds the original bytes."""
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
FILES = [next(WB.glob(p)) for p in ("001_01_*.xlsx", "004_01_*.xlsx", "002_01_*.xlsx", "003_01_*.xlsx")]
COPIES = 6                     # 24 workbooks per run (the work, not the start-up, is what is killed)
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


def describe(pid: int) -> str:
    """What a process is and where it stands (for the message of a failing test)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")[:160]
        with open(f"/proc/{pid}/status") as fh:
            status = {k: v.strip() for k, v in (line.split(":", 1) for line in fh if ":" in line)}
        with open(f"/proc/{pid}/wchan") as fh:
            wchan = fh.read()
    except OSError as exc:
        return f"{pid}: {exc}"
    return f"{pid} [{status.get('State')}, ppid {status.get('PPid')}, wchan {wchan}, {status.get('SigCgt')}]: {cmd}"


def run_and_kill(args, delay: float | None, tmpdir: Path, sig=signal.SIGKILL) -> float:
    """Run, kill after delay seconds (None: let it finish); how long it ran. Then no process of it may remain."""
    marker = f"XLTOOL_KILLTEST={uuid.uuid4().hex}"
    env = {**os.environ, "TMPDIR": str(tmpdir), "XLTOOL_KILLTEST": marker.split("=")[1]}
    proc = subprocess.Popen([sys.executable, "-m", "xltool.cli", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.monotonic()
    if delay is None:
        proc.wait()
    else:
        time.sleep(delay)
        proc.send_signal(sig)
        proc.wait()
    ran = time.monotonic() - start
    deadline = time.monotonic() + 5      # a worker or the janitor may take a moment to notice (under load)
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = survivors(marker)
    seen = [describe(pid) for pid in left]
    for pid in left:   # do not leave them running even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left {ran:.3f} s after the start: {seen}"
    return ran


def no_temporaries(*folders: Path) -> None:
    for folder in folders:
        for p in folder.rglob("*"):
            assert not p.name.startswith((".~xltool-", "xltool-")), p


def prepare(base: Path, links: bool = False) -> list[Path]:
    """The inputs; with links, every other one gets a second name in base/links (a hard link)."""
    src = base / "in"
    (src / "sub").mkdir(parents=True)
    (base / "tmp").mkdir()
    (base / "links").mkdir()
    inputs = []
    for i in range(COPIES):
        for f in FILES:
            target = (src / "sub" if i == 0 and f is FILES[2] else src) / f"{i}_{f.name}"
            shutil.copy(f, target)
            inputs.append(target)
            if links and len(inputs) % 2:
                os.link(target, linked(base, target))
    return inputs


def linked(base: Path, p: Path) -> Path:
    return base / "links" / p.name


def command_args(command: str, base: Path) -> list[str]:
    src, out = base / "in", base / "out"
    return {"in-place": ["recompute", str(src), "--in-place"], "output": ["recompute", str(src), "-o", str(out)],
            "convert": ["convert", str(src), "-o", str(out), "-j", "2"]}[command]


@pytest.mark.parametrize("command", ["in-place", "output", "convert"])
def test_sigkill_at_random_moments(command, tmp_path):
    rng = random.Random(f"{SEED}-{command}")
    started = time.monotonic()
    untouched = {p: digest(p) for p in prepare(tmp_path / "whole", links=command == "in-place")}
    whole = run_and_kill(command_args(command, tmp_path / "whole"), None, tmp_path / "whole" / "tmp")
    for p in untouched if command == "in-place" else ():   # a whole run rewrites hard-linked files too
        link = linked(tmp_path / "whole", p)
        assert digest(p) != untouched[p] and complete(p), p
        assert not link.exists() or (link.stat().st_ino == p.stat().st_ino and digest(link) == digest(p)), p
    cut = 0
    for run in range(RUNS_PER_COMMAND):
        base = tmp_path / str(run)
        inputs = prepare(base, links=command == "in-place")
        before = {p: digest(p) for p in inputs}
        run_and_kill(command_args(command, base), rng.uniform(0.15, 0.95) * whole, base / "tmp")
        for p in inputs:
            if command == "in-place":
                backup = p.with_name(p.stem + ".bak" + p.suffix)
                link = linked(base, p)
                if link.exists():   # never split: one inode, the same bytes under both names
                    assert link.stat().st_ino == p.stat().st_ino and p.stat().st_nlink == 2, p
                    if not (digest(p) == before[p] or complete(p)):   # cut inside the copy: the backup
                        assert digest(backup) == before[p], p
                        cut += 1
                        continue
                assert digest(p) == before[p] or complete(p), p
                assert not backup.exists() or digest(backup) == before[p], backup
                if digest(p) != before[p]:
                    assert backup.exists(), "replaced without a backup"
            else:
                assert digest(p) == before[p], p
        out = base / "out"
        if out.exists():
            for p in out.rglob("*.xlsx"):
                assert complete(p), p
        no_temporaries(base)
    assert time.monotonic() - started < 120
    assert cut <= 2, f"{cut} hard-linked files cut short: the copy window should be tiny"


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


def test_a_fork_that_hangs_at_once_still_dies_with_its_parent():
    """A worker stuck from its first instant (ignoring SIGTERM, waiting on something that never comes)
    is killed with its parent: the parent-death signal is set right after the fork, and it is SIGKILL."""
    marker = uuid.uuid4().hex
    code = ("import os, signal, sys, time\n"
            "from xltool.io import atomic\n"
            "atomic.children_die_with_this_process()\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "    os.read(os.pipe()[0], 1)   # never returns\n"
            "print(pid, flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "XLTOOL_KILLTEST": marker})
    child = int(proc.stdout.readline())
    assert child in survivors(marker)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = survivors(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, [describe(pid) for pid in left]
