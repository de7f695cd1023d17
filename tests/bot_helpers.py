"""Builders for conversation tests: events as the webhook would hand them over, a context
with a fixed clock, and a fake of our own `Profiles` protocol (the edge to LINE's profile API)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot.events import BotContext, Incoming
from bot.handlers import handle

GROUP = "Cgroup1"
TAIPEI = ZoneInfo("Asia/Taipei")
_ids = itertools.count(1)


@dataclass
class FakeProfiles:
    names: dict[str, str | None] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)

    async def display_name(self, user_id: str, group_id: str | None) -> str | None:
        self.calls.append((user_id, group_id))
        return self.names.get(user_id, f"User {user_id[-4:]}")


def context(now: datetime, *, locale: str = "zh-TW", public_url: str = "https://shop.example",
            profiles: FakeProfiles | None = None) -> BotContext:
    return BotContext(now=now, locale=locale, tz=TAIPEI, public_url=public_url,
                      profiles=profiles or FakeProfiles())


def said(group_text: str, *, user: str = "Ubuyer1", group: str | None = GROUP, kind: str = "message",
         quoted: str | None = None, message_id: str | None = None, mentions_bot: bool = False,
         quote_token: str | None = None) -> Incoming:
    """A text message event (in `group`, or 1:1 when `group` is None)."""
    n = next(_ids)
    return Incoming(kind=kind, event_id=f"01EVENT{n:08d}", source="group" if group else "user",
                    group_id=group, user_id=user, message_id=message_id or f"m{n}",
                    text=group_text, quoted_message_id=quoted, mentions_bot=mentions_bot,
                    reply_token=f"rt{n}", quote_token=quote_token)


def event(kind: str, *, user: str | None = "Ubuyer1", group: str | None = GROUP,
          message_id: str | None = None, text: str = "") -> Incoming:
    n = next(_ids)
    return Incoming(kind=kind, event_id=f"01EVENT{n:08d}", source="group" if group else "user",
                    group_id=group, user_id=user, message_id=message_id, text=text,
                    reply_token=None if kind == "unsend" else f"rt{n}")


async def run(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """`handle` as the webhook calls it: inside the transaction that records the event."""
    async with in_transaction():
        return await handle(incoming, ctx)


async def say(ctx: BotContext, text: str, **kwargs) -> list[dict]:
    return await run(said(text, **kwargs), ctx)


def texts_of(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m["type"] == "text"]
