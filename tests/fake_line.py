"""A fake LINE Messaging API server, and builders for signed LINE webhook bodies.

The fake is a real aiohttp app on 127.0.0.1 (a free port), so the real line-bot-sdk client
talks to it over HTTP. It behaves like LINE where our code depends on it:

- `Authorization: Bearer <access_token>` or 401.
- Message calls need 1-5 messages; text is 1-5000 characters (counted in UTF-16 code units,
  the stricter reading); image URLs must be https. Otherwise 400 with LINE's error shape
  `{"message": ..., "details": [{"message": ..., "property": ...}]}`.
- Reply tokens are single-use: any token is accepted once, then 400 "Invalid reply token".
  X-Line-Retry-Key on reply is refused with 400.
- Push with an X-Line-Retry-Key seen before answers 409 with the original `sentMessages` and
  `x-line-accepted-request-id`; the key must be a UUID (400 otherwise).
- Every answer carries `x-line-request-id`; accepted messages get unique numeric ids and a
  quoteToken.

What it records (times are `time.monotonic()`):
- `fake.requests`: every attempt, whatever the answer (`Attempt`).
- `fake.replies` / `fake.pushes`: accepted deliveries only (`Delivery`).

Fault injection:
- `fail_next(status, count=1, retry_after=None, after_accept=False)`: the next `count` reply or
  push calls answer `status`. With `after_accept=True` the call is accepted and recorded first
  (reply token spent, retry key remembered) and only the answer is lost: LINE's "5xx but
  delivered" case that retry keys exist for.
- `down()` / `up()`: `down()` closes the listening socket and open keep-alive connections, so
  callers get *connection refused* (not a 503); `up()` listens again on the same port.
- `latency`: seconds every request waits before it is handled (the work still happens if the
  caller gives up, as on LINE).

Message cost, as LINE bills it: a push counts once per recipient (a group: its size,
`set_group_size`, default 1), whatever its number of messages (1-5); replies are free.
`quota_used` is that count; `/v2/bot/message/quota/consumption` serves it,
`/v2/bot/message/quota` serves `set_quota(limit)` (default: no limit, `{"type": "none"}`), and
`/v2/bot/group/{id}/members/count` the group's size. With a limit set, a push that would go
over it answers 429 "You have reached your monthly limit." and is not delivered.

Profiles: `set_profile(user_id, name)`; unknown users are "User <last 4 chars of id>";
`set_profile(user_id, None)` makes both profile APIs answer 404 for that user.

The `fake_line` fixture gives a started fake: `from tests.fake_line import fake_line_fixture`
in a conftest or test module (`fake_line` is the same fixture under its own name).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from aiohttp import web

ACCESS_TOKEN = "fake-channel-access-token"
CHANNEL_SECRET = "fake-channel-secret"
BOT_USER_ID = "U0b07b07b07b07b07b07b07b07b07b07b"
GROUP_ID = "C4af4980629f5f0d1a8e1c1a7b5b3a2c1"
USER_ID = "U206d25c2ea6bd87c17655609a1c37cb8"

MAX_MESSAGES = 5
_JSON_BODY = web.RequestKey("json_body", object)
MAX_TEXT_UTF16 = 5000

_ERROR_MESSAGES = {
    400: "The request body has 1 error(s)",
    401: (
        "Authentication failed. Confirm that the access token in the authorization header is"
        " valid."
    ),
    403: "The request was not authorized",
    404: "Not found",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "Internal server error",
    503: "Service unavailable",
}


@dataclass(frozen=True)
class Attempt:
    """One HTTP request to the fake, with the status it was answered."""

    method: str
    path: str
    headers: Mapping[str, str]  # case-insensitive
    body: Any  # parsed JSON, None for GET or an unparsable body
    status: int
    at: float


@dataclass(frozen=True)
class Delivery:
    """One accepted reply or push."""

    body: dict
    headers: Mapping[str, str]  # case-insensitive
    sent_ids: list[str]
    request_id: str
    at: float

    @property
    def messages(self) -> list[dict]:
        return self.body["messages"]

    @property
    def retry_key(self) -> str | None:
        return self.headers.get("X-Line-Retry-Key")


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    after_accept: bool


@dataclass
class FakeLine:
    access_token: str = ACCESS_TOKEN
    latency: float = 0.0
    requests: list[Attempt] = field(default_factory=list)
    replies: list[Delivery] = field(default_factory=list)
    pushes: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: deque[_Fault] = deque()
        self._spent_reply_tokens: set[str] = set()
        self._accepted_retry_keys: dict[str, tuple[str, list[dict]]] = {}
        self._profiles: dict[str, str | None] = {}
        self._group_sizes: dict[str, int] = {}
        self._group_names: dict[str, str] = {}
        self._ids = itertools.count(600_000_000_000_000_001)
        self._quota_used = 0
        self._quota_limit: int | None = None
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; return the base URL for `Configuration(host=…)`."""
        self._stopping.clear()
        app = web.Application(middlewares=[self._record_attempt])
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_get("/v2/bot/group/{group_id}/member/{user_id}", self._group_member)
        app.router.add_get("/v2/bot/profile/{user_id}", self._profile)
        app.router.add_get("/v2/bot/message/quota/consumption", self._quota_consumption)
        app.router.add_get("/v2/bot/message/quota", self._quota)
        app.router.add_get("/v2/bot/group/{group_id}/members/count", self._group_count)
        app.router.add_get("/v2/bot/group/{group_id}/summary", self._group_summary)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self.up()
        return self.base_url

    async def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping in `latency`
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = self._site = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeLine.start() has not been awaited")
        return f"http://127.0.0.1:{self._port}"

    async def down(self) -> None:
        """Refuse connections until `up()`: close the listener and open keep-alive sockets."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        assert self._runner is not None and self._runner.server is not None
        # Closing only the listener would leave pooled keep-alive connections served.
        await self._runner.server.shutdown(timeout=0.1)

    async def up(self) -> None:
        assert self._runner is not None
        if self._site is None:
            self._site = web.TCPSite(self._runner, "127.0.0.1", self._port or 0)
            await self._site.start()
            self._port = self._runner.addresses[0][1]

    # -- test controls ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        *,
        after_accept: bool = False,
    ) -> None:
        """Make the next `count` reply/push calls answer `status` (see the module docstring)."""
        for _ in range(count):
            self._faults.append(_Fault(status, retry_after, after_accept))

    def set_profile(self, user_id: str, display_name: str | None) -> None:
        """Name the user in both profile APIs; None makes them answer 404 for this user."""
        self._profiles[user_id] = display_name

    def set_group_size(self, group_id: str, members: int) -> None:
        """How many recipients a push to this group counts against the quota (default 1)."""
        self._group_sizes[group_id] = members

    def set_group_name(self, group_id: str, name: str) -> None:
        """The name the group summary API gives (unnamed groups answer 404)."""
        self._group_names[group_id] = name

    def set_quota(self, limit: int | None) -> None:
        """The month's message limit (None: none); past it a push answers 429 monthly limit."""
        self._quota_limit = limit

    def spend_reply_token(self, reply_token: str) -> None:
        """Make a reply token invalid, as if used or expired."""
        self._spent_reply_tokens.add(reply_token)

    @property
    def quota_used(self) -> int:
        """Messages counted against the monthly quota: one per push recipient."""
        return self._quota_used

    # -- handlers --------------------------------------------------------------------------

    @web.middleware
    async def _record_attempt(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = None
        if self.latency > 0 and not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self.latency)
            except asyncio.TimeoutError:
                pass
        request[_JSON_BODY] = body
        response = await self._authorised(request, handler)
        self.requests.append(
            Attempt(
                method=request.method,
                path=request.path,
                headers=request.headers,
                body=body,
                status=response.status,
                at=time.monotonic(),
            )
        )
        return response

    async def _authorised(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(401)
        try:
            return await handler(request)
        except web.HTTPException as e:
            if e.status == 404:
                return _error(404)
            raise

    async def _reply(self, request: web.Request) -> web.Response:
        fault = self._take_fault()
        if fault and not fault.after_accept:
            return _fault_response(fault)
        if "X-Line-Retry-Key" in request.headers:
            return _error(400, message="X-Line-Retry-Key is not supported for this API")
        body = request[_JSON_BODY]
        problems = _check_messages(body)
        token = body.get("replyToken") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            problems.append({"message": "must be specified", "property": "replyToken"})
        if problems:
            return _invalid(problems)
        if token in self._spent_reply_tokens:
            return _error(400, message="Invalid reply token")
        self._spent_reply_tokens.add(token)
        request_id, sent = self._accept(request, body, self.replies)
        return _fault_response(fault) if fault else _sent(request_id, sent)

    async def _push(self, request: web.Request) -> web.Response:
        fault = self._take_fault()
        if fault and not fault.after_accept:
            return _fault_response(fault)
        body = request[_JSON_BODY]
        problems = _check_messages(body)
        to = body.get("to") if isinstance(body, dict) else None
        if not isinstance(to, str) or not to:
            problems.append({"message": "must be specified", "property": "to"})
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None and not _is_uuid(retry_key):
            problems.append({"message": "must be a UUID", "property": "X-Line-Retry-Key"})
        if problems:
            return _invalid(problems)
        if retry_key is not None and retry_key in self._accepted_retry_keys:
            first_request_id, sent = self._accepted_retry_keys[retry_key]
            return web.json_response(
                {"message": "The retry key is already accepted", "sentMessages": sent},
                status=409,
                headers={
                    "x-line-request-id": str(uuid.uuid4()),
                    "x-line-accepted-request-id": first_request_id,
                },
            )
        cost = self._group_sizes.get(to, 1)
        if self._quota_limit is not None and self._quota_used + cost > self._quota_limit:
            return _error(429, message="You have reached your monthly limit.")
        request_id, sent = self._accept(request, body, self.pushes)
        if retry_key is not None:
            self._accepted_retry_keys[retry_key] = (request_id, sent)
        self._quota_used += cost
        return _fault_response(fault) if fault else _sent(request_id, sent)

    async def _group_member(self, request: web.Request) -> web.Response:
        return self._profile_response(request.match_info["user_id"], with_extras=False)

    async def _profile(self, request: web.Request) -> web.Response:
        return self._profile_response(request.match_info["user_id"], with_extras=True)

    async def _quota_consumption(self, request: web.Request) -> web.Response:
        return web.json_response({"totalUsage": self._quota_used}, headers=_request_id_header())

    async def _quota(self, request: web.Request) -> web.Response:
        body = {"type": "none"} if self._quota_limit is None else {"type": "limited", "value": self._quota_limit}
        return web.json_response(body, headers=_request_id_header())

    async def _group_count(self, request: web.Request) -> web.Response:
        count = self._group_sizes.get(request.match_info["group_id"], 1)
        return web.json_response({"count": count}, headers=_request_id_header())

    async def _group_summary(self, request: web.Request) -> web.Response:
        group_id = request.match_info["group_id"]
        if group_id not in self._group_names:
            return _error(404, message="Not found")
        return web.json_response({"groupId": group_id, "groupName": self._group_names[group_id],
                                  "pictureUrl": "https://profile.line-scdn.net/x"}, headers=_request_id_header())

    # -- helpers ---------------------------------------------------------------------------

    def _take_fault(self) -> _Fault | None:
        return self._faults.popleft() if self._faults else None

    def _accept(
        self, request: web.Request, body: dict, into: list[Delivery]
    ) -> tuple[str, list[dict]]:
        request_id = str(uuid.uuid4())
        sent = [
            {"id": str(next(self._ids)), "quoteToken": secrets.token_urlsafe(24)}
            for _ in body["messages"]
        ]
        into.append(
            Delivery(
                body=body,
                headers=request.headers,
                sent_ids=[m["id"] for m in sent],
                request_id=request_id,
                at=time.monotonic(),
            )
        )
        return request_id, sent

    def _profile_response(self, user_id: str, *, with_extras: bool) -> web.Response:
        name = self._profiles.get(user_id, f"User {user_id[-4:]}")
        if name is None:
            return _error(404)
        profile: dict[str, Any] = {
            "displayName": name,
            "userId": user_id,
            "pictureUrl": f"https://profile.line-scdn.net/{user_id}",
        }
        if with_extras:
            profile["language"] = "zh-TW"
        return web.json_response(profile, headers=_request_id_header())


def _request_id_header() -> dict[str, str]:
    return {"x-line-request-id": str(uuid.uuid4())}


def _error(status: int, *, message: str | None = None, details: list | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message or _ERROR_MESSAGES.get(status, "Error")}
    if details:
        body["details"] = details
    return web.json_response(body, status=status, headers=_request_id_header())


def _invalid(problems: list[dict]) -> web.Response:
    return _error(400, message=f"The request body has {len(problems)} error(s)", details=problems)


def _fault_response(fault: _Fault) -> web.Response:
    response = _error(fault.status)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


def _sent(request_id: str, sent: list[dict]) -> web.Response:
    return web.json_response({"sentMessages": sent}, headers={"x-line-request-id": request_id})


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_messages(body: Any) -> list[dict]:
    if not isinstance(body, dict):
        return [{"message": "must be a JSON object", "property": ""}]
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [{"message": f"size must be between 1 and {MAX_MESSAGES}", "property": "messages"}]
    problems = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "text":
            text = message.get("text")
            if not isinstance(text, str) or not text:
                problems.append({"message": "must be specified", "property": f"{where}.text"})
            elif len(text.encode("utf-16-le")) // 2 > MAX_TEXT_UTF16:
                problems.append(
                    {"message": f"Length must be between 0 and {MAX_TEXT_UTF16}",
                     "property": f"{where}.text"}
                )
        elif kind == "image":
            for key in ("originalContentUrl", "previewImageUrl"):
                url = message.get(key)
                if not isinstance(url, str) or not url.startswith("https://"):
                    problems.append(
                        {"message": "must be an https URL", "property": f"{where}.{key}"}
                    )
        else:
            problems.append({"message": "unsupported message type", "property": f"{where}.type"})
    return problems


@pytest_asyncio.fixture(name="fake_line")
async def fake_line_fixture() -> AsyncIterator[FakeLine]:
    """The `fake_line` fixture: a started `FakeLine`; `fake_line.base_url` is its address.

    Import `fake_line_fixture` (or its alias `fake_line`) into a conftest or test module;
    importing it under the other name keeps linters from flagging the test parameter.
    """
    fake = FakeLine()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


fake_line = fake_line_fixture


# -- webhook builders ----------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def sign(body: bytes, secret: str) -> str:
    """The `x-line-signature` LINE sends: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def make_webhook_body(events: list[dict], destination: str = BOT_USER_ID) -> bytes:
    """The raw body LINE posts: compact UTF-8 JSON, non-ASCII text left unescaped."""
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_headers(body: bytes, secret: str = CHANNEL_SECRET) -> dict[str, str]:
    """Headers for posting `body` to our webhook as LINE would."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "x-line-signature": sign(body, secret),
    }


