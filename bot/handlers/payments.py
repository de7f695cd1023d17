"""Transfer reports ("已匯款 12345 $350"), in a group or a 1:1 chat.

The report goes to the order commerce.payments.order_for_transfer picks, among the quoted
campaign (in a group), else the group's campaigns, else (1:1) any. Commerce records it as
`reported` until the shop confirms it.
"""
from __future__ import annotations

from bot.events import BotContext, Incoming
from bot.grammar import ORDER_PROBLEMS, Malformed, TransferReport
from bot.handlers import ordering
from bot.handlers.lookup import actor, known_member, latest_campaign, quoted_campaign, reply
from bot.messages import t
from commerce.errors import DomainError
from commerce.choosing import group_campaign_ids
from commerce.money import format_money
from commerce.payments import balance_of, order_for_transfer, report_transfer


async def on_transfer(report: TransferReport, incoming: Incoming, ctx: BotContext) -> list[dict]:
    if await _group_without_campaigns(incoming):
        return []  # "已匯款" between friends in a group the shop never sold in
    member = await known_member(incoming.user_id)
    order_id = (await order_for_transfer(member.id, report.amount, await _campaigns_in_scope(incoming))
                if member else None)
    if order_id is None:
        return reply(incoming, t(ctx.locale, "transfer_no_order"))
    try:
        due = await balance_of(order_id)
        await report_transfer(order_id=order_id, last5=report.last5, amount=report.amount,
                              actor=actor(incoming), now=ctx.now)
    except DomainError:
        return reply(incoming, t(ctx.locale, "error_generic"))
    text = t(ctx.locale, "transfer_received", amount=format_money(report.amount), last5=report.last5,
             number=str(order_id))
    if report.amount > due:  # flagged now, not found out when the bank shows it
        text += "\n" + t(ctx.locale, "transfer_over", due=format_money(due), extra=format_money(report.amount - due))
    return reply(incoming, text)


async def on_malformed(intent: Malformed, incoming: Incoming, ctx: BotContext) -> list[dict]:
    if intent.reason in ORDER_PROBLEMS:  # an order's problem routed here: ordering answers it
        return await ordering.on_malformed(intent, incoming, ctx)
    if await _group_without_campaigns(incoming):
        return []
    return reply(incoming, ordering.malformed_text(intent, ctx.locale))


async def _group_without_campaigns(incoming: Incoming) -> bool:
    return incoming.source == "group" and await latest_campaign(incoming.group_id or "") is None


async def _campaigns_in_scope(incoming: Incoming) -> set[int] | None:
    """In a group: the quoted campaign, else the group's campaigns. In 1:1: any (None)."""
    if incoming.source != "group" or not incoming.group_id:
        return None
    quoted = await quoted_campaign(incoming.group_id, incoming.quoted_message_id)
    if quoted is not None:
        return {quoted.id}
    return await group_campaign_ids(incoming.group_id)
