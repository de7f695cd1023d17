"""What the conversation layer sees of LINE, and what it is given to answer with.

The webhook turns each LINE event into an `Incoming` and calls `bot.handlers.handle`, which
returns the reply messages. Nothing here talks to LINE: `Profiles` is the one call out
(display names), injected so tests can fake it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Incoming:
    kind: str  # "message" | "edited" | "unsend" | "join" | "follow" | "member_joined" | "member_left"
    event_id: str  # webhookEventId
    source: str  # "group" | "user"
    group_id: str | None
    user_id: str | None
    message_id: str | None
    text: str = ""  # with the bot's own mention cut out when mentions_bot
    quoted_message_id: str | None = None
    mentions_bot: bool = False
    reply_token: str | None = None
    timestamp: datetime | None = None
    # message.quoteToken: when set, text replies about this message quote it, so a buyer sees
    # which of the group's "+1"s an answer is for.
    quote_token: str | None = None


class Profiles(Protocol):
    """Display names (LINE's group-member-profile API, or the friend profile in 1:1).

    Returns None when the name cannot be had; should not raise, and should answer within a
    second or so: it is awaited while the handler runs (only for a buyer seen the first time,
    or one whose stored name is empty)."""

    async def display_name(self, user_id: str, group_id: str | None) -> str | None: ...


@dataclass(frozen=True)
class BotContext:
    now: datetime  # aware UTC; injected clock
    locale: str  # "zh-TW" | "en"
    tz: ZoneInfo
    public_url: str  # base URL for images, e.g. pickup QR at f"{public_url}/qr/{token}.png"
    profiles: Profiles