def new_webhook_event_id(timestamp_ms: int | None = None) -> str:
    """A ULID: 48-bit millisecond time then 80 random bits, in Crockford base32 (26 chars)."""
    ms = _now_ms() if timestamp_ms is None else timestamp_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_message_id() -> str:
    return str(int.from_bytes(os.urandom(7), "big") + 500_000_000_000_000_000)


def user_mentionee(
    index: int, length: int, user_id: str | None = None, *, is_self: bool = False
) -> dict:
    """One `message.mention.mentionees[]` entry for a mentioned user."""
    mentionee: dict[str, Any] = {"index": index, "length": length, "type": "user"}
    if user_id is not None:
        mentionee["userId"] = user_id
    if is_self:
        mentionee["isSelf"] = True
    return mentionee


def text_event(
    text: str,
    *,
    user_id: str = USER_ID,
    group_id: str | None = GROUP_ID,
    message_id: str | None = None,
    reply_token: str | None = None,
    quote_token: str | None = None,
    quoted_message_id: str | None = None,
    mentionees: list[dict] | None = None,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
    mode: str = "active",
) -> dict:
    """A text `message` event, complete enough for the SDK to parse it as MessageEvent.

    `group_id=None` makes it a one-to-one chat. `mode="standby"` drops the reply token.
    """
    return _message_like_event(
        "message", text, user_id=user_id, group_id=group_id, message_id=message_id,
        reply_token=reply_token, quote_token=quote_token, quoted_message_id=quoted_message_id,
        mentionees=mentionees, timestamp=timestamp, webhook_event_id=webhook_event_id,
        is_redelivery=is_redelivery, mode=mode,
    )


