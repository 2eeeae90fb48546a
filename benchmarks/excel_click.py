"""Click latency of the ribbon's 校验 and 重算: `python benchmarks/excel_click.py [runs]`.

What a click costs on the Python side, on a 500-row budget workbook: the seed
全地区 附表 (seven sheets, 154 rows) and a clerk's own 明细 sheet of 350 rows
(numbers, numbers typed as text, percentages) that the reader must look
through. The book goes through xlwings' real remote engine (``xw.Book(json=...)``,
the JSON an xlwings client sends; ``XLWINGS_LICENSE_KEY=noncommercial``), the
macro runs through ``xltool.excel.dispatch`` as the ribbon callback calls it,
and the actions it queues are serialised back (``book.json()``).

Per button:

- cold: a fresh interpreter per click, as ``RunPython`` starts one. The Python
  side of the click is what follows xlwings' own import (RunPython imports
  xlwings, and xlwings imports pandas and numpy, before any of our code runs):
  ``import xltool.excel``, the lazy imports of the checking code, reading the
  book, checking, queuing and serialising the actions — best of the runs.
  xlwings' import and the whole process's wall time are printed beside it;
- warm: the macro alone in a running interpreter (median of the runs), as with
  xlwings' ``USE UDF SERVER``.

Target: the cold Python side under 1 s for both buttons (and
``benchmarks/import_time.py``: ``import xltool.excel`` under 0.3 s). Prints the
figures and their ratio to the target; exit status 1 when a target is missed.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
TARGET = 1.0   # seconds
ROWS = 500
SEED = ROOT / "workbooks" / "004_01_喀什地区全地区_附表.xlsx"

COLD = """
import json, sys, time
start = time.perf_counter()
import xlwings as xw                     # RunPython has imported xlwings (and with it pandas) before our code
xlwings_done = time.perf_counter()
import xltool.excel as x
book = xw.Book(json=json.load(open(sys.argv[1], encoding="utf-8")))
result = x.dispatch(sys.argv[2], book)
actions = json.loads(json.dumps(book.json(), default=str))["actions"]
end = time.perf_counter()
print(json.dumps({"ok": result.ok, "actions": len(actions), "xlwings": xlwings_done - start, "xltool": end - xlwings_done}))
"""


def make_workbook(folder: Path) -> Path:
    """The seed 附表 with a clerk's 明细 sheet: at least ROWS used rows in all."""
    import openpyxl

    wb = openpyxl.load_workbook(SEED)
    used = sum(ws.max_row for ws in wb.worksheets)
    ws = wb.create_sheet("明细")
    ws.append(["序号", "单位", "险种", "收入（万元）", "支出（万元）", "结余（万元）", "完成率", "备注"])
    n = 1
    while used + ws.max_row < ROWS:
        income = 1000 + n * 7.25
        ws.append([n, f"第{n % 12 + 1}社保所", ("企业职工基本养老保险", "失业保险", "工伤保险")[n % 3],
                   income, str(round(income * 0.9, 2)), income * 0.1, f"{90 + n % 10}%", "已核" if n % 4 else ""])
        n += 1
    path = folder / "附表_500行.xlsx"
    wb.save(path)
    return path


def main(argv: list[str]) -> int:
    import xlwings as xw

    import xltool.excel as excel
    from xlwings_payload import payload_from_xlsx

    runs = int(argv[0]) if argv else 5
    with tempfile.TemporaryDirectory(prefix="xltool-click-") as tmp:
        path = make_workbook(Path(tmp))
        payload = payload_from_xlsx(path, "VBA")
        rows = sum(len(s["values"]) for s in payload["sheets"])
        payload_path = Path(tmp) / "book.json"
        payload_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        print(f"workbook: {path.name}, {len(payload['sheets'])} sheets, {rows} rows sent; {runs} runs each")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        missed = False
        for key in ("check", "recompute"):
            side, xlwings_import, wall = [], [], []
            for _ in range(runs):
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", COLD, str(payload_path), key], capture_output=True,
                                      text=True, env=env, cwd=ROOT, check=True)
                wall.append(time.perf_counter() - start)
                out = json.loads(done.stdout.strip().splitlines()[-1])
                assert out["ok"] and out["actions"], out
                side.append(out["xltool"])
                xlwings_import.append(out["xlwings"])
            warm = []
            for _ in range(runs):
                book = xw.Book(json=json.loads(payload_path.read_text(encoding="utf-8")))
                start = time.perf_counter()
                result = excel.dispatch(key, book)
                json.dumps(book.json(), default=str)
                warm.append(time.perf_counter() - start)
                assert result.ok, result.message
            best = min(side)
            missed |= best >= TARGET
            print(f"{key:10s} Python side (cold) {best:.3f} s = {best / TARGET:.2f}× target "
                  f"[{'ok' if best < TARGET else 'MISSED'}]; warm {statistics.median(warm):.3f} s; "
                  f"xlwings' own import {min(xlwings_import):.3f} s; whole process {min(wall):.3f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
