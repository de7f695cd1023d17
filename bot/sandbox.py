"""Sandbox mode (no LINE channel): a simulated LINE chat in the browser.

Messages typed on /sandbox become webhook-shaped events that go through the same
durable queue, handlers and outbox as real LINE events; what the bot "sends" lands in
an in-memory transcript the page polls.

The sandbox API is for a demo on the machine itself: it speaks as any LINE user without
signing in, so it answers only requests from loopback that did not come through a proxy
(a ``Forwarded``/``X-Forwarded-For``/``X-Real-IP`` header means the caller is elsewhere).
"""
from __future__ import annotations

import functools
import ipaddress
import itertools
import secrets
import time
from collections import deque
from typing import Any

from aiohttp import web

from bot.inbound import store
from commerce.db import utcnow
from commerce.models import Member

SANDBOX_GROUP = "Csandbox00000000000000000000000001"
_ids = itertools.count(int(time.time() * 1000) * 1000)


def _new_id() -> str:
    return str(next(_ids))


_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def from_this_machine(request: web.Request) -> bool:
    """The caller is on loopback and not relayed by a proxy."""
    if any(h in request.headers for h in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address((request.remote or "").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def loopback_only(handler):
    """Refuse (403, the one error shape) a caller that is not on this machine."""
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.Response:
        if not from_this_machine(request):
            return web.json_response({"error": {"code": "forbidden",
                                                "message": "the sandbox answers only on this machine (loopback)"}},
                                     status=403)
        return await handler(request)
    return guarded


def chat_key(group_id: str | None, user_id: str | None) -> str:
    return group_id if group_id else f"user:{user_id}"


class Transcript:
    """Everything said in the sandbox, newest last (bounded)."""

    def __init__(self, size: int = 5000) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self.names: dict[str, str] = {}
        self.reply_chats: dict[str, str] = {}
        self.retry_keys: dict[str, list[str]] = {}
        self.seq = itertools.count(1)

    def add(self, chat: str, sender: str, message: dict[str, Any], *, via: str, message_id: str | None = None) -> str:
        message_id = message_id or _new_id()
        self.entries.append({
            "seq": next(self.seq), "id": message_id, "chat": chat, "from": sender,
            "name": "PlusOne" if sender == "bot" else self.names.get(sender, sender), "via": via,
            "type": message.get("type", "text"), "text": message.get("text", ""), "url": message.get("url"),
            "at": utcnow().isoformat(),
        })
        return message_id

    def after(self, seq: int) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["seq"] > seq]


class SandboxSender:
    """Stands in for the LINE Messaging API: reply, push and profiles."""

    def __init__(self, transcript: Transcript) -> None:
        self.t = transcript

    async def reply(self, reply_token: str, messages: list[dict]) -> list[str]:
        chat = self.t.reply_chats.pop(reply_token, None)
        if chat is None:
            from bot.line_api import LinePermanent

            raise LinePermanent("Invalid reply token", status=400)
        return [self.t.add(chat, "bot", m, via="reply") for m in messages]

    async def push(self, to: str, messages: list[dict], *, retry_key: str) -> list[str]:
        if retry_key in self.t.retry_keys:  # like LINE: a retried push is not sent again
            return self.t.retry_keys[retry_key]
        chat = to if to.startswith(("C", "R")) else f"user:{to}"
        ids = [self.t.add(chat, "bot", m, via="push") for m in messages]
        self.t.retry_keys[retry_key] = ids
        return ids

    async def display_name(self, user_id: str, group_id: str | None = None) -> str | None:
        return self.t.names.get(user_id)


def sandbox_routes(transcript: Transcript, *, on_stored, window_ms: int) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.post("/sandbox/api/send")
    @loopback_only
    async def send(request: web.Request) -> web.Response:
        data = await request.json()
        user_id = str(data.get("user_id") or "").strip()[:64]
        name = str(data.get("name") or "").strip()[:60]
        text = str(data.get("text") or "")[:5000]
        chat = data.get("chat", "group")
        if not user_id or not text.strip():
            return web.json_response({"error": {"code": "invalid", "message": "pick a person and type a message",
                                                "field": "text" if user_id else "user_id"}}, status=400)
        if name:
            transcript.names[user_id] = name
        group_id = SANDBOX_GROUP if chat == "group" else None
        token = secrets.token_hex(16)
        message_id = _new_id()
        event = {
            "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
            "source": {"type": "group", "groupId": group_id, "userId": user_id} if group_id
            else {"type": "user", "userId": user_id},
            "webhookEventId": f"sandbox-{message_id}", "deliveryContext": {"isRedelivery": False},
            "replyToken": token,
            "message": {"id": message_id, "type": "text", "text": text, "quoteToken": secrets.token_hex(8)},
        }
        if data.get("quoted_message_id"):
            event["message"]["quotedMessageId"] = str(data["quoted_message_id"])
        key = chat_key(group_id, user_id)
        transcript.reply_chats[token] = key
        transcript.add(key, user_id, {"type": "text", "text": text}, via="user", message_id=message_id)
        await store([event], now=utcnow(), window_ms=window_ms)
        on_stored([event])
        return web.json_response({"id": message_id, "chat": key}, status=201)

    @routes.get("/sandbox/api/messages")
    @loopback_only
    async def messages(request: web.Request) -> web.Response:
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            after = 0
        return web.json_response({"messages": transcript.after(after), "group_id": SANDBOX_GROUP})

    @routes.get("/sandbox/api/people")
    @loopback_only
    async def people(request: web.Request) -> web.Response:
        hosts = await Member.filter(is_host=True).order_by("id").limit(20)
        buyers = await Member.filter(is_host=False, line_user_id__isnull=False).order_by("-id").limit(30)
        def view(m):
            return {"user_id": m.line_user_id, "name": transcript.names.get(m.line_user_id, m.display_name),
                    "host": m.is_host}
        return web.json_response({"people": [view(m) for m in hosts] + [view(m) for m in buyers],
                                  "group_id": SANDBOX_GROUP})

    return routes
