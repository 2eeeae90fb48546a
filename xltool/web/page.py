"""The bureau's checking page at ``/`` (placeholder until the page lands)."""
from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.routing import Route


def routes(settings):
    async def index(request):
        return PlainTextResponse("xltool：服务运行中", headers={"Cache-Control": "no-store"})
    return [Route("/", index)]
