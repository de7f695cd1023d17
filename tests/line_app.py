"""Helpers for end-to-end bot tests: the app in LINE mode against the fake Messaging API."""
from __future__ import annotations

import asyncio
import inspect
import os
import sys

import aiohttp

from commerce.models import InboundEvent, Notification
from plusone.app import create_app
from plusone.settings import Settings
from tests.fake_line import ACCESS_TOKEN, CHANNEL_SECRET, make_webhook_body, text_event, webhook_headers


async def serve_line_mode(db_url: str, fake_line, port: int, **env_extra: str):
    """`plusone serve` as a subprocess in LINE mode against the fake Messaging API; returns
    the process once /healthz answers 200."""
    env = {**os.environ, "PLUSONE_DATABASE_URL": db_url, "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
           "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "PLUSONE_LINE_API_BASE": fake_line.base_url, **env_extra}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "plusone.cli", "serve", "--port", str(port),
                                                env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    await proc.wait()
    raise AssertionError("server did not start")


def line_settings(db_url: str, fake_line, **extra) -> Settings:
    return Settings(database_url=db_url, line_channel_secret=CHANNEL_SECRET, line_channel_access_token=ACCESS_TOKEN,
                    line_api_base=fake_line.base_url, public_url="https://shop.example", **extra)


def line_app(db_url: str, fake_line, **extra):
    return create_app(line_settings(db_url, fake_line, **extra))


async def post_events(client, events: list[dict]):
    body = make_webhook_body(events)
    return await client.post("/line/webhook", data=body, headers=webhook_headers(body))


async def exchange(client, fake_line, text: str, *, index: int = 0, **kwargs) -> tuple[str, str]:
    """Post one group message; (the text of the bot's reply's message ``index``, its message id),
    once answered (-1: the last, after any notice the reply carries first)."""
    before = len(fake_line.replies)
    await post_events(client, [text_event(text, **kwargs)])
    await settled()
    assert len(fake_line.replies) == before + 1, f"no reply to {text!r}"
    answer = fake_line.replies[-1]
    return answer.messages[index]["text"], answer.sent_ids[index]


async def settled(timeout: float = 60.0) -> None:
    """Wait until every stored event is applied and every due notification handled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        pending_events = await InboundEvent.filter(status="pending").count()
        pending_notes = await Notification.filter(status="pending").count()
        if not pending_events and not pending_notes:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not settled: {pending_events} events, {pending_notes} notifications pending")


async def eventually(read, ok, timeout: float = 20.0, every: float = 0.05):
    """Poll ``read()`` (sync or async) until ``ok(value)``; return that value, or fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = read()
        if inspect.isawaitable(value):
            value = await value
        if ok(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"still not so after {timeout} s: {value!r}")
        await asyncio.sleep(every)


async def ticks_pass(n: int, tick_s: float) -> None:
    """Let ``n`` ticks of a periodic job go by: the bounded wait before asserting that
    something did not happen (there is no event to wait for when nothing happens)."""
    await asyncio.sleep(n * tick_s)
