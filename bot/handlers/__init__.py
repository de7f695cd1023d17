"""The conversation layer: one LINE event in, the reply messages out.

`handle(incoming, ctx)` routes an `Incoming` to one module per conversation and returns at
most 5 reply messages (`[]` is silence). Contract for the caller (the webhook / inbound
queue):

- Pure-ish: it reads and writes the database through commerce services and never talks to
  LINE except `ctx.profiles.display_name` (a buyer seen the first time). Pushes to other
  people are queued in the outbox (`commerce.outbox`), never sent from here.
- Safe inside the caller's transaction: services open their own `in_transaction()`, which
  nests as savepoints; a commerce refusal (`DomainError`) is rolled back to its savepoint and
  becomes a friendly reply, so it never aborts the caller's transaction.
- Messages are our dicts: `{"type": "text", "text", "quote_token"?}` and
  `{"type": "image", "url", "preview_url"}`. Keys starting with "_" are for delivery, not
  LINE: `"_announces": campaign_id` marks a host's 開團 answered with the announcement (record
  the sent message id as that campaign's announcement in the group replied to); `"_asks"`
  marks a question to the buyer (`ordering.on_answer` reads a reply to it).
- Any other exception propagates: the event was not applied and may be retried.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.events import BotContext, Incoming
from bot.grammar import (
    Cancel, Help, Malformed, Mention, MyOrders, Order, PickupCode, TransferReport,
    MISSING_QUANTITY, ONE_CHANGE_PER_MESSAGE, QUANTITY_NOT_WHOLE, QUANTITY_OUT_OF_RANGE,
    parse_group,
)
from bot.handlers import host, join, member, ordering, payments
from bot.handlers.lookup import is_host, reply
from bot.host_grammar import parse_host
from bot.messages import MESSAGES_PER_CALL, cancelled_notice, changed_notice, closed_notice, t, text_message
from commerce.campaigns import campaign_detail
from commerce.errors import DomainError
from commerce.host_edits import take_change_notices
from commerce.reminders import take_close_notices

__all__ = ["handle"]

log = logging.getLogger(__name__)

Handler = Callable[[Incoming, BotContext], Awaitable[list[dict]]]
_ORDER_PROBLEMS = {MISSING_QUANTITY, QUANTITY_OUT_OF_RANGE, QUANTITY_NOT_WHOLE, ONE_CHANGE_PER_MESSAGE}


async def handle(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """The reply messages for one event (at most 5; `[]` means say nothing)."""
    route = _BY_KIND.get(incoming.kind)
    if route is None:
        return []
    try:
        messages = await route(incoming, ctx)
    except DomainError as error:  # a refusal no handler words more precisely
        log.info("event %s refused: %s", incoming.event_id, error.code)
        messages = reply(incoming, t(ctx.locale, "error_generic"))
    return messages[:MESSAGES_PER_CALL]


async def _message(incoming: Incoming, ctx: BotContext) -> list[dict]:
    if incoming.source == "group" and incoming.group_id:
        return await _group_message(incoming, ctx)
    if incoming.source == "user":
        return await member.on_direct(incoming, ctx)
    return []


async def _group_message(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """The answer, after the "已結單" notice of campaigns that closed on schedule since the
    group last wrote (told by this free reply instead of a push billed per member)."""
    messages = await _group_answer(incoming, ctx)
    if not incoming.reply_token:
        return messages
    notices = [closed_notice(await campaign_detail(c), ctx.locale)
               for c in await take_close_notices(incoming.group_id)]
    for campaign_id, kind in await take_change_notices(incoming.group_id):
        campaign = await campaign_detail(campaign_id)
        notices.append(cancelled_notice(campaign, ctx.locale) if kind == "cancelled"
                       else changed_notice(campaign, ctx.locale, ctx.tz))
    # At most 5 messages in one reply: the answer keeps its place, the oldest notices go first.
    notices = notices[:max(0, MESSAGES_PER_CALL - len(messages))]
    return [text_message(n) for n in notices] + messages


async def _group_answer(incoming: Incoming, ctx: BotContext) -> list[dict]:
    command = parse_host(incoming.text, now=ctx.now, tz=ctx.tz)
    if command is not None:
        # A non-host's "開團" or "close" is chat; it is never answered.
        return await host.on_command(command, incoming, ctx) if await is_host(incoming.user_id) else []
    intent = parse_group(incoming.text, mentions_bot=incoming.mentions_bot)
    if intent is None or (isinstance(intent, Malformed) and intent.reason == MISSING_QUANTITY):
        # A reply to the bot's own question ("which campaign?") answers it ("果乾", "我要B");
        # other chat is quiet.
        answered = await ordering.on_answer(incoming, ctx)
        if answered is not None or intent is None:
            return answered or []
    if isinstance(intent, Order):
        return await ordering.on_order(intent, incoming, ctx)
    if isinstance(intent, Cancel):
        return await ordering.on_cancel(intent, incoming, ctx)
    if isinstance(intent, TransferReport):
        return await payments.on_transfer(intent, incoming, ctx)
    if isinstance(intent, Malformed):
        if intent.reason in _ORDER_PROBLEMS:
            return await ordering.on_malformed(intent, incoming, ctx)
        return await payments.on_malformed(intent, incoming, ctx)
    if isinstance(intent, (MyOrders, PickupCode)):
        return await member.on_private_in_group(incoming, ctx)
    if isinstance(intent, Help):
        return reply(incoming, t(ctx.locale, "help_group"))
    if isinstance(intent, Mention):
        return reply(incoming, t(ctx.locale, "mention"))
    return []


_BY_KIND: dict[str, Handler] = {
    "message": _message,
    "edited": ordering.on_edited,
    "unsend": ordering.on_unsend,
    "join": join.on_join,
    "follow": join.on_follow,
    "unfollow": join.on_unfollow,
    "member_joined": join.on_member_joined,
}
