"""A run of plain group "+1"s answered together: the flash sale's path through the handlers.

``apply_run`` takes the batch's events in stamp order and books the longest leading run that
is plain — orders with one campaign to go to (the group's only open one, or the quoted
announcement), items the campaign has, and ordinary chat in between — with
``commerce.batch_ordering.reserve_many``: a fixed number of statements per run. Each answer is
the one ``handle`` would give for that event applied alone, in that order; the first event
that is not plain (a cancel, a question to ask, a host's command, a refusal) and everything
after it is left to ``handle``, one event at a time, so stamp order holds across both paths.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.events import BotContext, Incoming
from bot.grammar import ItemRef, Order, normalize, parse_group, resolve_items
from bot.handlers.lookup import actor, reply
from bot.handlers.ordering import confirmation
from bot.host_grammar import parse_host
from commerce.batch_ordering import Ask, members_for, reserve_many
from commerce.choosing import Ask as Where, batch_choice, groups_owed_close_notice, with_items
from commerce.ordering import Wanted

__all__ = ["RunRefused", "apply_early", "apply_run"]


@dataclass
class _Plain:
    index: int
    incoming: Incoming
    ctx: BotContext
    order: Order | None  # None: chat, answered with silence


def _shape(incoming: Incoming | None, ctx: BotContext) -> Order | None | bool:
    """The order of a plain message, None for chat this path answers with silence, False when
    the event must go through ``handle``."""
    if (incoming is None or incoming.kind != "message" or incoming.source != "group" or not incoming.group_id
            or not incoming.user_id or incoming.mentions_bot):
        return False
    if parse_host(incoming.text, now=ctx.now, tz=ctx.tz) is not None:
        return False
    intent = parse_group(incoming.text)
    if intent is None:
        return None if not incoming.quoted_message_id else False  # a quote may answer the bot
    if not isinstance(intent, Order) or intent.code is not None:
        return False
    if any(len(c) == 4 and c.isascii() and c.isalnum() for c in normalize(incoming.text).split(" ")):
        return False  # a code shaped like order tokens: ordering._with_code reads it
    return intent


async def apply_run(conn, runs: Sequence[tuple[Incoming | None, BotContext]]) -> list[list[dict]]:
    """Book the leading plain run of ``runs`` inside the caller's transaction (a savepoint the
    caller rolls back if this raises). Returns the replies of the events it applied, one list
    per event from the first: fewer than ``runs`` (maybe none) when it stopped early."""
    plain: list[_Plain] = []
    for index, (incoming, ctx) in enumerate(runs):
        shape = _shape(incoming, ctx)
        if shape is False:
            break
        plain.append(_Plain(index, incoming, ctx, shape))
    # Stop before the first event of a group owed a "closed" notice: handle adds it.
    owed = await groups_owed_close_notice({p.incoming.group_id for p in plain})
    plain = plain[:next((i for i, p in enumerate(plain) if p.incoming.group_id in owed), len(plain))]
    if not any(p.order for p in plain):
        return [[] for _ in plain]
    choice = await batch_choice([Where(p.index, p.incoming.group_id, p.incoming.quoted_message_id, p.ctx.now)
                                       for p in plain if p.order])
    plain = plain[:next((i for i, p in enumerate(plain) if p.order and p.index not in choice), len(plain))]
    campaigns, items = await with_items({choice[p.index] for p in plain if p.order})
    wanted: dict[int, Any] = {}
    for i, p in enumerate(plain):
        if p.order is None:
            continue
        resolution = resolve_items(p.order, [ItemRef(it.label, it.name) for it in items[choice[p.index]]])
        if not resolution.ok:
            plain = plain[:i]  # the bot asks which item: handle words it
            break
        wanted[p.index] = resolution.lines
    return await _book(conn, plain, choice, campaigns, wanted)


async def apply_early(conn, runs: Sequence[tuple[Incoming | None, BotContext]]) -> list[list[dict] | None]:
    """Answer, before their reorder window ends, the plain orders whose every item is sold out:
    waitlisted whatever order they are applied in, they cannot take stock from an earlier-stamped
    buyer still on the way, and the waitlist serves by stamp anyway. ``runs``: pending events in
    stamp order. Returns each event's replies, or None for those left to their window (anything
    else, and every later message of a buyer with one left). Raises ``RunRefused`` (the caller
    rolls back) if stock turned up after all."""
    plain = [_Plain(i, incoming, ctx, shape) for i, (incoming, ctx) in enumerate(runs)
             if (shape := _shape(incoming, ctx))]
    owed = await groups_owed_close_notice({p.incoming.group_id for p in plain})
    plain = [p for p in plain if p.incoming.group_id not in owed]
    choice = await batch_choice([Where(p.index, p.incoming.group_id, p.incoming.quoted_message_id, p.ctx.now)
                                 for p in plain])
    plain = [p for p in plain if p.index in choice]
    campaigns, items = await with_items({choice[p.index] for p in plain})
    wanted: dict[int, Any] = {}
    for p in plain:
        by_label = {it.label.upper(): it for it in items[choice[p.index]]}
        resolution = resolve_items(p.order, [ItemRef(it.label, it.name) for it in items[choice[p.index]]])
        if resolution.ok and all(_sold_out(by_label.get(line.label.upper())) for line in resolution.lines):
            wanted[p.index] = resolution.lines
    by_index = {p.index: p for p in plain}
    kept, waiting = [], set()  # a buyer's messages stay in their order: none jumps one left behind
    for index, (incoming, _) in enumerate(runs):
        user = incoming.user_id if incoming else None
        if index in wanted and user not in waiting:
            kept.append(by_index[index])
        elif user:
            waiting.add(user)
    out: list[list[dict] | None] = [None] * len(runs)
    if kept:
        for p, replies in zip(kept, await _book(conn, kept, choice, campaigns, wanted, waitlist_only=True)):
            out[p.index] = replies
    return out


def _sold_out(item) -> bool:
    return item is not None and item.cap is not None and item.sold >= item.cap


async def _book(conn, plain: list[_Plain], choice: dict[int, int], campaigns: dict, wanted: dict[int, Any], *,
                waitlist_only: bool = False) -> list[list[dict]]:
    """Book the orders of ``plain`` (chat among them answered with silence); their replies."""
    orders = [p for p in plain if p.order]
    if not orders:
        return [[] for _ in plain]
    names = {p.incoming.user_id: await p.ctx.profiles.display_name(p.incoming.user_id, p.incoming.group_id)
             for p in orders}
    members = await members_for(conn, list(names.items()), orders[0].ctx.now)
    booked: dict[int, Any] = {}
    by_campaign: dict[int, list[_Plain]] = defaultdict(list)
    for p in orders:
        by_campaign[choice[p.index]].append(p)
    for campaign_id, run in by_campaign.items():
        result = await reserve_many(conn, campaign_id, [
            Ask(member_id=members[p.incoming.user_id][0], at=p.ctx.now, message_id=p.incoming.message_id,
                actor=actor(p.incoming),
                wanted=tuple(Wanted(line.label, line.qty, line.note or "") for line in wanted[p.index]))
            for p in run], waitlist_only=waitlist_only)
        if result is None:
            raise RunRefused(campaign_id)  # roll the run back: handle words each refusal
        booked.update(zip((p.index for p in run), result))
    out = []
    for p in plain:
        if p.order is None:
            out.append([])
            continue
        done = booked[p.index]
        notes: dict[str, list[str | None]] = defaultdict(list)
        for line in wanted[p.index]:
            notes[line.label].append(line.note)
        name = members[p.incoming.user_id][1]
        out.append(reply(p.incoming, confirmation(done.booking, name, campaigns[choice[p.index]], notes, p.ctx,
                                                  total=done.total, positions=done.positions)))
    return out


class RunRefused(Exception):
    """An order of the run would be refused: the run is rolled back and applied one by one."""
