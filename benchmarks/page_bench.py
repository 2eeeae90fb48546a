"""Benchmark the checking page: `python benchmarks/page_bench.py [N]` (default N=100).

Starts `xltool serve` on a free loopback port, then uploads N seed-sized
workbooks (the seed workbooks, cycled, each under its own name) in one go and
times until every file is checked and listed:
  (a) through the HTTP API the page uses (upload → the last row of the stream);
  (b) in headless Chromium (system package, Playwright), when it is installed:
      from choosing the files to the page saying 校验完成 with N rows in its table.
Printed: seconds, files/s and the ratio to the target (issue 17: N=100 in under 10 s
on a 2-core machine; ratio = 10 s / measured, ≥ 1 meets it).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
TARGET_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def files(n: int, folder: Path) -> list[Path]:
    seeds = sorted((ROOT / "workbooks").glob("*.xlsx"))
    out = []
    for i in range(n):
        target = folder / f"{i:04d}_{seeds[i % len(seeds)].name}"
        shutil.copy(seeds[i % len(seeds)], target)
        out.append(target)
    return out


def report(label: str, n: int, seconds: float) -> None:
    print(f"{label}: {n} workbooks checked and listed in {seconds:.2f} s ({n / seconds:.0f} files/s); "
          f"target {TARGET_SECONDS:.0f} s → ratio {TARGET_SECONDS / seconds:.1f}×")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="xltool-page-bench-") as tmp:
        paths = files(n, Path(tmp))
        port = free_port()
        env = {**os.environ, "XLTOOL_CONFIG_DIR": str(Path(tmp) / "config")}
        server = subprocess.Popen([sys.executable, "-m", "xltool.cli", "serve", "--port", str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        try:
            while "服务已启动" not in (line := server.stdout.readline()):
                if not line:
                    raise SystemExit("server did not start")
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            upload = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
            with httpx.stream("POST", url + "/api/jobs", files=upload, timeout=120) as response:
                listed = sum(json.loads(line)["type"] == "row" for line in response.iter_lines() if line.strip())
            assert listed == n, listed
            report("HTTP API", n, time.perf_counter() - started)
            browser_run(url, paths)
        finally:
            server.terminate()
            server.wait(15)


def browser_run(url: str, paths: list[Path]) -> None:
    import browser

    if browser.problem():
        print(f"browser: not measured ({browser.problem()})")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        page = chromium.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + "/")
        started = time.perf_counter()
        page.set_input_files("#picker", [str(path) for path in paths])
        page.wait_for_selector(f"#status:has-text('校验完成：共 {len(paths)} 个文件')", timeout=120_000)
        seconds = time.perf_counter() - started
        assert page.locator("#table tbody tr").count() == len(paths)
        chromium.close()
    report("Chromium", len(paths), seconds)


if __name__ == "__main__":
    main()
