"""Request limits, as one ASGI middleware: body size, bodies in flight, stalled bodies.

- a body larger than the path's limit is refused (413) from its
  ``Content-Length`` before a byte is read, or as soon as a chunked body
  passes the limit;
- all bodies being received at once share one budget: a request whose
  declared size (or, for chunked bodies, the path's limit) does not fit is
  answered 503 at once, so six 57 MB uploads cannot take a gigabyte;
- a body that stops arriving for ``body_timeout`` seconds is answered 408.

The answer is Chinese plain text; the connection is closed after an error
answer to a body that was not read to its end.
"""
from __future__ import annotations

import math
import threading
from typing import Callable

import anyio


class BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Budget:
    """Bytes of request bodies the server holds at once (thread-safe counter)."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0
        self._lock = threading.Lock()

    def take(self, amount: int) -> bool:
        with self._lock:
            if self.used + amount > self.total:
                return False
            self.used += amount
            return True

    def give(self, amount: int) -> None:
        with self._lock:
            self.used -= amount


async def plain(send, status: int, message: str, close: bool = False) -> None:
    body = message.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{math.ceil(n / 1024)} KB"


class BodyLimits:
    """ASGI middleware. ``max_body(path)`` gives the limit for a path; ``budget`` is shared by all requests."""

    def __init__(self, app, *, max_body: Callable[[str], int], budget: Budget, body_timeout: float):
        self.app = app
        self.max_body = max_body
        self.budget = budget
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.max_body(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        try:
            length = int(declared) if declared is not None else None
        except ValueError:
            await plain(send, 400, "Content-Length 无效", close=True)
            return
        if length is not None and length > limit:
            await plain(send, 413, f"请求过大：{_mb(length)}，上限 {_mb(limit)}", close=True)
            return
        reserved = limit if length is None else length
        if not self.budget.take(reserved):
            await plain(send, 503, "服务器正在接收其他文件，请稍后再试", close=True)
            return
        started = False
        received = 0

        async def limited_receive():
            nonlocal received
            with anyio.move_on_after(self.body_timeout) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                raise BodyError(408, f"{self.body_timeout:g} 秒内没有收到数据，请求已取消")
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyError(413, f"请求过大：超过上限 {_mb(limit)}")
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyError as exc:
            if not started:
                await plain(send, exc.status, exc.message, close=True)
        finally:
            self.budget.give(reserved)
