"""1:1 chat with a buyer: bind a phone, my orders, pickup code, help.

Private data (orders, the pickup code) is only ever answered here; asked in a group, the
bot says to ask in 1:1 (`ask_in_direct`).
"""
from __future__ import annotations

from bot.events import BotContext, Incoming
from bot.grammar import (
    Bind, Cancel, Help, Malformed, MyOrders, Order, PickupCode, TransferReport, parse_direct,
    parse_group,
)
from bot.handlers import payments
from bot.handlers.lookup import buyer, is_host, known_member, reply
from bot.host_grammar import parse_host
from bot.messages import TITLE_LIMIT, active_lines, booked_line, clean, item_name, pickup_window, t, texts
from commerce.errors import InvalidInput
from commerce.members import bind_phone
from commerce.money import format_money
from commerce.orders import open_orders_of
from commerce.phones import display_phone
from commerce.states import CampaignStatus, LineStatus


async def on_direct(incoming: Incoming, ctx: BotContext) -> list[dict]:
    if not incoming.user_id or not incoming.text.strip():
        return []
    intent = parse_direct(incoming.text)
    if isinstance(intent, Bind):
        return await _bind(intent, incoming, ctx)
    if isinstance(intent, MyOrders):
        return await _my_orders(incoming, ctx)
    if isinstance(intent, PickupCode):
        return await _pickup_code(incoming, ctx)
    if isinstance(intent, Help):
        return reply(incoming, t(ctx.locale, "help_direct"))
    if isinstance(intent, TransferReport):
        return await payments.on_transfer(intent, incoming, ctx)
    if isinstance(intent, Malformed):
        return reply(incoming, t(ctx.locale, f"malformed_{intent.reason}"))
    if parse_host(incoming.text, now=ctx.now, tz=ctx.tz) is not None and await is_host(incoming.user_id):
        return reply(incoming, t(ctx.locale, "host_in_group"))
    if isinstance(parse_group(incoming.text), (Order, Cancel)):
        return reply(incoming, t(ctx.locale, "order_in_group"))
    return reply(incoming, t(ctx.locale, "unknown_direct"))


async def on_private_in_group(incoming: Incoming, ctx: BotContext) -> list[dict]:
    return reply(incoming, t(ctx.locale, "ask_in_direct"))


async def _bind(intent: Bind, incoming: Incoming, ctx: BotContext) -> list[dict]:
    member = await buyer(incoming, ctx)
    try:
        member = await bind_phone(member.id, intent.phone)
    except InvalidInput:
        return reply(incoming, t(ctx.locale, "phone_invalid"))
    return reply(incoming, t(ctx.locale, "phone_bound", phone=display_phone(member.phone)))


async def _my_orders(incoming: Incoming, ctx: BotContext) -> list[dict]:
    member = await known_member(incoming.user_id)
    views = [v for v in await open_orders_of(member.id) if v["campaign"]] if member else []
    views = [v for v in views if active_lines(v)]
    if not views:
        return reply(incoming, t(ctx.locale, "my_orders_none"))
    locale = ctx.locale
    lines = [t(locale, "my_orders_head", count=len(views))]
    for view in reversed(views):  # newest first: what a buyer asks about
        campaign = view["campaign"]
        lines += ["", t(locale, "order_heading", number=view["number"],
                        title=clean(campaign["title"], TITLE_LIMIT))]
        closed = campaign["status"] != CampaignStatus.OPEN  # a line still waitlisted now will not be filled
        lines += [t(locale, "line_not_filled", item=item_name(l["label"], l["name"]), qty=l["qty"])
                  if closed and l["status"] == LineStatus.WAITLISTED
                  else booked_line(locale, label=l["label"], name=l["name"], qty=l["qty"],
                                   status=l["status"], note=l.get("note")) for l in active_lines(view)]
        lines.append(t(locale, "order_money", total=format_money(view["total"]),
                       paid=format_money(view["paid"]), balance=format_money(view["balance"])))
        if view["reported"]:
            lines.append(t(locale, "order_reported", amount=format_money(view["reported"])))
        window = pickup_window(campaign["pickup_from"], campaign["pickup_until"],
                               campaign["pickup_place"], locale)
        if window:
            lines.append(t(locale, "order_pickup", window=window))
    return texts(lines, locale=locale)


async def _pickup_code(incoming: Incoming, ctx: BotContext) -> list[dict]:
    member = await buyer(incoming, ctx)
    token = member.pickup_token
    if not ctx.public_url:
        return reply(incoming, t(ctx.locale, "pickup_code_text", token=token))
    url = f"{ctx.public_url.rstrip('/')}/qr/{token}.png"
    return [{"type": "image", "url": url, "preview_url": url},
            *reply(incoming, t(ctx.locale, "pickup_code", token=token))]
