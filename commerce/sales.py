"""Counter sales: add-ons to a buyer's order and walk-in sales of leftover stock.

They share the stock of the campaign's items with the chat: the same conditional claim.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from commerce import stock
from commerce.db import fetch
from commerce.errors import InvalidInput, InvalidState, NotFound, SoldOut
from commerce.models import Campaign, Item, Order, OrderLine, Payment
from commerce.money import change_due, parse_amount
from commerce.payments import METHODS


async def _item_for(*, item_id: int | None, barcode: str | None, campaign_id: int | None, at: str = "") -> Item:
    if item_id is None and not barcode:
        raise InvalidInput("give a barcode or an item_id", field=f"{at}barcode")
    query = Item.filter(id=item_id) if item_id is not None else Item.filter(barcode=str(barcode).strip())
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
                                  status="reserved", source=source, created_at=now)
    await stock.record(conn, item.id, line.id, qty, source, actor, now)
    return line


def _qty(qty: object, at: str = "") -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 999:
        raise InvalidInput("qty must be 1–999", field=f"{at}qty")
    return qty


async def add_on(*, order_id: int, qty: int = 1, item_id: int | None = None, barcode: str | None = None,
                 actor: str, now: datetime) -> OrderLine:
    """Add an item on the spot to a buyer's order (same campaign, same stock).
    Raises SoldOut, NotFound, InvalidInput, InvalidState; writes nothing then."""
    qty = _qty(qty)
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("no such order", field="number")
    if order.status != "open":
        raise InvalidState(f"this order is {order.status}")
    item = await _item_for(item_id=item_id, barcode=barcode, campaign_id=order.campaign_id)
    async with in_transaction() as conn:
        # Re-read under the order's row lock: a handover or cancel may have just happened.
        locked = await Order.select_for_update().get(id=order_id)
        if locked.status != "open":
            raise InvalidState(f"this order is {locked.status}")
        if await Campaign.filter(id=item.campaign_id, status="cancelled").exists():
            raise InvalidState("this campaign was cancelled")
        line = await _sell(conn, order_id, item, qty, "addon", actor, now)
        await Order.filter(id=order_id).update(updated_at=now)
    return line


@dataclass(frozen=True)
class SaleLine:
    qty: int
    barcode: str | None = None
    item_id: int | None = None


@dataclass(frozen=True)
class SalePayment:
    method: str
    amount: int
    tendered: int | None = None


async def walk_in_sale(*, lines: Sequence[SaleLine], payments: Sequence[SalePayment], actor: str,
                       now: datetime) -> Order:
    """Sell leftovers to anyone: one order without buyer, paid in full and handed over at once.
    Raises SoldOut, NotFound, InvalidInput (payments must add up to the total)."""
    if not lines:
        raise InvalidInput("nothing to sell", field="lines")
    resolved = [(await _item_for(item_id=l.item_id, barcode=l.barcode, campaign_id=None, at=f"lines[{i}]."),
                 _qty(l.qty, f"lines[{i}]."))
                for i, l in enumerate(lines)]
    total = sum(item.price * qty for item, qty in resolved)
    checked = []
    for i, p in enumerate(payments):
        if p.method not in METHODS:
            raise InvalidInput("unknown payment method", field=f"payments[{i}].method")
        amount = parse_amount(p.amount, f"payments[{i}].amount")
        tendered = None if p.tendered is None else parse_amount(p.tendered, f"payments[{i}].tendered")
        checked.append((p.method, amount, tendered, change_due(amount, tendered)))
    if sum(c[1] for c in checked) != total:
        raise InvalidInput(f"payments must add up to the total {total}", field="payments", total=total)
    async with in_transaction() as conn:
        order = await Order.create(campaign_id=None, member_id=None, status="picked_up", created_at=now, updated_at=now)
        for item, qty in sorted(resolved, key=lambda r: r[0].id):
            await _sell(conn, order.id, item, qty, "walkin", actor, now)
        for method, amount, tendered, change in checked:
            await Payment.create(order_id=order.id, method=method, amount=amount, tendered=tendered,
                                 change=change if tendered is not None else None, status="confirmed",
                                 actor=actor, created_at=now, decided_at=now)
    return order


async def leftovers(*, include_sold_out: bool = False) -> list[dict]:
    """Capped items of open or closed campaigns with stock left (what a walk-in can buy);
    with ``include_sold_out`` also those with none left (``left_qty`` 0), so a counter can
    show them disabled rather than hide them."""
    from tortoise import connections

    return await fetch(
        connections.get("default"),
        "SELECT i.id, i.label, i.name, i.price, i.barcode, CASE WHEN i.sold < i.cap THEN i.cap - i.sold ELSE 0 END"
        " AS left_qty, c.title, c.code FROM items i JOIN campaigns c ON c.id = i.campaign_id"
        " WHERE c.status IN ('open', 'closed') AND i.cap IS NOT NULL"
        + ("" if include_sold_out else " AND i.sold < i.cap") + " ORDER BY c.id, i.position",
    )
