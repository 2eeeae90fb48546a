"""Running the app on uvicorn: settings, limits a request cannot escape, and a server in a thread (tests).

uvicorn answers 503 past ``max_connections`` open connections or tasks, keeps
a listen backlog of ``backlog``, closes idle keep-alive connections after
``keepalive_timeout`` and bounds the request head (``h11_max_incomplete_event_size``).
It has no deadline for a request head that never finishes (a "slowloris"
client holds its connection for ever); ``HeadTimeoutProtocol`` adds one.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MB = 1024 * 1024


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str = ""                       # the per-install token (security.install_token())
    base_url: str = ""                    # external address used in the add-in manifest
    certfile: str | None = None
    keyfile: str | None = None
    xlwings_js: str = ""
    allow_origins: tuple[str, ...] = ()   # more origins allowed besides the Office hosts
    max_json: int = 64 * MB               # one macro request's JSON book
    max_upload: int = 512 * MB            # one upload of workbooks to the checking page
    max_file: int = 64 * MB               # one workbook inside an upload
    max_files: int = 2000                 # workbooks in one upload (a .zip's members count)
    body_budget: int = 768 * MB           # bytes of bodies being received at once, all requests
    max_connections: int = 256            # beyond this: 503
    backlog: int = 1024
    head_timeout: float = 15.0            # seconds to send a request head
    body_timeout: float = 60.0            # seconds of silence while sending a body
    keepalive_timeout: float = 5.0
    macro_queue: int = 64                 # macro requests waiting for the (single) macro runner
    archive: Path | None = None           # keep uploads and results here (checking page); None: keep nothing
    session_minutes: float = 30.0         # how long a checked batch stays downloadable
    retention_days: float = 30.0
    jobs: int = 2                         # worker processes for checking uploads
    extra: dict = field(default_factory=dict)


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head."""

    head_timeout = 15.0

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm_head_deadline()

    def _arm_head_deadline(self):
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_expired)

    def _head_expired(self):
        # still waiting for (the rest of) a request head: give up on the client
        if self.conn.their_state in (h11.IDLE,) and not self.transport.is_closing():
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

    def handle_events(self):
        before = self.cycle
        super().handle_events()
        if self.cycle is not before and self._head_deadline is not None:
            self._head_deadline.cancel()

    def on_response_complete(self):
        super().on_response_complete()
        if not self.transport.is_closing():
            self._head_deadline.cancel()
            self._arm_head_deadline()

    def connection_lost(self, exc):
        self._head_deadline.cancel()
        super().connection_lost(exc)


def protocol_for(settings: Settings) -> type[H11Protocol]:
    return type("XltoolProtocol", (HeadTimeoutProtocol,), {"head_timeout": settings.head_timeout})


def uvicorn_config(app, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=settings.host, port=settings.port, http=protocol_for(settings), ws="none",
        lifespan="on", limit_concurrency=settings.max_connections, backlog=settings.backlog,
        timeout_keep_alive=settings.keepalive_timeout, h11_max_incomplete_event_size=64 * 1024,
        ssl_certfile=settings.certfile, ssl_keyfile=settings.keyfile, log_level="warning",
        access_log=False, server_header=False, proxy_headers=False)


def serve(settings: Settings, on_ready=None) -> None:
    """Serve until interrupted (Ctrl+C); ``on_ready(url)`` once the socket listens."""
    from xltool.web.app import create_app

    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    if on_ready is not None:
        _call_when_started(server, on_ready, settings)
    server.run()


def _call_when_started(server: uvicorn.Server, callback, settings: Settings) -> None:
    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1] if server.servers else settings.port
            scheme = "https" if settings.certfile else "http"
            callback(f"{scheme}://{settings.host}:{port}")
    server.startup = startup


class ServerThread:
    """The app served on a loopback port in a background thread (tests, benchmarks)."""

    def __init__(self, settings: Settings):
        from xltool.web.app import create_app

        settings.port = 0
        self.settings = settings
        self.server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
        self.url = ""
        self._ready = threading.Event()
        _call_when_started(self.server, self._started, settings)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def _started(self, url):
        self.url = url
        self._ready.set()

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("server did not start")
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)
