"""Group "+1" conversations: order, cancel, and edits and unsends of an order message.

Every reply is free (a reply, not a push). Ordinary chat never gets here. Rules on stock,
limits, waitlists and which campaign a message means are commerce's: this module reads the
message, calls `choose_campaign`, `reserve`, `cancel` or `amend`, and words the outcome.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.events import BotContext, Incoming
from bot.grammar import (
    MAX_ANSWER_CHARS, MAX_CHARS, Cancel, ItemRef, Malformed, Order, OrderLine as GrammarLine, Problem,
    UnknownLabel, WhichItem, normalize, order_fits, parse_group, pick_answer, resolve_items,
)
from bot.handlers.lookup import (
    Choice, actor, buyer, choose_campaign, item_dicts, items_of,
    known_member, open_campaigns, reply,
)
from bot.messages import (
    active_lines, booked_line, campaign_list, clean, clock, item_menu, item_name, order_summary, t,
    TITLE_LIMIT,
)
from commerce import outbox
from commerce.choosing import campaigns_by_code, campaigns_by_id, campaigns_holding
from commerce.errors import CampaignClosed, DomainError, NotFound, OverLimit
from commerce.money import format_money
from commerce.ordering import (
    ACTIVE, Booking, Wanted, amend, cancel, lines_of_message, reserve, reserved_total, waitlist_position,
)
from commerce.orders import open_order_in, order_view
from commerce.states import LineStatus
from commerce.rules import closes_soon

if TYPE_CHECKING:  # annotations only: the queries are commerce's
    from commerce.models import Campaign, Item


# --- +1 --------------------------------------------------------------------------------------

async def on_order(order: Order, incoming: Incoming, ctx: BotContext) -> list[dict]:
    order = await _with_code(order, incoming, ctx)
    coded = await _coded_campaign(incoming.group_id or "", order.code) if order.code else None
    if order.code and coded is None:
        order = _code_as_words(order)
    choice = Choice(campaign=coded) if coded else await choose_campaign(
        incoming.group_id or "", incoming.quoted_message_id, ctx.now,
        fits=lambda items: order_fits(order, [ItemRef(i.label, i.name) for i in items]))
    if choice.campaign is None:
        return _no_campaign(choice, incoming, ctx, answer_when_none=True)
    if not incoming.user_id:
        return reply(incoming, t(ctx.locale, "need_user"))
    items = await items_of(choice.campaign.id)
    resolution = resolve_items(order, [ItemRef(i.label, i.name) for i in items])
    if not resolution.ok:
        return _asking(reply(incoming, _question(resolution.problem, items, ctx.locale)), incoming,
                       kind="item", campaign=choice.campaign.id)
    member = await buyer(incoming, ctx)
    try:
        booking = await reserve(
            campaign_id=choice.campaign.id, member_id=member.id,
            wanted=[Wanted(line.label, line.qty, line.note or "") for line in resolution.lines],
            now=ctx.now, source="chat", source_message_id=incoming.message_id,
            actor=actor(incoming),
        )
    except DomainError as error:
        return reply(incoming, refusal(error, choice.campaign, items, ctx.locale))
    notes: dict[str, list[str | None]] = defaultdict(list)
    for line in resolution.lines:
        notes[line.label].append(line.note)
    text = await _confirmation(booking, member.display_name, choice.campaign, notes, ctx)
    return reply(incoming, text)


async def _confirmation(booking: Booking, name: str, campaign: Campaign,
                        notes: dict[str, list[str | None]], ctx: BotContext) -> str:
    positions = {b.line_id: await waitlist_position(b.line_id) for b in booking.lines
                 if b.status == LineStatus.WAITLISTED}
    return confirmation(booking, name, campaign, notes, ctx, total=await reserved_total(booking.order_id),
                        positions=positions)


def confirmation(booking: Booking, name: str, campaign: Campaign, notes: dict[str, list[str | None]],
                 ctx: BotContext, *, total: int, positions: dict[int, int | None]) -> str:
    """The answer to a booked order: each line (waitlisted ones with their place), the order's
    total, and a closing-soon note. ``notes``: each label's variant words, in line order."""
    locale = ctx.locale
    lines = [t(locale, "order_confirmed", name=clean(name) or t(locale, "you"),
               number=booking.number)]
    for booked in booking.lines:
        pending = notes.get(booked.label)
        note = pending.pop(0) if pending else None
        lines.append(booked_line(locale, label=booked.label, name=booked.name, qty=booked.qty,
                                 status=booked.status, position=positions.get(booked.line_id), note=note))
    lines.append(t(locale, "order_total", total=format_money(total)))
    if any(b.status == LineStatus.WAITLISTED for b in booking.lines):
        lines.append(t(locale, "waitlist_note"))
    lines += _closing_note(campaign, ctx)
    return "\n".join(lines)


