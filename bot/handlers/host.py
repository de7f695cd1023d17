"""A host's commands in a group: 開團 (open), 結單 (close), 名單 (orders), 揀貨單 (pick list),
公告 (announce a campaign opened at the counter or by the API: a free reply, not a group push),
and a lone 截止 / 取貨 line (move the campaign's deadline or pickup window, answered by reply).

Only members with `is_host` get here (the router checks); anyone else typing them is chat.
Opening replies with the announcement itself (a free reply instead of a group push); its
message carries `"_announces": campaign_id`, so delivery (bot.delivery) records the sent
message id as the campaign's announcement in this group, and quotes of it find the campaign.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.events import BotContext, Incoming
from bot.handlers.lookup import actor, choose_campaign, reply
from bot.host_grammar import (
    Announce, CloseCampaign, HostCommand, HostError, ListOrders, MoveDeadline, MovePickup, OpenCampaign, PickList,
    pickup_after,
)
from bot.messages import (
    TITLE_LIMIT, active_lines, campaign_list, clean, host_problem, pickup_window, render_notification, t, texts,
    when,
)
from commerce import outbox
from commerce.campaigns import campaign_detail, close_campaign, edit_campaign, open_campaign
from commerce.commands import CampaignEdit, CampaignSpec, parse
from commerce.errors import DomainError, InvalidInput, InvalidState
from commerce.orders import campaign_orders
from commerce.states import CampaignStatus, LineStatus
from commerce.rules import takes_orders

if TYPE_CHECKING:  # annotations only: the queries are commerce's
    from commerce.models import Campaign


async def on_command(command: HostCommand, incoming: Incoming, ctx: BotContext) -> list[dict]:
    if isinstance(command, HostError):
        problem = host_problem(ctx.locale, command.code, command.message)
        if command.command in _MOVES:
            return reply(incoming, _move_problem(ctx.locale, command.command, problem, command.line))
        return reply(incoming, _problem(ctx.locale, problem, command.line))
    if isinstance(command, MoveDeadline):
        return await _move_deadline(command, incoming, ctx)
    if isinstance(command, MovePickup):
        return await _move_pickup(command, incoming, ctx)
    if isinstance(command, OpenCampaign):
        return await _open(command, incoming, ctx)
    if isinstance(command, CloseCampaign):
        return await _close(incoming, ctx)
    if isinstance(command, ListOrders):
        return await _orders(incoming, ctx)
    if isinstance(command, PickList):
        return await _pick_list(incoming, ctx)
    if isinstance(command, Announce):
        return await _announce(incoming, ctx)
    return []


def _problem(locale: str, problem: str, line: str | None) -> str:
    text = t(locale, "host_error", problem=problem)
    if line:
        text += t(locale, "host_error_line", line=clean(line, TITLE_LIMIT))
    return f"{text}\n\n{t(locale, 'host_example')}"


async def _open(command: OpenCampaign, incoming: Incoming, ctx: BotContext) -> list[dict]:
    try:
        spec = parse(CampaignSpec, {
            "title": command.title,
            "items": [{"label": i.label, "name": i.name, "price": i.price, "stock": i.stock,
                       "limit_per_buyer": i.limit} for i in command.items],
            "closes_at": command.closes_at, "pickup_from": command.pickup_from, "pickup_until": command.pickup_until,
            "pickup_place": command.pickup_place or "", "note": "\n".join(command.notes),
            "host_user_id": incoming.user_id,
            "group_ids": [incoming.group_id],
            "announce": False,  # the reply below is the announcement, and replies are free
        })
        campaign = await open_campaign(spec, now=ctx.now)
    except InvalidInput as error:
        return reply(incoming, _problem(ctx.locale, error.message, None))
    messages = render_notification("campaign_announcement", {"campaign_id": campaign.id}, ctx.locale,
                                   campaign=await campaign_detail(campaign.id), tz=ctx.tz)
    messages[0]["_announces"] = campaign.id
    return messages


async def _announce(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """The announcement of the group's campaign, as a reply (free); quotes of it find it."""
    target = await _target(incoming, ctx, t(ctx.locale, "host_cmd.announce"))
    if isinstance(target, list):
        return target
    if not takes_orders(target.status, target.closes_at, ctx.now):  # no announcing what takes no "+1"
        return reply(incoming, t(ctx.locale, "host_already_closed", title=clean(target.title, TITLE_LIMIT)))
    messages = render_notification("campaign_announcement", {"campaign_id": target.id}, ctx.locale,
                                   campaign=await campaign_detail(target.id), tz=ctx.tz)
    messages[0]["_announces"] = target.id
    return messages


async def _target(incoming: Incoming, ctx: BotContext, command: str) -> Campaign | list[dict]:
    """The campaign a command means: the quoted one, else the group's only open one, else
    the group's latest (closed, or past its deadline). A list is the reply when there is
    none, or several are open."""
    choice = await choose_campaign(incoming.group_id, incoming.quoted_message_id, ctx.now)
    if choice.campaign is not None:
        return choice.campaign
    if choice.several:
        return reply(incoming, t(ctx.locale, "host_which_campaign", command=command,
                                 campaigns=campaign_list((c.code, c.title) for c in choice.several)))
    if choice.last is not None:
        return choice.last
    return reply(incoming, t(ctx.locale, "no_open_campaign"))


async def _close(incoming: Incoming, ctx: BotContext) -> list[dict]:
    target = await _target(incoming, ctx, t(ctx.locale, "host_cmd.close"))
    if isinstance(target, list):
        return target
    if target.status != CampaignStatus.OPEN:
        return reply(incoming, t(ctx.locale, "host_already_closed", title=clean(target.title, TITLE_LIMIT)))
    try:
        campaign = await close_campaign(target.id, now=ctx.now, actor=actor(incoming), told_group=incoming.group_id)
    except DomainError:
        return reply(incoming, t(ctx.locale, "error_generic"))
    count = len(await campaign_orders(campaign.id, not_picked_up=True))
    return reply(incoming, t(ctx.locale, "host_closed", title=clean(campaign.title, TITLE_LIMIT),
                             code=campaign.code, count=count))


