"""Benchmark bulk conversion: `python benchmarks/convert_bench.py [N]` (default 200).

Generates N filled workbooks across the form families (the seed workbooks with
varied figures), then times in one run:
  (a) a naive baseline: one process, openpyxl load → compute → save per file;
  (b) `xltool convert` (write-back) and (c) `xltool convert --check-only`,
and prints files/s, the ratios against the baseline and peak memory (RSS of the
run and its workers). Targets (issue 6): write-back ≥ 4×, check-only ≥ 15×.
"""
from __future__ import annotations

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


def generate(n: int, folder: Path) -> None:
    seeds = sorted((ROOT / "workbooks").glob("*.xlsx"))
    rng = random.Random(42)
    for i in range(n):
        src = seeds[i % len(seeds)]
        target = folder / f"unit{i // 50:03d}" / f"{i:05d}_{src.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if i < len(seeds) or i % 5:
            shutil.copy(src, target)
            continue
        wb = openpyxl.load_workbook(src)   # every 5th file: figures varied
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        cell.value = round(cell.value * rng.uniform(0.9, 1.1))
        wb.save(target)


def baseline(folder: Path, out: Path) -> float:
    from xltool import process, xlsx

    start = time.perf_counter()
    for path in sorted(folder.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        process.evaluate_grid(xlsx.grid_from_workbook(wb, path.name), path)
        target = out / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
    return time.perf_counter() - start


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xltool.cli", *args], capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(n, tmp / "in")
        base = baseline(tmp / "in", tmp / "base")
        write = timed(["convert", str(tmp / "in"), "-o", str(tmp / "out")])
        check = timed(["convert", str(tmp / "in"), "-o", str(tmp / "chk"), "--check-only"])
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"N={n}")
    print(f"baseline (1 process, openpyxl load/compute/save): {base:.2f} s  {n / base:.1f} files/s")
    print(f"convert (write-back):  {write:.2f} s  {n / write:.1f} files/s  ratio {base / write:.2f}x  (target 4x)")
    print(f"convert --check-only:  {check:.2f} s  {n / check:.1f} files/s  ratio {base / check:.2f}x  (target 15x)")
    print(f"peak RSS (largest process): {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
