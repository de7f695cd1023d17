"""Helpers for end-to-end bot tests: the app in LINE mode against the fake Messaging API."""
from __future__ import annotations

import asyncio

from commerce.models import InboundEvent, Notification
from plusone.app import create_app
from plusone.settings import Settings
from tests.fake_line import ACCESS_TOKEN, CHANNEL_SECRET, make_webhook_body, webhook_headers


def line_settings(db_url: str, fake_line, **extra) -> Settings:
    return Settings(database_url=db_url, line_channel_secret=CHANNEL_SECRET, line_channel_access_token=ACCESS_TOKEN,
                    line_api_base=fake_line.base_url, public_url="https://shop.example", **extra)


def line_app(db_url: str, fake_line, **extra):
    return create_app(line_settings(db_url, fake_line, **extra))


async def post_events(client, events: list[dict]):
    body = make_webhook_body(events)
    return await client.post("/line/webhook", data=body, headers=webhook_headers(body))


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
