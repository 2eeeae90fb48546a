"""The ASGI application (Starlette): the Office.js service and the bureau's checking page.

Routes of the Office.js service (``officejs.py`` makes their content):

- ``POST /xlwings/<button>``: the JSON book an xlwings client sends; runs the
  button's macro and answers the actions for the client. Needs the install
  token and ``Content-Type: application/json``; JSON nested too deep is a 400.
- ``GET /manifest.xml?token=…``: the Office add-in manifest (its URLs carry the token).
- ``GET /commands.html``, ``GET /xlwings/alert``, ``GET /icon-<n>.png``.

The checking page (``page.py``) is mounted at ``/``. Limits (body sizes, the
shared body budget, stalled bodies) are ``limits.BodyLimits``; connection
limits and timeouts are uvicorn's (``server.py``).
"""
from __future__ import annotations

import contextlib
import json
import re

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from xltool.web import officejs, security
from xltool.web.limits import BodyLimits, Budget
from xltool.web.server import Settings

JSON_TYPES = ("application/json",)


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers={"Cache-Control": "no-store"})


def own_origin(request: Request) -> str:
    host = request.headers.get("host") or "{}:{}".format(*request.scope["server"][:2])
    return f"{request.url.scheme}://{host}".lower()


def origin_problem(request: Request, settings: Settings) -> str:
    """Why a state-changing request from this origin is refused ("" when it is not)."""
    origin = request.headers.get("origin")
    if origin is None or security.origin_allowed(origin, {own_origin(request)}, settings.allow_origins):
        return ""
    return f"不接受来自 {origin} 的请求"


def create_app(settings: Settings) -> Starlette:
    macros_waiting = 0
    macro_runner = anyio.CapacityLimiter(1)   # xlwings' remote engine keeps its books in one list

    async def manifest(request: Request) -> Response:
        if not security.token_ok(request.query_params.get("token", ""), settings.token):
            return _text(401, "清单地址须带上 xltool serve 启动时显示的令牌（…/manifest.xml?token=令牌）")
        base = settings.base_url or str(request.base_url).rstrip("/")
        return Response(officejs.manifest_xml(base, settings.token), media_type="application/xml; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    async def commands(request: Request) -> Response:
        return Response(officejs.commands_html(settings.xlwings_js or None), media_type="text/html; charset=utf-8")

    async def alert(request: Request) -> Response:
        query = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
        return Response(officejs.alert_html(query), media_type="text/html; charset=utf-8")

    async def icon(request: Request) -> Response:
        size = int(request.path_params["size"])
        if size not in officejs.ICON_SIZES:
            return _text(404, f"未找到：{request.url.path}")
        return Response(officejs.png(size), media_type="image/png")

    async def health(request: Request) -> Response:
        return _text(200, "xltool：服务运行中")

    async def macro(request: Request) -> Response:
        nonlocal macros_waiting
        from xltool.excel import BUTTONS, button_key

        button = request.path_params["button"]
        if not re.fullmatch(r"[A-Za-z_.]+", button) or button_key(button) not in BUTTONS:
            return _text(404, f"未知的功能：{request.url.path}（可用：{'、'.join('/xlwings/' + b for b in BUTTONS)}）")
        problem = origin_problem(request, settings)
        if problem:
            return _text(403, problem)
        if not security.token_ok(security.presented_token(request.headers), settings.token):
            return _text(401, "缺少或错误的令牌：请使用 xltool serve 启动时显示的清单地址重新加载加载项")
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in JSON_TYPES:
            return _text(415, "请求体应为 JSON（Content-Type: application/json）")
        body = await request.body()
        if not body:
            return _text(400, "请求体应为 xlwings 客户端发送的工作簿 JSON")
        try:
            payload = security.loads_limited(body)
            if not isinstance(payload, dict) or "sheets" not in payload or "book" not in payload:
                raise ValueError("不是 xlwings 工作簿")
        except ValueError as exc:
            return _text(400, f"请求体不是有效的工作簿 JSON：{exc}")
        del body
        problem = officejs.remote_engine_problem()
        if problem:
            return _text(503, problem)
        if macros_waiting >= settings.macro_queue:
            return _text(503, "服务器繁忙：排队的请求过多，请稍后再试")
        macros_waiting += 1
        try:
            actions = await anyio.to_thread.run_sync(officejs.run_macro, button, payload, limiter=macro_runner)
        except Exception as exc:   # the client shows this text to the clerk
            return _text(500, f"xltool 出错：{type(exc).__name__}: {exc}")
        finally:
            macros_waiting -= 1
        return Response(json.dumps(actions, ensure_ascii=False, default=str),
                        media_type="application/json; charset=utf-8", headers={"Cache-Control": "no-store"})

    async def not_found(request: Request, exc) -> Response:
        return _text(404, f"未找到：{request.url.path}")

    routes = [
        Route("/health", health),
        Route("/manifest.xml", manifest),
        Route("/commands.html", commands),
        Route("/xlwings/alert", alert),
        Route("/icon-{size:int}.png", icon),
        Route("/xlwings/{button}", macro, methods=["POST"]),
    ]
    from xltool.web import page
    routes += page.routes(settings)

    def max_body(path: str) -> int:
        return settings.max_json if path.startswith("/xlwings/") else settings.max_upload

    origin_regex = security.OFFICE_ORIGIN_REGEX
    middleware = [
        Middleware(BodyLimits, max_body=max_body, budget=Budget(settings.body_budget),
                   body_timeout=settings.body_timeout),
        Middleware(CORSMiddleware, allow_origins=list(settings.allow_origins), allow_origin_regex=origin_regex,
                   allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type", "X-Xltool-Token"],
                   max_age=600),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:   # nothing of the uploads stays behind
            store = settings.extra.get("jobs")
            if store is not None:
                store.close()

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={404: not_found, 405: not_found})
