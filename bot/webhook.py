"""POST /line/webhook: verify → store durably → 200; the inbound worker applies events.

A bad or missing signature is a 400 and stores nothing (the header is checked before the
body is read); a body over ``MAX_BODY`` is a 413; a signed body that is not a webhook is a
400. The console's signed ``{"events": []}`` gets 200. A signed event that is not shaped as
LINE sends it (wrong types, lone surrogates, deep nesting) is stored as failed, not applied,
while the good events of its batch are: LINE redelivers a batch answered 5xx, so a bad event
must never fail the request.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from bot.events import Incoming
from bot.inbound import InvalidWebhook, events_of, stamp_of, store
from bot.intake import InFlight
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
        timestamp=datetime.fromtimestamp((event.get("timestamp") or 0) / 1000, timezone.utc),
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
    if kind in ("join", "follow", "unfollow"):
        return Incoming(kind=kind, message_id=None, **common)
    if kind == "memberJoined":
        return Incoming(kind="member_joined", message_id=None, **common)
    if kind == "memberLeft":
        return Incoming(kind="member_left", message_id=None, **common)
    return None


# LINE's webhook bodies are a few KB (a batch of events, texts of at most 5,000 characters).
MAX_BODY = 1024 * 1024
MAX_DEPTH = 16  # LINE's events nest about five levels deep
MAX_ID = 64  # the widest id column we store LINE ids in
MAX_TOKEN = 256
MAX_TEXT = 10_000  # LINE allows 5,000 characters
MAX_STAMP_MS = 253_402_300_799_000  # 9999-12-31: past it a datetime cannot hold the stamp
_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_type(value: Any, kind: type, limit: int | None = None) -> bool:
    """True unless ``value`` is absent (None) or a ``kind`` (a bool is not a number), within ``limit``."""
    if value is None:
        return False
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return True
    return limit is not None and not 0 <= (len(value) if kind is str else value) <= limit


def problem_of(event: dict[str, Any]) -> str | None:
    """Why ``event`` is not shaped as LINE sends it (for what ``to_incoming`` reads), or None."""
    stack: list[tuple[Any, int]] = [(event, 0)]
    while stack:  # no recursion: a deep body must not blow the stack here
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "nested too deeply"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for pair in value.items() for v in pair)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and _SURROGATE.search(value):
            return "text that is not valid Unicode (a lone surrogate)"
    if _bad_type(event.get("timestamp"), int, MAX_STAMP_MS):
        return "timestamp is not a time in ms"
    if _bad_type(event.get("replyToken"), str, MAX_TOKEN):
        return "replyToken is not a token"
    source = event.get("source")
    if source is not None:
        if not isinstance(source, dict):
            return "source is not an object"
        for name in ("type", "userId", "groupId", "roomId"):
            if _bad_type(source.get(name), str, MAX_ID):
                return f"source.{name} is not an id"
    if event.get("type") in ("message", "messageEdited") and event.get("message") is not None:
        message = event["message"]
        if not isinstance(message, dict):
            return "message is not an object"
        for name, limit in (("type", MAX_ID), ("id", MAX_ID), ("text", MAX_TEXT), ("quoteToken", MAX_TOKEN),
                            ("quotedMessageId", MAX_ID)):
            if _bad_type(message.get(name), str, limit):
                return f"message.{name} is not text"
        mention = message.get("mention")
        if mention is not None:
            if not isinstance(mention, dict):
                return "message.mention is not an object"
            mentionees = mention.get("mentionees")
            if mentionees is not None and not isinstance(mentionees, list):
                return "message.mention.mentionees is not a list"
            for m in mentionees or []:
                if not isinstance(m, dict) or _bad_type(m.get("index"), int, MAX_TEXT) \
                        or _bad_type(m.get("length"), int, MAX_TEXT):
                    return "a mentionee is not an index and a length"
    if event.get("type") == "unsend" and event.get("unsend") is not None:
        unsend = event["unsend"]
        if not isinstance(unsend, dict) or _bad_type(unsend.get("messageId"), str, MAX_ID):
            return "unsend.messageId is not an id"
    return None


def _signed(secret: bytes, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode("ascii")
    return hmac.compare_digest(expected, signature.strip())


async def _read_capped(request: web.Request, cap: int) -> bytes | None:
    """The body, read in chunks; None as soon as it is longer than ``cap``."""
    if request.content_length is not None and request.content_length > cap:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def webhook_handler(channel_secret: str, *, on_stored, window_ms: int, in_flight: InFlight | None = None,
                    max_body: int = MAX_BODY):
    secret = channel_secret.encode("utf-8")

    async def handle(request: web.Request) -> web.Response:
        # Checked before the body is read: an unsigned post costs us no memory.
        signature = request.headers.get("X-Line-Signature", "")
        if not signature.strip():
            return _error(400, "bad_signature", "bad or missing X-Line-Signature")
        body = await _read_capped(request, max_body)
        if body is None:
            return _error(413, "too_large", f"a webhook body is at most {max_body} bytes")
        if not _signed(secret, body, signature):
            return _error(400, "bad_signature", "bad or missing X-Line-Signature")
        try:
            events = events_of(json.loads(body))
        except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested past the parser, not a webhook
            if isinstance(err, RecursionError):
                err = InvalidWebhook("nested too deeply")
            return _error(400, "invalid", f"not a webhook: {err}"[:300])
        if any(_SURROGATE.search(e["webhookEventId"]) for e in events):
            return _error(400, "invalid", "not a webhook: an event without a webhookEventId")
        good, bad = [], []
        for event in events:
            problem = problem_of(event)
            if problem is None:
                good.append(event)
            else:
                log.warning("event %s is not a LINE event (%s): stored as failed", event["webhookEventId"], problem)
                bad.append((event, problem))
        if events:
            now = utcnow()
            received_ms = int(now.timestamp() * 1000)
            token = in_flight.add([stamp_of(e, received_ms) for e in good]) if in_flight and good else None
            try:
                await store(good, now=now, window_ms=window_ms, invalid=bad)
            finally:
                if token is not None:
                    in_flight.done(token)
            if good:
                on_stored(good)
        return web.json_response({})

    return handle
