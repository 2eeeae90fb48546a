"""Cold import time of the Excel macros: `python benchmarks/import_time.py [module] [runs]`.

Every click on a ribbon button starts a fresh Python (RunPython) that first
imports ``xltool.excel``; that import must stay cheap (target 0.3 s: xlwings,
pandas and numpy are imported only when a button runs). Each run is a new
interpreter (``python -X importtime -c "import xltool.excel"``), so nothing is
cached in memory; the best of the runs is reported, with the interpreter's own
start-up measured the same way and subtracted. Also printed: the heaviest
modules of the best run and whether xlwings/pandas/numpy were imported.
Exit status 1 when the target is missed.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.3   # seconds
HEAVY = ("xlwings", "pandas", "numpy", "openpyxl")


def _run(code: str) -> tuple[float, str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=True)
    return time.perf_counter() - start, done.stdout, done.stderr


def main(argv: list[str]) -> int:
    module = argv[0] if argv else "xltool.excel"
    runs = int(argv[1]) if len(argv) > 1 else 5
    probe = f"import sys, json, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    base = min(_run("pass")[0] for _ in range(runs))
    results = [_run(probe) for _ in range(runs)]
    best, stdout, stderr = min(results, key=lambda r: r[0])
    heavy = json.loads(stdout.strip().splitlines()[-1])
    rows = []   # "import time: self [us] | cumulative | imported package"
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)), m.group(4)))
    top = [r for r in rows if r[1] == 1]   # direct imports of the -c code
    module_us = next((cum for cum, _, name in rows if name == module), None)
    print(f"{module}: best of {runs} cold starts {best:.3f} s (interpreter alone {base:.3f} s, "
          f"import {best - base:.3f} s; -X importtime: {module_us / 1e6 if module_us else float('nan'):.3f} s)")
    for cum, _, name in sorted(top, reverse=True)[:8]:
        print(f"  {cum / 1e6:7.3f} s  {name}")
    print(f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}")
    ok = best - base <= TARGET and not {"xlwings", "pandas", "numpy"} & set(heavy)
    print(f"target {TARGET:.1f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