def message_edited_event(
    text: str,
    *,
    message_id: str,
    user_id: str = USER_ID,
    group_id: str | None = GROUP_ID,
    reply_token: str | None = None,
    quote_token: str | None = None,
    quoted_message_id: str | None = None,
    mentionees: list[dict] | None = None,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
    mode: str = "active",
) -> dict:
    """A `messageEdited` event: the edited message's id, its new text, a new reply token."""
    return _message_like_event(
        "messageEdited", text, user_id=user_id, group_id=group_id, message_id=message_id,
        reply_token=reply_token, quote_token=quote_token, quoted_message_id=quoted_message_id,
        mentionees=mentionees, timestamp=timestamp, webhook_event_id=webhook_event_id,
        is_redelivery=is_redelivery, mode=mode,
    )


def unsend_event(
    message_id: str,
    *,
    user_id: str = USER_ID,
    group_id: str | None = GROUP_ID,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
    mode: str = "active",
) -> dict:
    """An `unsend` event (no reply token)."""
    event = _base_event(
        "unsend", _source(group_id, user_id), timestamp, webhook_event_id, is_redelivery, mode
    )
    event["unsend"] = {"messageId": message_id}
    return event


def join_event(
    group_id: str = GROUP_ID,
    *,
    reply_token: str | None = None,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
) -> dict:
    """The bot was added to a group (source has no userId)."""
    event = _base_event(
        "join", {"type": "group", "groupId": group_id}, timestamp, webhook_event_id,
        is_redelivery, "active",
    )
    event["replyToken"] = reply_token or new_reply_token()
    return event


