"""Outbound LINE Messaging API calls: a thin layer over line-bot-sdk's async client.

Messages are plain dicts owned by us, converted to SDK models here:

    {"type": "text", "text": "...", "quote_token": "..."}        # quote_token optional
    {"type": "image", "url": "https://...", "preview_url": "https://..."}

Every failure is a `LineApiError`:

- `LineRetryable`: 429, 5xx, timeouts and connection errors; `.retry_after` holds the
  Retry-After header in seconds when LINE sent one. A retryable failure may still have been
  delivered (LINE can time out after accepting), which is why `push` always carries a retry key.
  A reply cannot be retried safely: its token is single-use, so a second attempt after an
  accepted-but-unanswered reply comes back as `LinePermanent` (400 "Invalid reply token").
- `LinePermanent`: any other 4xx (invalid reply token, bad body, 401, 403, ...).
- `LineMonthlyLimit` (a `LinePermanent`): 429 "You have reached your monthly limit." — the
  month's message quota is used up; retrying cannot help until the month turns.

One `LineApi` is shared by every task of the process; it keeps no per-call state.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ImageMessage,
    Message,
    PushMessageRequest,
    TextMessage,
)

MAX_MESSAGES_PER_CALL = 5


class LineApiError(Exception):
    """A LINE API call failed. `status` is the HTTP status, None when no answer came."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LineRetryable(LineApiError):
    """The same call may succeed later (429, 5xx, timeout, connection error)."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None,
        *, reached: bool = True,
    ) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after
        # False only when the request surely never reached LINE (connection refused).
        self.reached = reached


class LinePermanent(LineApiError):
    """Repeating the same call cannot succeed (4xx other than 429)."""


class LineMonthlyLimit(LinePermanent):
    """429 "You have reached your monthly limit.": no push goes out until the month turns."""


MONTHLY_LIMIT = "monthly limit"


@dataclass(frozen=True)
class Quota:
    """The month's message quota (None: LINE sets no limit) and what LINE counted so far."""

    limit: int | None
    used: int


