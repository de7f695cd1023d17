"""Serves the sandbox page (bot/static/sandbox.html and its assets)."""
from __future__ import annotations

import pathlib

from aiohttp import web

STATIC = pathlib.Path(__file__).parent / "static"


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "sandbox.html", headers={"Cache-Control": "no-cache"})


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/sandbox", page)
    app.router.add_static("/sandbox/static", STATIC)