def follow_event(
    user_id: str = USER_ID,
    *,
    is_unblocked: bool = False,
    reply_token: str | None = None,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
) -> dict:
    """A user added the bot as a friend (or unblocked it). Never sent for groups."""
    event = _base_event(
        "follow", {"type": "user", "userId": user_id}, timestamp, webhook_event_id,
        is_redelivery, "active",
    )
    event["replyToken"] = reply_token or new_reply_token()
    event["follow"] = {"isUnblocked": is_unblocked}
    return event


def member_joined_event(
    user_ids: list[str],
    *,
    group_id: str = GROUP_ID,
    reply_token: str | None = None,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
) -> dict:
    """Users joined a group the bot is in."""
    event = _base_event(
        "memberJoined", {"type": "group", "groupId": group_id}, timestamp, webhook_event_id,
        is_redelivery, "active",
    )
    event["replyToken"] = reply_token or new_reply_token()
    event["joined"] = {"members": [{"type": "user", "userId": u} for u in user_ids]}
    return event


def member_left_event(
    user_ids: list[str],
    *,
    group_id: str = GROUP_ID,
    timestamp: int | None = None,
    webhook_event_id: str | None = None,
    is_redelivery: bool = False,
) -> dict:
    """Users left a group the bot is in (no reply token)."""
    event = _base_event(
        "memberLeft", {"type": "group", "groupId": group_id}, timestamp, webhook_event_id,
        is_redelivery, "active",
    )
    event["left"] = {"members": [{"type": "user", "userId": u} for u in user_ids]}
    return event


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _source(group_id: str | None, user_id: str) -> dict:
    if group_id is None:
        return {"type": "user", "userId": user_id}
    return {"type": "group", "groupId": group_id, "userId": user_id}


