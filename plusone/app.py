"""The composition root: one aiohttp application wiring every part."""
from __future__ import annotations

import logging
import os

from aiohttp import web

from commerce.db import close_db, fetch, init_db
from pickup_counter import api_campaigns
from pickup_counter.api import auth_middleware, errors_middleware, idempotency_middleware, json_response
from pickup_counter.openapi import document
from plusone.settings import Settings

log = logging.getLogger("plusone")
SETTINGS = web.AppKey("settings", Settings)


async def _database(app: web.Application):
    settings = app[SETTINGS]
    await init_db(settings.database_url)
    if settings.demo:
        from plusone.demo import seed

        await seed(app)
    yield
    await close_db()


async def healthz(request: web.Request) -> web.Response:
    from tortoise import connections

    url = request.app[SETTINGS].database_url
    try:
        await fetch(connections.get("default"), "SELECT COUNT(*) AS n FROM campaigns")  # a real read of the schema
        if url.startswith("sqlite://"):
            # A deleted database file still answers through the open handle, and every
            # write after that would be lost: that is down too.
            path = url.split("://", 1)[1].split("?", 1)[0]
            if path != ":memory:" and not os.path.exists(path):
                raise FileNotFoundError(path)
    except Exception as exc:  # any failure to reach the database is the answer
        return json_response({"status": "unavailable", "database": "down", "error": type(exc).__name__}, status=503)
    return json_response({"status": "ok", "database": "ok", "sandbox": request.app[SETTINGS].sandbox})


async def openapi(request: web.Request) -> web.Response:
    return json_response(document())


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[errors_middleware, auth_middleware, idempotency_middleware],
                          client_max_size=5 * 1024 * 1024)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_routes(api_campaigns.routes)
    return app
