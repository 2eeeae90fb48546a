"""Benchmark bulk conversion: `python benchmarks/convert_bench.py [N] [--check-only-only] [--vary-all] [--repeat K]`
(default N=200, K=3).

Generates N filled workbooks across the form families (copies of the seed workbooks, every fifth
with its figures varied; with --vary-all every copy, so that no two files are alike and nothing
computed from one file's values can be reused for another), then times, each run in a process of its own:
  (a) a naive baseline: one process, openpyxl load → compute → save per file;
  (b) `xltool convert` (write-back) and (c) `xltool convert --check-only`, K times each, alternately
  (a run of (c) takes well under a second: one run is at the mercy of whatever else the machine
  does in that second, so each run is printed and the median of the K is the result).
Every run is started by a small wrapper process that waits for it and reports the
wall time and `getrusage(RUSAGE_CHILDREN).ru_maxrss`, i.e. the peak RSS of the
largest single process of that run (its worker processes included). Printed per
run: seconds, files/s, the ratio against the baseline, that peak RSS and the CPU time of the
run's whole process tree (less sensitive than wall time to other work on a shared machine; the
targets are wall-time ratios). The last line is a digest of the summary's rows and findings: the
same for both runs, and the same before and after any change made for speed.
Targets (issue 6): write-back ≥ 4×, check-only ≥ 15×, peak RSS at N=2000 within
1.2× of N=200. The package's bytecode is compiled first, as an installed package has it.
With --check-only-only only run (c) is timed, against the target
of 10,000 workbooks checked in under 60 s.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHECK_ONLY_SECONDS = 60


def generate(n: int, folder: Path, vary_all: bool = False) -> None:
    """n workbooks: copies of the seed workbooks, every fifth (every one past the first copy of each
    seed with vary_all) with its figures varied."""
    seeds = sorted((ROOT / "workbooks").glob("*.xlsx"))
    rng = random.Random(42)
    for i in range(n):
        src = seeds[i % len(seeds)]
        target = folder / f"unit{i // 50:03d}" / f"{i:05d}_{src.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if i < len(seeds) or (i % 5 and not vary_all):
            shutil.copy(src, target)
            continue
        wb = openpyxl.load_workbook(src)   # every 5th file: figures varied
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        cell.value = round(cell.value * rng.uniform(0.9, 1.1))
        wb.save(target)


def baseline(folder: Path, out: Path) -> None:
    """The naive way, run in a process of its own (--baseline IN OUT)."""
    from xltool import process
    from xltool.io import xlsx

    for path in sorted(folder.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        process.evaluate_grid(xlsx.grid_from_workbook(wb, path.name), path)
        target = out / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)


def measure(cmd: list[str]) -> None:
    """The wrapper (--measure CMD…): run CMD, print its time, exit code and peak RSS as JSON."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = usage.ru_maxrss   # largest single process, KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime   # the whole process tree's CPU time (workers included)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rc": done.returncode, "peak_kb": peak_kb,
                      "stderr": done.stderr[-800:]}))


def run(args: list[str]) -> dict:
    """One run through the wrapper, in a fresh process so that its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--measure", "--", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rc"] not in (0, 1):   # convert: 0 clean, 1 findings; 2 = files that could not be processed
        print(f"  (exit code {result['rc']}) {result['stderr'].strip()[-400:]}")
    return result


def findings_digest(summary: Path) -> str:
    """A digest of a run's summary (the 文件汇总 and 全部问题 sheets, timings excluded): the same files
    must give the same rows and findings whatever is made faster."""
    import hashlib

    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(summary))
    digest = hashlib.sha256()
    for name in ("文件汇总", "全部问题"):
        for row in wb.get_sheet_by_name(name).to_python():
            digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


def report(label: str, n: int, result: dict, base: dict | None, target: str = "") -> None:
    s = result["seconds"]
    ratio = f"  ratio {base['seconds'] / s:5.2f}x{f' (target {target})' if target else ''}" if base else ""
    less = f" ({base['cpu'] / result['cpu']:.2f}x less)" if base else ""
    cpu = f"  CPU {result['cpu']:.2f} s{less}"
    print(f"{label:<30}{s:8.2f} s {n / s:8.1f} files/s{ratio}  peak RSS {result['peak_kb'] / 1024:.0f} MB{cpu}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark xltool convert")
    parser.add_argument("n", nargs="?", type=int, default=200, help="number of workbooks (default 200)")
    parser.add_argument("--check-only-only", action="store_true", help="time only convert --check-only")
    parser.add_argument("--repeat", type=int, default=3, metavar="K",
                        help="runs of each convert (default 3; the median is the result)")
    parser.add_argument("--vary-all", action="store_true",
                        help="vary the figures of every generated file, not every fifth (no two files alike)")
    opts = parser.parse_args()
    n = opts.n
    from startup_bench import compiled

    compiled()   # bytecode as an installed package has it
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        generate(n, src, opts.vary_all)
        script = Path(sys.executable).with_name("xltool")   # what a user runs (xltool.entry)
        convert = [str(script) if script.exists() else sys.executable, *([] if script.exists() else ["-m", "xltool.cli"]),
                   "convert", str(src), "-o"]
        print(f"N={n}{' (figures varied in every file)' if opts.vary_all else ''}")
        if opts.check_only_only:
            check = run([*convert, str(Path(tmp) / "chk"), "--check-only"])
            report("convert --check-only", n, check, None)
            print(f"under {CHECK_ONLY_SECONDS} s: {'yes' if check['seconds'] < CHECK_ONLY_SECONDS else 'NO'}")
            return
        base = run([sys.executable, __file__, "--baseline", str(src), str(Path(tmp) / "base")])
        report("baseline (openpyxl)", n, base, None)
        runs: dict[str, list[dict]] = {"write-back": [], "check-only": []}
        for k in range(opts.repeat):
            for kind, extra in (("write-back", []), ("check-only", ["--check-only"])):
                out = Path(tmp) / f"{kind}-{k}"
                runs[kind].append(run([*convert, str(out), *extra]))
                report(f"convert {kind} #{k + 1}", n, runs[kind][-1], base)
        for (kind, results), target in zip(runs.items(), ("4x", "15x")):
            median = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
            report(f"convert {kind} (median)", n, median, base, target)
        digests = {kind: findings_digest(Path(tmp) / f"{kind}-{opts.repeat - 1}" / "汇总.xlsx") for kind in runs}
        out, chk = digests["write-back"], digests["check-only"]
        print(f"findings digest: write-back {out}, check-only {chk}"
              f"{'' if out == chk else '  (DIFFERENT: a faster path changed what is found)'}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        measure(sys.argv[sys.argv.index("--") + 1:])
    elif len(sys.argv) > 1 and sys.argv[1] == "--baseline":
        baseline(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