async def _with_code(order: Order, incoming: Incoming, ctx: BotContext) -> Order:
    """A code shaped like two order tokens ("Z9Z9 A+1") is read as tokens by the parser: when
    it is the code of one of the group's campaigns, read the order without it."""
    if order.code is not None:
        return order
    chunks = normalize(incoming.text).split(" ")
    if not any(len(c) == 4 and c.isascii() and c.isalnum() for c in chunks):
        return order
    for campaign in await campaigns_by_code(incoming.group_id or "", chunks):
            rest = " ".join(c for c in chunks if c != campaign.code)
            again = parse_group(rest)
            if isinstance(again, Order):
                return Order(again.lines, code=campaign.code)
    return order


async def _coded_campaign(group: str, code: str) -> Campaign | None:
    return next(iter(await campaigns_by_code(group, [code])), None)


def _code_as_words(order: Order) -> Order:
    """`+1 BLUE` where no campaign of the group is BLUE: a word of the order (a variant)."""
    *head, last = order.lines
    return Order((*head, GrammarLine(last.label, last.qty, (*last.words, order.code or ""))))


def _closing_note(campaign: Campaign, ctx: BotContext) -> list[str]:
    if closes_soon(campaign.status, campaign.closes_at, ctx.now):
        return [t(ctx.locale, "closing_soon", time=clock(campaign.closes_at, ctx.tz))]
    return []


def _question(problem: Problem | None, items: list[Item], locale: str) -> str:
    menu = item_menu(item_dicts(items))
    if isinstance(problem, UnknownLabel):
        return t(locale, "unknown_label", label=clean(problem.label, 8), items=menu)
    assert isinstance(problem, WhichItem)
    shown = [i for i in items if i.label in problem.candidates] or items
    return t(locale, "which_item", example=f"{shown[0].label}+1", items=item_menu(item_dicts(shown)))


def refusal(error: DomainError, campaign: Campaign, items: list[Item], locale: str) -> str:
    """A commerce refusal, worded for the buyer."""
    if isinstance(error, CampaignClosed):
        return t(locale, "campaign_closed", title=clean(campaign.title, TITLE_LIMIT))
    if isinstance(error, OverLimit):
        label = error.data.get("label", "")
        name = next((i.name for i in items if i.label == label), "")
        return t(locale, "over_limit", item=item_name(label, name), limit=error.data.get("limit"),
                 held=error.data.get("held", 0))
    if isinstance(error, NotFound) and error.field == "label":
        return t(locale, "unknown_label", label=clean(error.data.get("label", ""), 8),
                 items=item_menu(item_dicts(items)))
    return t(locale, "error_generic")


def _no_campaign(choice: Choice, incoming: Incoming, ctx: BotContext, *,
                 answer_when_none: bool) -> list[dict]:
    if choice.several:
        return _asking(reply(incoming, t(ctx.locale, "which_campaign", code=choice.several[0].code,
                                         campaigns=campaign_list((c.code, c.title) for c in choice.several))),
                       incoming, kind="campaign", campaigns=[c.id for c in choice.several])
    if choice.last is not None:
        return reply(incoming, t(ctx.locale, "campaign_closed",
                                 title=clean(choice.last.title, TITLE_LIMIT)))
    return reply(incoming, t(ctx.locale, "no_open_campaign")) if answer_when_none else []


# --- -1, 取消 ---------------------------------------------------------------------------------

