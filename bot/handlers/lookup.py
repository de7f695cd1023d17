"""Reads the conversations share: which campaign a group message means, who is talking.

Reads only, except `buyer`, which creates the member on first sight (commerce.members).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.events import BotContext, Incoming
from bot.messages import text_message
from commerce.choosing import (  # noqa: F401  (the conversations import them from here)
    Choice, choose_campaign, items_of, latest_campaign, open_campaigns, quoted_campaign,
)
from commerce.members import is_host, member_by_line_id as known_member, upsert_member  # noqa: F401

if TYPE_CHECKING:  # annotations only: the queries are commerce's
    from commerce.models import Item, Member

log = logging.getLogger(__name__)


def item_dicts(items: list[Item]) -> list[dict]:
    return [{"label": i.label, "name": i.name, "price": i.price} for i in items]


async def buyer(incoming: Incoming, ctx: BotContext) -> Member:
    """The member for the sender, created on first sight. The display name is fetched only
    when we have none: profiles are an outside call and names rarely change."""
    user_id = incoming.user_id
    assert user_id is not None
    member = await known_member(user_id)
    if member is not None and member.display_name:
        return member
    name = await _profile_name(ctx, user_id, incoming.group_id)
    if member is not None and not name:
        return member
    return await upsert_member(user_id, name, known=member)


async def _profile_name(ctx: BotContext, user_id: str, group_id: str | None) -> str | None:
    try:
        return await ctx.profiles.display_name(user_id, group_id)
    except Exception:  # an edge we do not own must not lose the buyer's order
        log.warning("display name of %s could not be fetched", user_id, exc_info=True)
        return None


def actor(incoming: Incoming) -> str:
    return f"line:{incoming.user_id}"


def reply(incoming: Incoming, *texts: str) -> list[dict]:
    """Text replies; the first quotes the message it answers when LINE gave a quote token."""
    return [text_message(text, incoming.quote_token if i == 0 else None)
            for i, text in enumerate(texts)]
