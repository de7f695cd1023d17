"""Transfer reports ("已匯款 12345 $350"), in a group or a 1:1 chat.

The report is attached to one of the buyer's open orders with a balance due: in a group,
the quoted campaign's order, else the orders of this group's campaigns; in 1:1, any. Among
those, an order whose amount due equals the amount reported wins, else the most recent.
Commerce records the report as `reported` until the shop confirms it.
"""
from __future__ import annotations

from typing import Any

from bot.events import BotContext, Incoming
from bot.grammar import Malformed, TransferReport
from bot.handlers.lookup import actor, known_member, latest_campaign, quoted_campaign, reply
from bot.messages import t
from commerce.errors import DomainError
from commerce.models import CampaignGroup
from commerce.money import format_money
from commerce.orders import open_orders_of
from commerce.payments import report_transfer


async def on_transfer(report: TransferReport, incoming: Incoming, ctx: BotContext) -> list[dict]:
    if await _group_without_campaigns(incoming):
        return []  # "已匯款" between friends in a group the shop never sold in
    member = await known_member(incoming.user_id)
    order = await _order_to_pay(member.id, report.amount, incoming) if member else None
    if order is None:
        return reply(incoming, t(ctx.locale, "transfer_no_order"))
    try:
        await report_transfer(order_id=order["id"], last5=report.last5, amount=report.amount,
                              actor=actor(incoming), now=ctx.now)
    except DomainError:
        return reply(incoming, t(ctx.locale, "error_generic"))
    return reply(incoming, t(ctx.locale, "transfer_received", amount=format_money(report.amount),
                             last5=report.last5, number=order["number"]))


async def on_malformed(intent: Malformed, incoming: Incoming, ctx: BotContext) -> list[dict]:
    if await _group_without_campaigns(incoming):
        return []
    return reply(incoming, t(ctx.locale, f"malformed_{intent.reason}"))


async def _group_without_campaigns(incoming: Incoming) -> bool:
    return incoming.source == "group" and await latest_campaign(incoming.group_id or "") is None


async def _order_to_pay(member_id: int, amount: int, incoming: Incoming) -> dict[str, Any] | None:
    orders = [o for o in await open_orders_of(member_id) if o["campaign"] and o["balance"] > 0]
    if incoming.source == "group" and incoming.group_id:
        quoted = await quoted_campaign(incoming.group_id, incoming.quoted_message_id)
        if quoted is not None:
            scope = {quoted.id}
        else:
            scope = set(await CampaignGroup.filter(group__line_group_id=incoming.group_id)
                        .values_list("campaign_id", flat=True))
        orders = [o for o in orders if o["campaign"]["id"] in scope]
    if not orders:
        return None
    # A report for exactly what an order still owes (before or after earlier reports) is
    # for that order.
    exact = [o for o in orders if amount in (o["balance"], o["balance"] - o["reported"])]
    return max(exact or orders, key=lambda o: o["id"])