async def on_cancel(intent: Cancel, incoming: Incoming, ctx: BotContext, *,
                    campaign: Campaign | None = None) -> list[dict]:
    if campaign is None and intent.code is not None:
        campaign = await _coded_campaign(incoming.group_id or "", intent.code)
        if campaign is None:  # never cancel on a guess: say which campaigns there are
            found = await open_campaigns(incoming.group_id or "", ctx.now)
            return reply(incoming, t(ctx.locale, "unknown_code", code=clean(intent.code, 12),
                                     campaigns=campaign_list((c.code, c.title) for c in found))) if found else []
    if campaign is not None:
        choice = Choice(campaign=campaign)
    else:
        choice = await choose_campaign(incoming.group_id, incoming.quoted_message_id, ctx.now)
        if choice.several:  # several open: the one where this buyer holds what is cancelled
            holding = await campaigns_holding(choice.several, incoming.user_id, intent.label)
            choice = Choice(campaign=holding[0]) if len(holding) == 1 else choice
    if choice.campaign is None:
        # "取消" alone is also ordinary chat: with no campaign at all, stay quiet.
        return _no_campaign(choice, incoming, ctx, answer_when_none=False)
    campaign = choice.campaign
    member = await known_member(incoming.user_id)
    before = await open_order_in(campaign.id, member.id) if member else None
    name = clean(member.display_name) if member else ""
    name = name or t(ctx.locale, "you")
    if before is None:
        return reply(incoming, t(ctx.locale, "nothing_to_cancel", name=name))
    held = {line["label"] for line in before["lines"] if line["status"] in ACTIVE}
    if intent.label is None and intent.qty is not None and len(held) > 1:
        return reply(incoming, t(ctx.locale, "which_to_cancel", example=f"{sorted(held)[0]}-{intent.qty}"))
    if intent.label is not None and intent.label not in held:
        return reply(incoming, t(ctx.locale, "nothing_to_cancel_label", name=name,
                                 label=clean(intent.label, 8)))
    try:
        # After the deadline a buyer's change is refused (CampaignClosed): it goes through the host.
        await cancel(order_id=before["id"], now=ctx.now, label=intent.label, qty=intent.qty,
                     actor=actor(incoming), require_open=True)
    except NotFound:
        return reply(incoming, t(ctx.locale, "nothing_to_cancel", name=name))
    except DomainError as error:
        return reply(incoming, refusal(error, campaign, await items_of(campaign.id), ctx.locale))
    after = await order_view(before["id"])
    return reply(incoming, "\n".join(_cancelled_lines(before, after, ctx.locale)
                                     + order_summary(ctx.locale, after)))


def _cancelled_lines(before: dict, after: dict, locale: str) -> list[str]:
    def held(view: dict) -> dict[str, int]:
        qty: dict[str, int] = defaultdict(int)
        for line in view["lines"]:
            if line["status"] in ACTIVE:
                qty[line["label"]] += line["qty"]
        return qty

    names = {line["label"]: line["name"] for line in before["lines"]}
    was, now = held(before), held(after)
    gone = [(label, was[label] - now.get(label, 0)) for label in sorted(was)
            if was[label] > now.get(label, 0)]
    if not gone:
        return []
    return [t(locale, "cancelled")] + [
        booked_line(locale, label=label, name=names[label], qty=qty, status=LineStatus.CANCELLED)
        for label, qty in gone
    ]


# --- answers to the bot's questions ----------------------------------------------------------

QUESTION_LIFE = timedelta(hours=6)


def _asking(messages: list[dict], incoming: Incoming, **asks) -> list[dict]:
    """Mark the first reply as a question: a buyer who answers it by replying to it is
    understood (``on_answer``). Delivery keeps ``_asks`` off the wire."""
    messages[0]["_asks"] = {"user": incoming.user_id, "text": incoming.text[:MAX_CHARS], **asks}
    return messages


