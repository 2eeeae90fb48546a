"""The checking page in Firefox (Debian's ``firefox-esr``), driven through WebDriver BiDi.

Firefox speaks WebDriver BiDi itself (``--remote-debugging-port``), so no
geckodriver and nothing downloaded: the test sends the protocol's JSON over a
websocket. It uploads the seed workbooks and a broken file, waits for the table,
opens the file with the most findings and checks that its marked cells are
coloured, at 1366×768. The full behaviour is tested in Chromium
(``test_web_page.py``); this proves the same page works in Firefox.
"""
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT
from xltool.marks import MARK_FILLS

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
if FIREFOX is None:   # in CI (XLTOOL_REQUIRE_FIREFOX=1) this skip is a failure (tests/engines.py)
    pytest.skip("firefox not installed: apt-get install -y firefox-esr", allow_module_level=True)
websockets = pytest.importorskip("websockets.sync.client", reason="firefox test needs the websockets package")

pytestmark = pytest.mark.browser
SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))


def connect(port):
    deadline = time.monotonic() + 60
    while True:
        try:
            return websockets.connect(f"ws://127.0.0.1:{port}/session", max_size=64_000_000)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


class Bidi:
    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self("session.new", capabilities={})
        self.context = self("browsingContext.getTree")["contexts"][0]["context"]

    def __call__(self, method, **params):
        n = next(self.ids)
        self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=120))
            if message.get("id") == n:
                assert message.get("type") != "error", message
                return message["result"]

    def js(self, expression):
        result = self("script.evaluate", expression=expression, target={"context": self.context}, awaitPromise=False)
        assert result["type"] == "success", result
        return result["result"]

    def wait(self, expression, timeout=60):
        deadline = time.monotonic() + timeout
        while not self.js(expression).get("value"):
            assert time.monotonic() < deadline, expression
            time.sleep(0.2)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def firefox(tmp_path):
    port = free_port()
    profile = tempfile.mkdtemp(prefix="xltool-firefox-")
    proc = subprocess.Popen([FIREFOX, "--headless", f"--remote-debugging-port={port}", "--profile", profile,
                             "--no-remote"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with connect(port) as ws:
            bidi = Bidi(ws)
            bidi("browsingContext.setViewport", context=bidi.context, viewport={"width": 1366, "height": 768})
            yield bidi
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:   # pragma: no cover
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_page_works_in_firefox(firefox, tmp_path):
    from xltool.web.server import ServerThread, Settings

    broken = tmp_path / "损坏的表.xlsx"
    broken.write_bytes(b"not a workbook")
    with ServerThread(Settings(token="t" * 40)) as srv:
        firefox("browsingContext.navigate", context=firefox.context, url=srv.url + "/", wait="complete")
        picker = firefox.js("document.getElementById('picker')")
        firefox("input.setFiles", context=firefox.context, element={"sharedId": picker["sharedId"]},
                files=[str(p) for p in SEEDS] + [str(broken)])
        firefox.wait("document.getElementById('status').textContent.startsWith('校验完成')")
        assert firefox.js("document.querySelectorAll('#table tbody tr').length")["value"] == len(SEEDS) + 1
        failed = firefox.js("Array.from(document.querySelectorAll('#table tbody tr.failed td:first-child'))"
                            ".map(td => td.textContent).join('|')")["value"]
        assert failed == broken.name
        assert firefox.js("document.documentElement.scrollWidth")["value"] <= 1366
        firefox.js("Array.from(document.querySelectorAll('#table button.file-button'))"
                   ".find(b => b.textContent.includes('本级_附表')).click()")
        firefox.wait("document.querySelectorAll('#grid td.marked').length > 0")
        colours = firefox.js("Array.from(document.querySelectorAll('#grid td.marked'))"
                             ".map(td => getComputedStyle(td).backgroundColor).join('|')")["value"]
        fills = {"rgb({}, {}, {})".format(*(int(f[i:i + 2], 16) for i in (0, 2, 4))) for f in MARK_FILLS.values()}
        assert set(colours.split("|")) <= fills
        legend = firefox.js("Array.from(document.querySelectorAll('.legend .mark'))"
                            ".map(m => getComputedStyle(m).backgroundColor).join('|')")["value"]
        assert set(legend.split("|")) == fills
        assert firefox.js("document.querySelectorAll('#findings tbody tr').length")["value"] > 0
