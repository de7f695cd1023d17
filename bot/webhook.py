"""POST /line/webhook: verify → store durably → 200; the inbound worker applies events.

A bad or missing signature is a 400 and stores nothing; a signed body that is not a
webhook is a 400. The console's signed ``{"events": []}`` gets 200.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from linebot.v3 import SignatureValidator

from bot.events import Incoming
from bot.inbound import InFlight, InvalidWebhook, events_of, stamp_of, store
from commerce.db import utcnow

log = logging.getLogger(__name__)


def to_incoming(event: dict[str, Any]) -> Incoming | None:
    """Our view of a LINE event; None for what the bot does not act on (stickers, images…)."""
    kind = event.get("type")
    source = event.get("source") or {}
    group_id = source.get("groupId") or source.get("roomId")
    common = dict(
        event_id=event["webhookEventId"],
        source="group" if group_id else "user",
        group_id=group_id,
        user_id=source.get("userId"),
        reply_token=event.get("replyToken"),
        timestamp=datetime.fromtimestamp(event.get("timestamp", 0) / 1000, timezone.utc),
    )
    if kind in ("message", "messageEdited"):
        message = event.get("message") or {}
        if message.get("type") != "text":
            return None
        mentionees = ((message.get("mention") or {}).get("mentionees")) or []
        text = message.get("text", "")
        mine = [m for m in mentionees if m.get("isSelf")]
        for m in sorted(mine, key=lambda m: m.get("index", 0), reverse=True):  # cut "@bot" out
            start, length = int(m.get("index", 0)), int(m.get("length", 0))
            text = text[:start] + text[start + length:]
        return Incoming(
            kind="message" if kind == "message" else "edited",
            message_id=message.get("id"),
            text=text.strip() if mine else text,
            quoted_message_id=message.get("quotedMessageId"),
            mentions_bot=bool(mine),
            quote_token=message.get("quoteToken"),
            **common,
        )
    if kind == "unsend":
        return Incoming(kind="unsend", message_id=(event.get("unsend") or {}).get("messageId"), **common)
    if kind in ("join", "follow"):
        return Incoming(kind=kind, message_id=None, **common)
    if kind == "memberJoined":
        return Incoming(kind="member_joined", message_id=None, **common)
    return None


def webhook_handler(channel_secret: str, *, on_stored, window_ms: int, in_flight: InFlight | None = None):
    validator = SignatureValidator(channel_secret)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        signature = request.headers.get("X-Line-Signature", "")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if not signature or text is None or not validator.validate(text, signature):
            return web.json_response({"error": {"code": "bad_signature", "message": "bad or missing X-Line-Signature"}},
                                     status=400)
        try:
            events = events_of(json.loads(text))
        except (json.JSONDecodeError, InvalidWebhook) as err:
            return web.json_response({"error": {"code": "invalid", "message": f"not a webhook: {err}"}}, status=400)
        if events:
            now = utcnow()
            received_ms = int(now.timestamp() * 1000)
            token = in_flight.add([stamp_of(e, received_ms) for e in events]) if in_flight else None
            try:
                await store(events, now=now, window_ms=window_ms)
            finally:
                if in_flight:
                    in_flight.done(token)
            on_stored()
        return web.json_response({})

    return handle