async def on_answer(incoming: Incoming, ctx: BotContext) -> list[dict] | None:
    """A reply (quote) to the bot's own "which campaign?" or "which item?" answers it: the
    buyer's first message is booked (or cancelled) with what the answer picks. None when the
    quoted message is not a question the bot asked this buyer."""
    if not incoming.quoted_message_id or len(incoming.text) > MAX_ANSWER_CHARS:
        return None
    asks = await outbox.asked(incoming.group_id or "", incoming.quoted_message_id,
                              since=ctx.now - QUESTION_LIFE)
    if not asks or asks.get("user") != incoming.user_id:
        return None
    first = parse_group(asks.get("text", ""))
    if asks.get("kind") == "campaign" and isinstance(first, (Order, Cancel)):
        listed = await campaigns_by_id(list(asks.get("campaigns", [])))
        picked = pick_answer(incoming.text, [(c.code, c.title) for c in listed])
        if picked is None:
            return _no_campaign(Choice(several=tuple(listed)), _as_asked(incoming, asks), ctx,
                                answer_when_none=True)
        if isinstance(first, Cancel):
            return await on_cancel(first, incoming, ctx, campaign=listed[picked])
        return await on_order(Order(first.lines, code=listed[picked].code), incoming, ctx)
    if asks.get("kind") == "item" and isinstance(first, Order):
        campaign = next(iter(await campaigns_by_id([asks.get("campaign")])), None)
        if campaign is None:
            return None
        items = await items_of(campaign.id)
        picked = pick_answer(incoming.text, [(i.label, i.name) for i in items])
        if picked is None:  # ask again
            return await on_order(Order(first.lines, code=campaign.code), _as_asked(incoming, asks), ctx)
        labels = {i.label.upper() for i in items}
        lines = tuple(line if line.label in labels else GrammarLine(items[picked].label.upper(), line.qty, line.words)
                      for line in first.lines)
        return await on_order(Order(lines, code=campaign.code), incoming, ctx)
    return None


def _as_asked(incoming: Incoming, asks: dict) -> Incoming:
    """The answer as if it were the first message again (to ask once more)."""
    return replace(incoming, text=asks.get("text", ""))


# --- malformed --------------------------------------------------------------------------------

async def on_malformed(intent: Malformed, incoming: Incoming, ctx: BotContext) -> list[dict]:
    """A broken order ("+0", "A+"): answered only where an open campaign could take it."""
    choice = await choose_campaign(incoming.group_id, incoming.quoted_message_id, ctx.now)
    if choice.campaign is None and not choice.several:
        return []
    return reply(incoming, malformed_text(intent, ctx.locale))


def malformed_text(intent: Malformed, locale: str) -> str:
    """The hint for a message that reads as an order or a report but cannot be booked."""
    return t(locale, f"malformed_{intent.reason}",
             choices=t(locale, "choices_or").join(clean(c, 12) for c in intent.choices))


# --- edited and unsent messages -----------------------------------------------------------

async def on_edited(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """The lines booked from the edited message follow its new text: reduced, cancelled or
    added per label (a label kept keeps its place in the stock). A message that booked
    nothing is read as a new order; a change that cannot be read changes nothing."""
    if incoming.source != "group" or not incoming.group_id:
        return []
    intent = parse_group(incoming.text, mentions_bot=incoming.mentions_bot)
    old = await lines_of_message(incoming.message_id, incoming.user_id)
    if not old:
        return await on_order(intent, incoming, ctx) if isinstance(intent, Order) else []
    (campaign,) = await campaigns_by_id([old[0].item.campaign_id])
    if isinstance(intent, Malformed):
        return reply(incoming, malformed_text(intent, ctx.locale))
    items = await items_of(campaign.id)
    wanted: list[Wanted] = []  # anything but an order (chat, a cancel): the message's lines go
    if isinstance(intent, Order):
        resolution = resolve_items(intent, [ItemRef(i.label, i.name) for i in items])
        if not resolution.ok:
            return reply(incoming, _question(resolution.problem, items, ctx.locale))
        wanted = [Wanted(line.label, line.qty, line.note or "") for line in resolution.lines]
    try:
        await amend(old, wanted, message_id=incoming.message_id, now=ctx.now, actor=actor(incoming))
    except DomainError as error:
        return reply(incoming, refusal(error, campaign, items, ctx.locale))
    view = await order_view(old[0].order_id)
    summary = order_summary(ctx.locale, view)
    if active_lines(view):  # swap "order #12 now:" for "order #12 updated:"
        summary = [t(ctx.locale, "order_updated", number=view["number"]), *summary[1:],
                   *_closing_note(campaign, ctx)]
    return reply(incoming, "\n".join(summary))


async def on_unsend(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """Unsending an order message cancels its lines while the campaign is open. There is no
    reply token, so nothing is said."""
    old = await lines_of_message(incoming.message_id, incoming.user_id)
    if not old:
        return []
    try:
        await amend(old, [], message_id=incoming.message_id, now=ctx.now, actor=actor(incoming))
    except CampaignClosed:  # after the deadline an unsend changes nothing (and cannot be answered)
        pass
    return []
