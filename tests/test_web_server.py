"""``xltool serve`` on uvicorn: each defect of the old ``http.server`` service, and a loopback load test.

The old service (issue 15): listen backlog 5 (50 parallel requests → resets), no
socket timeout (stalled clients hold their connections for ever), request bodies
unbounded in aggregate, deeply nested JSON → RecursionError, no CORS policy and
no token (a cross-site ``text/plain`` POST ran a macro). Every test talks to a
real server over loopback sockets.
"""
import http.client
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xltool.web import security  # noqa: E402
from xltool.web.server import ServerThread, Settings  # noqa: E402

TOKEN = "t" * 43
SEED = sorted((ROOT / "workbooks").glob("*区域*.xlsx"))[0]


def book_payload():
    from xlwings_payload import payload_from_xlsx
    return payload_from_xlsx(SEED, "Office.js")


def hostport(url):
    host, port = url.split("//")[1].split(":")
    return host, int(port)


def request(url, method, path, body=b"", headers=None, timeout=30):
    host, port = hostport(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def auth(token=TOKEN):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.fixture()
def server():
    with ServerThread(Settings(token=TOKEN, head_timeout=1, body_timeout=1, max_json=1_000_000,
                               body_budget=2_500_000)) as srv:
        yield srv.url


def raw(url):
    sock = socket.create_connection(hostport(url), timeout=10)
    return sock


def read_all(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# --- the token -------------------------------------------------------------------------------------


def test_the_token_is_made_once_and_kept_private(tmp_path):
    token = security.install_token(tmp_path)
    assert len(token) >= 40
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600
    assert security.install_token(tmp_path) == token          # stable across starts
    (tmp_path / "token").write_text("short")                  # a damaged file gets a fresh token
    assert security.install_token(tmp_path) not in ("short", token)


def test_a_cross_site_post_runs_no_macro(server, monkeypatch):
    ran = []
    from xltool.web import officejs
    monkeypatch.setattr(officejs, "run_macro", lambda button, payload: ran.append(button) or {"actions": []})
    book = json.dumps({"book": {}, "sheets": []}).encode()
    evil = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
    assert request(server, "POST", "/xlwings/check", book, evil)[0] == 403            # the old service: 200
    assert request(server, "POST", "/xlwings/check", book, {**evil, **auth()} | {"Origin": "https://evil.example"})[0] == 403
    assert request(server, "POST", "/xlwings/check", book, {"Content-Type": "application/json"})[0] == 401
    assert request(server, "POST", "/xlwings/check", book, auth("wrong" * 9))[0] == 401
    assert request(server, "POST", "/xlwings/check", book, {**auth(), "Content-Type": "text/plain"})[0] == 415
    assert ran == []
    office = "https://excel.officeapps.live.com"
    assert request(server, "POST", "/xlwings/check", book, {**auth(), "Origin": office})[0] == 200
    assert request(server, "POST", "/xlwings/check", book, {"X-Xltool-Token": TOKEN,
                                                             "Content-Type": "application/json"})[0] == 200
    assert ran == ["check", "check"]


def test_cors_answers_the_office_hosts_only(server):
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    for origin in ("https://excel.officeapps.live.com", "https://contoso.sharepoint.com"):
        status, headers, _ = request(server, "OPTIONS", "/xlwings/check", headers={**preflight, "Origin": origin})
        assert status == 200 and headers.get("access-control-allow-origin") == origin
    for origin in ("https://evil.example", "http://excel.officeapps.live.com", "https://office.com.evil.example"):
        status, headers, _ = request(server, "OPTIONS", "/xlwings/check", headers={**preflight, "Origin": origin})
        assert "access-control-allow-origin" not in headers, origin


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[" * 100_000,                                   # never closed
                                  b"[" * 65 + b"]" * 65,                               # valid, too deep
                                  b'{"book":{},"sheets":' + b"[" * 70 + b"]" * 70 + b"}"])
def test_deeply_nested_json_is_a_400(server, body):
    status, _, text = request(server, "POST", "/xlwings/check", body, auth())   # the old service: RecursionError
    assert status == 400 and "嵌套层数" in text.decode("utf-8")


def test_the_depth_check_takes_what_xlwings_sends():
    payload = book_payload()
    assert security.loads_limited(json.dumps(payload).encode()) == payload


# --- sizes and the shared budget ----------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(server):
    sock = raw(server)
    sock.sendall(b"POST /xlwings/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 57000000\r\n\r\n")
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413") and "请求过大" in answer.decode("utf-8", "replace")
    sock.close()
    # chunked, no length: cut off when it passes the limit
    sock = raw(server)
    sock.sendall(b"POST /xlwings/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Authorization: Bearer " + TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    answer = b""
    try:
        for _ in range(20):
            sock.sendall(b"%x\r\n%s\r\n" % (100_000, b" " * 100_000))
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413")
    sock.close()


def test_bodies_in_flight_share_one_budget():
    """Budget 2.5 MB: two 1 MB bodies in flight fit, a third is turned away at once, then fits again."""
    with ServerThread(Settings(token=TOKEN, body_timeout=10, max_json=1_000_000, body_budget=2_500_000)) as srv:
        bodies_share_one_budget(srv.url)


def bodies_share_one_budget(server):
    head = (b"POST /xlwings/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 1000000\r\n\r\n")
    slow = [raw(server), raw(server)]
    for sock in slow:
        sock.sendall(head + b"{")          # the bodies are on their way
    time.sleep(0.3)
    started = time.monotonic()
    third = raw(server)
    third.sendall(head)
    answer = read_all(third)               # the old service took every body into memory
    assert answer.startswith(b"HTTP/1.1 503") and "请稍后再试" in answer.decode("utf-8", "replace")
    assert time.monotonic() - started < 2
    for sock in slow:
        sock.sendall(b" " * 999_998 + b"}")
        assert read_all(sock).startswith(b"HTTP/1.1 400")   # a whole body: answered (it is no book)
        sock.close()
    status, _, _ = request(server, "POST", "/xlwings/check", b"{" + b" " * 999_998 + b"}", auth())
    assert status == 400                   # the budget was given back


def test_connections_past_the_limit_get_a_503():
    with ServerThread(Settings(token=TOKEN, max_connections=8)) as srv:
        held = [raw(srv.url) for _ in range(8)]
        time.sleep(0.2)
        status, _, _ = request(srv.url, "GET", "/health")
        assert status == 503
        for sock in held:
            sock.close()
        time.sleep(0.2)
        assert request(srv.url, "GET", "/health")[0] == 200


# --- stalled clients -----------------------------------------------------------------------------


def test_stalled_clients_are_let_go(server):
    heads = [raw(server) for _ in range(100)]
    for sock in heads:                     # a request head that never ends
        sock.sendall(b"POST /xlwings/check HTTP/1.1\r\nHost: x\r\n")
    bodies = [raw(server) for _ in range(10)]
    for sock in bodies:                    # a body that stops arriving
        sock.sendall(b"POST /xlwings/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\n{")
    idle = raw(server)                     # a connection that never says anything
    started = time.monotonic()
    for sock in heads + [idle]:
        assert read_all(sock) == b""       # closed by the server (the old service: no timeout at all)
    for sock in bodies:
        assert read_all(sock).startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 8
    for sock in heads + bodies + [idle]:
        sock.close()
    assert request(server, "GET", "/health")[0] == 200


# --- load: 50 concurrent clients on loopback ----------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_fifty_concurrent_clients_on_loopback(tmp_path):
    """``xltool serve`` itself: it prints the install token; 50 clients at once get answers, never a reset,
    and the server's memory stays flat across rounds (bounded: 6 rounds of 50 clients, 60 s at most)."""
    port = free_port()
    env = {**os.environ, "XLTOOL_CONFIG_DIR": str(tmp_path / "config"), "XLWINGS_LICENSE_KEY": "noncommercial"}
    proc = subprocess.Popen([sys.executable, "-m", "xltool.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    deadline = time.monotonic() + 60
    try:
        lines = []
        while not any("manifest.xml?token=" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        token = (tmp_path / "config" / "token").read_text().strip()
        assert any(token in line for line in lines)
        url = f"http://127.0.0.1:{port}"
        book = json.dumps(book_payload()).encode()
        deep = b"[" * 50_000

        def client(n, barrier, macro):
            barrier.wait()
            host, port_ = hostport(url)
            conn = http.client.HTTPConnection(host, port_, timeout=60)
            statuses = []
            try:
                if macro:
                    conn.request("POST", "/xlwings/check", body=book, headers=auth(token))
                    response = conn.getresponse()
                    body = response.read()
                    statuses.append(response.status)
                    assert json.loads(body)["actions"]
                for _ in range(5):
                    for method, path, body, headers in (("GET", "/health", None, {}),
                                                        ("GET", f"/manifest.xml?token={token}", None, {}),
                                                        ("POST", "/xlwings/check", deep, auth(token))):
                        conn.request(method, path, body=body, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        statuses.append(response.status)
            finally:
                conn.close()
            return statuses

        def round_(macro):
            barrier = threading.Barrier(50)
            with ThreadPoolExecutor(50) as pool:
                results = list(pool.map(lambda n: client(n, barrier, macro), range(50)))
            return [s for r in results for s in r]

        statuses = round_(macro=True)      # the old service: 16-20 connection resets here
        assert statuses.count(200) == 50 * 11 and statuses.count(400) == 50 * 5
        memory = [rss_kb(proc.pid)]
        for _ in range(5):
            assert time.monotonic() < deadline
            statuses = round_(macro=False)
            assert set(statuses) == {200, 400} and len(statuses) == 50 * 15
            memory.append(rss_kb(proc.pid))
        assert memory[-1] <= memory[0] * 1.10 + 4096, memory    # flat: no growth with the rounds
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:   # pragma: no cover
            proc.kill()