class LineApi:
    """Reply, push and profile look-ups against the LINE Messaging API.

    Call `start()` inside the running event loop (the SDK opens an aiohttp session there) and
    `close()` when done; or use `async with LineApi(...) as api`.
    """

    def __init__(
        self,
        access_token: str,
        api_base: str = "https://api.line.me",
        timeout: float = 10.0,
        *,
        max_connections: int = 64,
    ) -> None:
        self._access_token = access_token
        self._api_base = api_base.rstrip("/")
        # Total time per call, including the wait for a free pooled connection: the SDK's
        # own default is 300 s, far past anything a chat user waits for.
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None

    async def start(self) -> None:
        configuration = Configuration(host=self._api_base, access_token=self._access_token)
        # The SDK sizes its pool at 5 per CPU (10 here); replies to a busy group arrive in bursts.
        configuration.connection_pool_maxsize = self._max_connections
        self._client = AsyncApiClient(configuration)
        # The SDK's session trusts the environment, so every request looks up proxies and reads
        # ~/.netrc in a worker thread: a sixth of the server's CPU in a flash sale. LINE needs
        # neither; the same connector (pool size, TLS) serves a session that does not look.
        rest = self._client.rest_client
        connector = rest.pool_manager.connector
        rest.pool_manager.detach()
        rest.pool_manager = aiohttp.ClientSession(connector=connector, trust_env=False)
        self._api = AsyncMessagingApi(self._client)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client, self._api = self._client, None, None
            await client.close()

    async def __aenter__(self) -> LineApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def reply(self, reply_token: str, messages: list[dict]) -> list[str]:
        """Reply with up to 5 messages; return the sent message ids, in order.

        Never sends X-Line-Retry-Key (LINE rejects it on reply with 400).
        """
        body = {"replyToken": reply_token, "messages": _to_json(messages), "notificationDisabled": False}
        try:
            # The SDK's own client (auth, pooled session, ApiException) called
            # one level below ``reply_message``: that method and its ``_with_http_info`` each
            # validate their arguments with pydantic v1 and build the request model, a fifth of
            # the server's CPU in a flash sale. The body is the one ReplyMessageRequest writes.
            response = await self._messaging().api_client.call_api(
                "/v2/bot/message/reply", "POST", {}, [], dict(_JSON_HEADERS), body=body,
                response_types_map=_RAW, auth_settings=["Bearer"], _return_http_data_only=True,
                _request_timeout=self._timeout,
            )
        except ApiException as e:
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return _sent_ids_from_body(response)

    async def push(self, to: str, messages: list[dict], *, retry_key: str) -> list[str]:
        """Push up to 5 messages to a user or group; return the sent message ids, in order.

        `retry_key` (a UUID string) is sent as X-Line-Retry-Key. Reuse it, unchanged, for every
        retry of the same push: LINE then delivers once and answers a repeat with 409 and the
        original ids, which this returns as success (an empty list if LINE left them out).
        """
        request = PushMessageRequest(to=to, messages=_to_sdk(messages))
        try:
            response = await self._messaging().push_message(
                request, x_line_retry_key=str(retry_key), _request_timeout=self._timeout
            )
        except ApiException as e:
            if e.status == 409:
                return _sent_ids_from_body(e.body)
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return [sent.id for sent in response.sent_messages]

    async def display_name(self, user_id: str, group_id: str | None = None) -> str | None:
        """The user's display name; None when LINE does not know them (404).

        With `group_id`, asks the group-member profile API, which also works for members who
        are not friends of the bot; without it, the friend profile API.
        """
        api = self._messaging()
        try:
            if group_id is not None:
                # One level below get_group_member_profile, as reply does (a flash sale asks
                # this once per new buyer): the SDK's client and path template, its raw answer.
                raw = await api.api_client.call_api(
                    "/v2/bot/group/{groupId}/member/{userId}", "GET", {"groupId": group_id, "userId": user_id},
                    [], {"Accept": "application/json"}, response_types_map=_RAW,
                    auth_settings=["Bearer"], _return_http_data_only=True, _request_timeout=self._timeout,
                )
                profile = _json_body(raw)
                name = profile.get("displayName") if isinstance(profile, dict) else None
                return name if isinstance(name, str) else None
            profile = await api.get_profile(user_id, _request_timeout=self._timeout)
        except ApiException as e:
            if e.status == 404:
                return None
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return profile.display_name

    async def group_member_count(self, group_id: str) -> int | None:
        """How many members a group has (a push to it is billed once per member); None when
        LINE does not know the group (404: the bot left it)."""
        try:
            answer = await self._messaging().get_group_member_count(group_id, _request_timeout=self._timeout)
        except ApiException as e:
            if e.status == 404:
                return None
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return int(answer.count)

    async def group_name(self, group_id: str) -> str | None:
        """The group's name (LINE's group summary); None when LINE does not know the group
        (404: the bot left it)."""
        try:
            summary = await self._messaging().get_group_summary(group_id, _request_timeout=self._timeout)
        except ApiException as e:
            if e.status == 404:
                return None
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return summary.group_name

    async def quota(self) -> Quota:
        """The month's quota and LINE's own count of messages used against it."""
        api = self._messaging()
        try:
            limit = await api.get_message_quota(_request_timeout=self._timeout)
            used = await api.get_message_quota_consumption(_request_timeout=self._timeout)
        except ApiException as e:
            raise _classify(e) from e
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise _unanswered(e) from e
        return Quota(limit=int(limit.value) if limit.type == "limited" and limit.value is not None else None,
                     used=int(used.total_usage))

    def _messaging(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineApi.start() has not been awaited")
        return self._api


def _to_sdk(messages: list[dict]) -> list[Message]:
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise ValueError(
            f"a LINE call takes 1 to {MAX_MESSAGES_PER_CALL} messages, got {len(messages)}"
        )
    return [_message_to_sdk(m) for m in messages]


_JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
# The answer's bytes, read with json: the SDK's pydantic v1 response models cost a twentieth
# of the server's CPU in a flash sale, for two fields (the sent message ids, a display name).
_RAW = {"200": "bytearray"}


def _to_json(messages: list[dict]) -> list[dict]:
    """Messages as the API's JSON, the keys the SDK's models write; a text is checked here,
    anything else through its SDK model."""
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise ValueError(
            f"a LINE call takes 1 to {MAX_MESSAGES_PER_CALL} messages, got {len(messages)}"
        )
    out = []
    for message in messages:
        if message.get("type") == "text" and isinstance(message.get("text"), str):
            item = {"type": "text", "text": message["text"]}
            if message.get("quote_token"):
                item["quoteToken"] = str(message["quote_token"])
            out.append(item)
        else:
            out.append(_message_to_sdk(message).to_dict())
    return out


def _message_to_sdk(message: dict) -> Message:
    kind = message.get("type")
    if kind == "text":
        return TextMessage(text=message["text"], quote_token=message.get("quote_token"))
    if kind == "image":
        return ImageMessage(
            original_content_url=message["url"], preview_image_url=message["preview_url"]
        )
    raise ValueError(f"unsupported message type: {kind!r}")


def _classify(e: ApiException) -> LineApiError:
    status = e.status
    text = f"LINE answered {status}: {_error_message(e.body)}"
    if status == 429 and MONTHLY_LIMIT in text.lower():
        return LineMonthlyLimit(text, status=status)
    if status == 429 or (isinstance(status, int) and status >= 500):
        retry_after = _retry_after_seconds(e.headers.get("Retry-After") if e.headers else None)
        return LineRetryable(text, status=status, retry_after=retry_after)
    return LinePermanent(text, status=status)


def _unanswered(e: BaseException) -> LineRetryable:
    if isinstance(e, asyncio.TimeoutError):
        return LineRetryable("LINE did not answer in time")
    return LineRetryable(f"could not reach LINE: {type(e).__name__}: {e}",
                         reached=not isinstance(e, aiohttp.ClientConnectorError))


def _json_body(body: Any) -> Any:
    # The SDK decodes error bodies to str; be lenient about bytes and non-JSON bodies.
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def _error_message(body: Any) -> str:
    data = _json_body(body)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        details = [
            f"{d.get('property', '')}: {d.get('message', '')}"
            for d in data.get("details") or []
            if isinstance(d, dict)
        ]
        return data["message"] + (f" ({'; '.join(details)})" if details else "")
    return "" if data is None else str(data)[:200]


def _sent_ids_from_body(body: Any) -> list[str]:
    data = _json_body(body)
    sent = data.get("sentMessages") if isinstance(data, dict) else None
    return [str(m["id"]) for m in sent or [] if isinstance(m, dict) and "id" in m]


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