def _base_event(
    kind: str,
    source: dict,
    timestamp: int | None,
    webhook_event_id: str | None,
    is_redelivery: bool,
    mode: str,
) -> dict:
    ts = _now_ms() if timestamp is None else timestamp
    return {
        "type": kind,
        "mode": mode,
        "timestamp": ts,
        "source": source,
        "webhookEventId": webhook_event_id or new_webhook_event_id(ts),
        "deliveryContext": {"isRedelivery": is_redelivery},
    }


def _message_like_event(
    kind: str,
    text: str,
    *,
    user_id: str,
    group_id: str | None,
    message_id: str | None,
    reply_token: str | None,
    quote_token: str | None,
    quoted_message_id: str | None,
    mentionees: list[dict] | None,
    timestamp: int | None,
    webhook_event_id: str | None,
    is_redelivery: bool,
    mode: str,
) -> dict:
    event = _base_event(
        kind, _source(group_id, user_id), timestamp, webhook_event_id, is_redelivery, mode
    )
    if mode == "active":
        event["replyToken"] = reply_token or new_reply_token()
    message: dict[str, Any] = {
        "id": message_id or new_message_id(),
        "type": "text",
        "quoteToken": quote_token or secrets.token_urlsafe(24),
        "text": text,
    }
    if quoted_message_id is not None:
        message["quotedMessageId"] = quoted_message_id
    if mentionees:
        message["mention"] = {"mentionees": mentionees}
    event["message"] = message
    return event
