"""Start-up cost of the command line: `python benchmarks/startup_bench.py [runs]`.

Wall time of `xltool check FILE` on one small workbook (a seed project target table), each
run a fresh process, against a bare `python -c pass`. Prints the best and the median of
the runs and the ratio to a bare start; exit status 1 when the best run misses the target
(0.25 s on the 2-core development machine; the machine is shared, so the best run is the
figure that is compared). The package's bytecode is compiled first (``compiled``).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.25   # seconds, `xltool check` of one small file
SMALL = sorted((ROOT / "workbooks").glob("003_01_*.xlsx"))[0]


def compiled() -> None:
    """Bytecode for every xltool module, as an installed package has it (pip compiles at install).

    An editable checkout writes it at its first run, unless PYTHONDONTWRITEBYTECODE is set (as in
    some sandboxes and containers): then every start compiled every xltool module from source
    (about 60 ms), which is not what a user's start costs."""
    import compileall

    compileall.compile_dir(str(ROOT / "xltool"), quiet=1)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main(runs: int = 15) -> int:
    xltool = Path(sys.executable).with_name("xltool")
    check = [str(xltool), "check", str(SMALL)] if xltool.exists() else \
        [sys.executable, "-m", "xltool.cli", "check", str(SMALL)]
    compiled()
    timed(check)   # warm the page cache
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(runs)]
    ours = [timed(check) for _ in range(runs)]
    best, median = min(ours), statistics.median(ours)
    print(f"python -c pass:        best {min(bare):.3f} s, median {statistics.median(bare):.3f} s")
    print(f"xltool check {SMALL.name[:24]}…: best {best:.3f} s, median {median:.3f} s "
          f"({best / min(bare):.1f}× a bare start); target ≤ {TARGET} s: {'met' if best <= TARGET else 'MISSED'}")
    return 0 if best <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