async def _orders(incoming: Incoming, ctx: BotContext) -> list[dict]:
    target = await _target(incoming, ctx, t(ctx.locale, "host_cmd.orders"))
    if isinstance(target, list):
        return target
    locale = ctx.locale
    views = [v for v in await campaign_orders(target.id) if active_lines(v)]
    title = clean(target.title, TITLE_LIMIT)
    if not views:
        return reply(incoming, t(locale, "orders_none", title=title))
    lines = [t(locale, "orders_head", title=title, code=target.code, count=len(views))]
    waitlisted = t(locale, "orders_waitlisted")
    for view in views:
        # Shown in the group: name and quantities only, never phones or payments.
        parts = [f"{clean(l['label'], 8)}×{l['qty']}"
                 + (f"({waitlisted})" if l["status"] == LineStatus.WAITLISTED else "")
                 for l in active_lines(view)]
        name = clean((view["member"] or {}).get("display_name", ""))
        lines.append(t(locale, "orders_row", number=view["number"], name=name, lines=" ".join(parts)))
    return texts(lines, locale=locale)


async def _pick_list(incoming: Incoming, ctx: BotContext) -> list[dict]:
    target = await _target(incoming, ctx, t(ctx.locale, "host_cmd.picklist"))
    if isinstance(target, list):
        return target
    await outbox.enqueue(
        outbox.Message(recipient_kind="host", recipient=incoming.user_id, template="pick_list",
                       params={"campaign_id": target.id}, campaign_id=target.id, dedupe_key=None),
        now=ctx.now,
    )
    return reply(incoming, t(ctx.locale, "picklist_sent"))


_MOVES = ("deadline", "pickup")
# commerce's refusals of an edit, by field, as the grammar's problem codes (worded in the catalogue)
_EDIT_PROBLEMS = {"closes_at": "deadline_past", "pickup_from": "pickup_reversed", "pickup_until": "pickup_reversed"}


def _move_problem(locale: str, move: str, problem: str, line: str | None) -> str:
    text = t(locale, "host_move_error", problem=problem)
    if line:
        text += t(locale, "host_error_line", line=clean(line, TITLE_LIMIT))
    return f"{text}\n{t(locale, f'host_move_example.{move}')}"


async def _move_deadline(command: MoveDeadline, incoming: Incoming, ctx: BotContext) -> list[dict]:
    target = await _target(incoming, ctx, clean(command.line, TITLE_LIMIT))
    if isinstance(target, list):
        return target
    if not takes_orders(target.status, target.closes_at, ctx.now):
        # Past its deadline is closed to buyers even before the close job marks it: no reopening.
        return reply(incoming, _unchangeable(ctx.locale, target.status, target.title))
    campaign = await _edit(target, {"closes_at": command.closes_at}, "deadline", command.line, incoming, ctx)
    if isinstance(campaign, list):
        return campaign
    return reply(incoming, t(ctx.locale, "host_moved_deadline", title=clean(campaign.title, TITLE_LIMIT),
                             code=campaign.code, time=when(campaign.closes_at, ctx.tz, ctx.locale)))


async def _move_pickup(command: MovePickup, incoming: Incoming, ctx: BotContext) -> list[dict]:
    target = await _target(incoming, ctx, clean(command.line, TITLE_LIMIT))
    if isinstance(target, list):
        return target
    window = pickup_after(command, target.closes_at.astimezone(ctx.tz).date())
    if isinstance(window, HostError):
        return reply(incoming, _move_problem(ctx.locale, "pickup", host_problem(ctx.locale, window.code, window.message),
                                             window.line))
    start, end, place = window
    fields = {"pickup_from": start, "pickup_until": end} | ({"pickup_place": place} if place else {})
    campaign = await _edit(target, fields, "pickup", command.line, incoming, ctx)
    if isinstance(campaign, list):
        return campaign
    shown = pickup_window(campaign.pickup_from, campaign.pickup_until, campaign.pickup_place, ctx.locale)
    return reply(incoming, t(ctx.locale, "host_moved_pickup", title=clean(campaign.title, TITLE_LIMIT),
                             code=campaign.code, window=shown or ""))


async def _edit(target: Campaign, fields: dict, move: str, line: str, incoming: Incoming,
                ctx: BotContext) -> Campaign | list[dict]:
    """The campaign after commerce's edit, or the reply that says why it was refused."""
    try:
        return await edit_campaign(target.id, parse(CampaignEdit, fields), now=ctx.now, actor=actor(incoming),
                                   told_group=incoming.group_id)
    except InvalidInput as error:
        problem = host_problem(ctx.locale, _EDIT_PROBLEMS.get(error.field or ""), error.message)
        return reply(incoming, _move_problem(ctx.locale, move, problem, line))
    except InvalidState:  # closed or cancelled meanwhile: say which, as it is now
        status = (await campaign_detail(target.id))["status"]
        if move == "pickup" and status != CampaignStatus.CANCELLED:
            return reply(incoming, t(ctx.locale, "error_generic"))  # a close raced the edit: try again
        return reply(incoming, _unchangeable(ctx.locale, status, target.title))


def _unchangeable(locale: str, status: str, title: str) -> str:
    key = "host_move_cancelled" if status == CampaignStatus.CANCELLED else "host_move_closed"
    return t(locale, key, title=clean(title, TITLE_LIMIT))
