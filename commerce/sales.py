"""Counter sales: add-ons to a buyer's order and walk-in sales of leftover stock.

They share the stock of the campaign's items with the chat: the same conditional claim.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce import stock
from commerce.commands import ItemRef, NewSale
from commerce.db import fetch
from commerce.errors import InvalidInput, InvalidState, NotFound, SoldOut
from commerce.models import Campaign, Item, Order, OrderLine, Payment
from commerce.states import CampaignStatus, LineStatus, OrderStatus, PaymentStatus


async def _item_for(ref: ItemRef, *, campaign_id: int | None, at: str = "") -> Item:
    item_id = ref.item_id
    query = Item.filter(id=item_id) if item_id is not None else Item.filter(barcode=ref.barcode.strip())
    if campaign_id is not None:
        query = query.filter(campaign_id=campaign_id)
    else:
        query = query.filter(campaign__status__in=("open", "closed"))
    item = await query.order_by("-id").first()
    if item is None:
        raise NotFound("no such item" + ("" if campaign_id is None else " in this campaign"),
                       field=at + ("barcode" if item_id is None else "item_id"))
    return item


async def _sell(conn, order_id: int, item: Item, qty: int, source: str, actor: str, now: datetime) -> OrderLine:
    if not await stock.claim(conn, item.id, qty):
        free = await stock.free_units(conn, item.id)
        raise SoldOut(f"{item.label} {item.name}: only {free} left", field="qty",
                      item_id=item.id, available=free)
    line = await OrderLine.create(order_id=order_id, item_id=item.id, qty=qty, unit_price=item.price,
                                  status=LineStatus.RESERVED, source=source, created_at=now)
    await stock.record(conn, item.id, line.id, qty, source, actor, now)
    return line


async def add_on(order_id: int, ref: ItemRef, *, actor: str, now: datetime) -> OrderLine:
    """Add an item on the spot to a buyer's order (same campaign, same stock).
    Raises SoldOut, NotFound, InvalidState; writes nothing then."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("no such order", field="number")
    if order.status != OrderStatus.OPEN:
        raise InvalidState(f"this order is {order.status}")
    item = await _item_for(ref, campaign_id=order.campaign_id)
    async with in_transaction() as conn:
        # Re-read under the order's row lock: a handover or cancel may have just happened.
        locked = await Order.select_for_update().get(id=order_id)
        if locked.status != OrderStatus.OPEN:
            raise InvalidState(f"this order is {locked.status}")
        if await Campaign.filter(id=item.campaign_id, status=CampaignStatus.CANCELLED).exists():
            raise InvalidState("this campaign was cancelled")
        line = await _sell(conn, order_id, item, ref.qty, "addon", actor, now)
        await Order.filter(id=order_id).update(updated_at=now)
    return line


async def walk_in_sale(sale: NewSale, *, actor: str, now: datetime) -> Order:
    """Sell leftovers (and custom amounts) to anyone: one order without buyer, paid in full and
    handed over at once.
    Raises SoldOut, NotFound, InvalidInput (payments must add up to the total)."""
    resolved = [(await _item_for(line.ref(), campaign_id=None, at=f"lines[{i}]."), line.qty)
                for i, line in enumerate(sale.lines) if not line.custom]
    custom = [line for line in sale.lines if line.custom]
    total = sum(item.price * qty for item, qty in resolved) + sum(line.price * line.qty for line in custom)
    if sum(p.amount for p in sale.payments) != total:
        raise InvalidInput(f"payments must add up to the total {total}", field="payments", total=total)
    async with in_transaction() as conn:
        order = await Order.create(campaign_id=None, member_id=None, status=OrderStatus.PICKED_UP, created_at=now,
                                   updated_at=now)
        for item, qty in sorted(resolved, key=lambda r: r[0].id):
            await _sell(conn, order.id, item, qty, "walkin", actor, now)
        for line in custom:  # no stock to claim: nothing lists it
            await OrderLine.create(order_id=order.id, item_id=None, name=line.name, qty=line.qty, unit_price=line.price,
                                   status=LineStatus.RESERVED, source="custom", created_at=now)
        for p in sale.payments:
            await Payment.create(order_id=order.id, method=p.method, amount=p.amount, tendered=p.tendered,
                                 change=p.change, status=PaymentStatus.CONFIRMED, actor=actor, created_at=now,
                                 decided_at=now)
    return order


async def leftovers(*, include_sold_out: bool = False) -> list[dict]:
    """Items of open or closed campaigns a walk-in can buy: with stock left, or with no cap
    (``left_qty`` None); with ``include_sold_out`` also those with none left (``left_qty`` 0),
    so a counter can show them disabled rather than hide them."""
    from tortoise import connections

    return await fetch(
        connections.get("default"),
        "SELECT i.id, i.label, i.name, i.price, i.barcode, CASE WHEN i.cap IS NULL THEN NULL"
        " WHEN i.sold < i.cap THEN i.cap - i.sold ELSE 0 END AS left_qty, c.title, c.code"
        " FROM items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.status IN ('open', 'closed')"
        + ("" if include_sold_out else " AND (i.cap IS NULL OR i.sold < i.cap)") + " ORDER BY c.id, i.position",
    )
