"""The composition root: one aiohttp application wiring every part."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING

from aiohttp import web

from commerce import waitlist
from commerce.db import close_db, fetch, init_db
from pickup_counter import (
    api_campaigns, api_checkout, api_counter, api_manager, api_members, api_receipts, api_shifts, api_staff,
    pages_counter, pages_manager, pages_people, pages_staff, web as pages,
)
from pickup_counter.api import auth_middleware, errors_middleware, idempotency_middleware, json_response
from pickup_counter.openapi import document
from plusone.settings import Settings

if TYPE_CHECKING:
    from devices.print_queue import PrintQueue

log = logging.getLogger("plusone")
SETTINGS = web.AppKey("settings", Settings)
PRINT_RETRY_S = web.AppKey("print_retry_s", float)
BOT = web.AppKey("bot", object)
LINE = web.AppKey("line", object)


async def _database(app: web.Application):
    settings = app[SETTINGS]
    ctx = await init_db(settings.database_url)
    if settings.demo:
        from plusone.demo import seed

        await seed(app)
    yield
    await close_db(ctx)


async def _waitlist_notice(app: web.Application):
    """The shop's PLUSONE_WAITLIST_NOTICE, for every close this process makes (commerce.waitlist)."""
    waitlist.configure(app[SETTINGS].waitlist_notice)
    yield
    waitlist.configure(waitlist.WaitlistNotice.OFF)


def make_print_queue(settings: Settings) -> "PrintQueue":
    import socket

    from devices.print_queue import PrintQueue, ReceiptOptions
    from devices.printers import open_printer

    return PrintQueue(
        open_printer(settings.printer),
        encoding=settings.printer_encoding,
        width_cols=settings.printer_width,
        receipt=ReceiptOptions(shop_name=settings.shop_name, shop_address=settings.shop_address,
                               zone=settings.timezone, locale=settings.locale),
        worker_id=f"{socket.gethostname()}:{os.getpid()}:printer",
    )


async def _print_retries(app: web.Application):
    """Retry queued receipts in the background (a printer that was off, prints when it is back)."""
    async def loop():
        while True:
            await asyncio.sleep(app[PRINT_RETRY_S])
            try:
                await app[api_receipts.PRINT_QUEUE].retry_due()
            except Exception:  # keep retrying; the job rows hold the errors
                log.exception("print retry failed")

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _bot_parts(app: web.Application, settings: Settings) -> None:
    """LINE mode (channel configured) or sandbox mode: same runtime, different sender."""
    import socket

    from bot.runtime import BotRuntime

    worker_id = f"{socket.gethostname()}:{os.getpid()}:bot"
    if settings.sandbox:
        from bot.sandbox import SandboxSender, Transcript, sandbox_routes

        transcript = Transcript()
        sender = SandboxSender(transcript)
        runtime = BotRuntime(sender, sender, locale=settings.locale, tz=settings.tz,
                             public_url=settings.public_url, worker_id=worker_id, push_budget=settings.push_budget)
        app.router.add_routes(sandbox_routes(transcript, on_stored=runtime.stored,
                                             window_ms=settings.reorder_window_ms))
        from bot.sandbox_page import add_page_routes

        add_page_routes(app)
    else:
        from bot.line_api import LineApi
        from bot.webhook import webhook_handler

        line = LineApi(settings.line_channel_access_token, settings.line_api_base)
        app[LINE] = line
        runtime = BotRuntime(line, line, locale=settings.locale, tz=settings.tz, public_url=settings.public_url,
                             worker_id=worker_id, push_budget=settings.push_budget)
        app.router.add_post("/line/webhook", webhook_handler(settings.line_channel_secret,
                                                             on_stored=runtime.stored,
                                                             window_ms=settings.reorder_window_ms,
                                                             in_flight=runtime.in_flight))
    app[BOT] = runtime


async def _bot(app: web.Application):
    line = app.get(LINE)
    if line is not None:
        await line.start()
    if app[SETTINGS].sandbox:
        from bot.sandbox import SANDBOX_GROUP
        from commerce.members import ensure_group

        await ensure_group(SANDBOX_GROUP, "Sandbox 團購群")
    app[BOT].start()
    yield
    await app[BOT].stop()
    if line is not None:
        await line.close()


async def _scheduler(app: web.Application):
    """Scheduled jobs (PLUSONE_SCHEDULER), started in the loop after the database and the bot,
    stopped before them. Jobs claim their work in the database: any number of processes may run them."""
    settings = app[SETTINGS]
    if not settings.scheduler:
        yield
        return
    from scheduler.jobs import plan
    from scheduler.runner import Scheduler

    runner = Scheduler(
        plan(tz=settings.tz, tick_s=settings.scheduler_tick_s, closing_soon_push=settings.closing_soon_push,
             unpaid_at=settings.unpaid_reminder_at, pickup_at=settings.pickup_reminder_at,
             reconciliation_at=settings.reconciliation_at, close_notice=settings.close_notice),
        tz=settings.tz, on_queued=app[BOT].delivery.wake,
    )
    runner.start()
    yield
    await runner.stop()


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


def create_app(settings: Settings, *, print_retry_s: float = 10.0) -> web.Application:
    app = web.Application(middlewares=[errors_middleware, pages.session_middleware, auth_middleware, idempotency_middleware],
                          client_max_size=5 * 1024 * 1024)
    app[SETTINGS] = settings
    app[PRINT_RETRY_S] = print_retry_s
    app[api_receipts.PRINT_QUEUE] = make_print_queue(settings)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_waitlist_notice)
    app.cleanup_ctx.append(_print_retries)
    _bot_parts(app, settings)
    app.cleanup_ctx.append(_bot)
    app.cleanup_ctx.append(_scheduler)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_routes(api_campaigns.routes)
    app.router.add_routes(api_receipts.routes)
    app.router.add_routes(api_counter.routes)
    app.router.add_routes(api_shifts.routes)
    app.router.add_routes(api_members.routes)
    app.router.add_routes(api_checkout.routes)
    app.router.add_routes(api_manager.routes(settings.tz))
    app.router.add_routes(api_staff.routes)
    pages.setup(app, locale=settings.locale, zone=settings.tz, shop_name=settings.shop_name,
                push_budget=settings.push_budget)
    app.router.add_routes(pages_counter.routes)
    app.router.add_routes(pages_manager.routes)
    app.router.add_routes(pages_staff.routes)
    app.router.add_routes(pages_people.routes)
    return app
