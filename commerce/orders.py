"""Reading orders back as plain data (the shapes the API and the bot show)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from commerce.errors import NotFound
from commerce.models import Campaign, Discount, Item, Member, Order, OrderLine, Payment, PrintJob
from commerce.money import totals
from commerce.states import DiscountStatus, OrderStatus, PrintStatus
from commerce.phones import display_phone


def member_view(member: Member | None) -> dict[str, Any] | None:
    if member is None:
        return None
    return {
        "id": member.id,
        "line_user_id": member.line_user_id,
        "display_name": member.display_name,
        "phone": display_phone(member.phone) if member.phone else None,
    }


async def order_views(orders: Iterable[Order]) -> list[dict[str, Any]]:
    """Views of many orders with a fixed number of queries, whatever their number."""
    orders = list(orders)
    ids = [o.id for o in orders]
    if not ids:
        return []
    lines_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in await OrderLine.filter(order_id__in=ids).order_by("id"):
        lines_by_order[line.order_id].append(line)
    item_ids = {line.item_id for lines in lines_by_order.values() for line in lines if line.item_id}
    items = {i.id: i for i in await Item.filter(id__in=item_ids)} if item_ids else {}
    pays_by_order: dict[int, list[Payment]] = defaultdict(list)
    for p in await Payment.filter(order_id__in=ids).order_by("id"):
        pays_by_order[p.order_id].append(p)
    offs_by_order: dict[int, list[Discount]] = defaultdict(list)
    for d in await Discount.filter(order_id__in=ids).order_by("id"):
        offs_by_order[d.order_id].append(d)
    campaign_ids = {o.campaign_id for o in orders if o.campaign_id}
    campaigns = {c.id: c for c in await Campaign.filter(id__in=campaign_ids)} if campaign_ids else {}
    member_ids = {o.member_id for o in orders if o.member_id}
    members = {m.id: m for m in await Member.filter(id__in=member_ids)} if member_ids else {}
    # An original receipt printed or on its way: the next one is a copy (重印); one still
    # queued (the printer was off) is tried again rather than printed twice.
    originals = dict(await PrintJob.filter(order_id__in=ids, kind="receipt", is_copy=False,
                                           status__in=(PrintStatus.PRINTED, PrintStatus.QUEUED))
                     .order_by("id").values_list("order_id", "status"))
    queued = dict(await PrintJob.filter(order_id__in=ids, kind="receipt", is_copy=False, status=PrintStatus.QUEUED)
                  .values_list("order_id", "id"))
    return [
        _view(o, lines_by_order[o.id], items, pays_by_order[o.id], offs_by_order[o.id], campaigns.get(o.campaign_id),
              members.get(o.member_id)) | {"receipt_printed": o.id in originals, "receipt_queued": queued.get(o.id)}
        for o in orders
    ]


def _view(order, lines, items, payments, discounts, campaign, member) -> dict[str, Any]:
    off = sum(d.amount for d in discounts if d.status == DiscountStatus.ACTIVE)
    t = totals([(l.qty, l.unit_price, l.status) for l in lines], [(p.amount, p.status) for p in payments],
               discount=off)
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "campaign": None if campaign is None else {
            "id": campaign.id, "code": campaign.code, "title": campaign.title, "status": campaign.status,
            "pickup_from": campaign.pickup_from.isoformat() if campaign.pickup_from else None,
            "pickup_until": campaign.pickup_until.isoformat() if campaign.pickup_until else None,
            "pickup_place": campaign.pickup_place,
        },
        "member": member_view(member),
        "lines": [
            {
                "id": l.id, "item_id": l.item_id, "label": items[l.item_id].label if l.item_id else "",
                "name": items[l.item_id].name if l.item_id else l.name or "",
                "qty": l.qty, "unit_price": l.unit_price, "status": l.status, "source": l.source, "note": l.note,
            }
            for l in lines
        ],
        "payments": [
            {"id": p.id, "method": p.method, "amount": p.amount, "tendered": p.tendered, "change": p.change,
             "status": p.status, "last5": p.last5, "created_at": p.created_at.isoformat()}
            for p in payments
        ],
        "discounts": [
            {"id": d.id, "amount": d.amount, "kind": d.kind, "status": d.status, "reason": d.reason,
             "actor": d.actor, "created_at": d.created_at.isoformat()}
            for d in discounts
        ],
        "discount": off,
        "total": t.total,
        "paid": t.paid,
        "reported": t.reported,
        "balance": t.balance,
        "created_at": order.created_at.isoformat(),
    }


async def order_view(order_id: int) -> dict[str, Any]:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("no such order", field="number")
    return (await order_views([order]))[0]


def parse_number(number: str | int) -> int:
    """An order number as typed (``"123"``, ``"#123"``) → the order id."""
    text = str(number).strip().lstrip("#")
    if not text.isdigit() or len(text) > 10 or int(text) >= 2**31:
        raise NotFound("no such order", field="number")
    return int(text)


async def campaign_orders(campaign_id: int, *, unpaid: bool = False, not_picked_up: bool = False) -> list[dict]:
    if not await Campaign.exists(id=campaign_id):
        raise NotFound("no such campaign", field="id")
    views = await order_views(await Order.filter(campaign_id=campaign_id).order_by("id"))
    if unpaid:
        views = [v for v in views if v["balance"] > 0]
    if not_picked_up:
        views = [v for v in views if v["status"] == OrderStatus.OPEN]
    return views


async def open_order_in(campaign_id: int, member_id: int) -> dict | None:
    """The buyer's order in the campaign, as ``order_view``, while it is open."""
    order = await Order.get_or_none(campaign_id=campaign_id, member_id=member_id, status=OrderStatus.OPEN)
    return (await order_views([order]))[0] if order else None


async def open_orders_of(member_id: int) -> list[dict]:
    """A buyer's orders not yet handed over or cancelled, across campaigns."""
    return await order_views(await Order.filter(member_id=member_id, status=OrderStatus.OPEN).order_by("id"))
