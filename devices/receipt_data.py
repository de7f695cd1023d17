"""The data printed on an order's receipt, read from the database.

`receipt_for_order` only reads: it writes nothing and holds no transaction, so the
print queue can call it while a sale is being written elsewhere. What it reads is
what the shop owes or is owed now: reserved lines (waitlisted and cancelled lines
are not printed), confirmed payments, and the balance from `commerce.money.totals`.
"""

from __future__ import annotations

from datetime import datetime

from commerce.errors import NotFound
from commerce.models import Checkout, Order, OrderLine, Payment
from commerce.money import COUNTED_LINE_STATUSES, PAID_STATUSES, line_total, totals
from commerce.states import OrderStatus
from devices.i18n import Locale
from devices.receipt import Payment as ReceiptPayment
from commerce.payments import discount_sums
from devices.receipt import ReceiptData, ReceiptLine, ReceiptSection


async def receipt_for_order(
    order_id: int,
    *,
    shop_name: str,
    shop_address: str,
    zone: str,
    locale: Locale,
    staff_name: str = "",
    copy: bool = False,
    now: datetime,
) -> ReceiptData:
    """The receipt of order `order_id` as it stands at `now` (the printed time).

    Lines are in the campaign's item order, then in the order they were booked; a line
    sold as an add-on at the counter is flagged. A walk-in order has no campaign title;
    only an order still to be picked up has the pickup QR. Raises NotFound when the order does not exist, and ValueError
    (from ReceiptData) for a naive `now`, an unknown `zone` or an unknown `locale`.
    """
    order = await Order.get_or_none(id=order_id).select_related("campaign", "member")
    if order is None:
        raise NotFound(f"no order {order_id}", field="order_id")
    lines = (
        await OrderLine.filter(order_id=order_id, status__in=COUNTED_LINE_STATUSES)
        .select_related("item")
        .order_by("item__position", "item__label", "id")
    )
    lines = sorted(lines, key=lambda line: line.item is None)  # custom amounts after the items (stable)
    payments = await Payment.filter(order_id=order_id).order_by("id")
    discount = (await discount_sums([order_id])).get(order_id, 0)
    money = totals(
        [(line.qty, line.unit_price, line.status) for line in lines],
        [(p.amount, p.status) for p in payments],
        discount=discount,
    )
    return ReceiptData(
        shop_name=shop_name,
        shop_address=shop_address,
        order_no=order.number,
        campaign_title=order.campaign.title if order.campaign else "",
        lines=_merged(lines),
        total=money.total,
        discount=discount,
        payments=[
            ReceiptPayment(method=p.method, amount=p.amount, tendered=p.tendered, change=p.change)
            for p in payments
            if p.status in PAID_STATUSES
        ],
        balance=money.balance,
        printed_at=now,
        zone=zone,
        locale=locale,
        staff_name=staff_name,
        # The pickup QR while there is something to pick up: not on the receipt handed over with it.
        pickup_token=order.member.pickup_token if order.member and order.status == OrderStatus.OPEN else None,
        copy=copy,
    )


def _merged(lines: list[OrderLine]) -> list[ReceiptLine]:
    """One receipt line per item, price and kind: a "+1" said twice prints as A ×2 once."""
    merged: dict[tuple, ReceiptLine] = {}
    for line in lines:
        item = line.item  # None: a custom amount, named by the line
        key = (line.item_id, None if item else line.name, line.unit_price, line.source == "addon")
        qty = line.qty + (merged[key].qty if key in merged else 0)
        merged[key] = ReceiptLine(label=item.label if item else "", name=item.name if item else line.name or "",
                                  qty=qty, unit_price=line.unit_price, line_total=line_total(qty, line.unit_price),
                                  addon=key[3])
    return list(merged.values())


async def receipt_for_checkout(
    checkout_id: int,
    *,
    shop_name: str,
    shop_address: str,
    zone: str,
    locale: Locale,
    staff_name: str = "",
    copy: bool = False,
    now: datetime,
) -> ReceiptData:
    """One receipt for a multi-order checkout (commerce.checkout): each order's reserved
    lines under its number, one total, the payments as given (tendered, change) and what
    the orders owe together now. Raises NotFound when the checkout does not exist."""
    done = await Checkout.get_or_none(id=checkout_id).select_related("member")
    if done is None:
        raise NotFound(f"no checkout {checkout_id}", field="checkout_id")
    orders = await Order.filter(id__in=done.order_ids).select_related("campaign").order_by("id")
    sections, balance = [], 0
    off = await discount_sums([o.id for o in orders])
    for order in orders:
        lines = (await OrderLine.filter(order_id=order.id, status__in=COUNTED_LINE_STATUSES)
                 .select_related("item").order_by("item__position", "item__label", "id"))
        pays = await Payment.filter(order_id=order.id).values_list("amount", "status")
        money = totals([(line.qty, line.unit_price, line.status) for line in lines], pays, discount=off.get(order.id, 0))
        balance += money.balance
        sections.append(ReceiptSection(order_no=order.number, campaign_title=order.campaign.title if order.campaign
                                       else "", lines=_merged(lines), total=money.total))
    return ReceiptData(
        shop_name=shop_name,
        shop_address=shop_address,
        order_no=", ".join(f"#{o.number}" for o in orders),
        lines=(),
        sections=sections,
        total=sum(s.total for s in sections),
        discount=sum(off.values()),
        payments=[ReceiptPayment(method=p["method"], amount=p["amount"], tendered=p["tendered"], change=p["change"])
                  for p in done.payments_given],
        balance=balance,
        printed_at=now,
        zone=zone,
        locale=locale,
        staff_name=staff_name,
        pickup_token=(done.member.pickup_token if any(o.status == OrderStatus.OPEN for o in orders) else None),
        copy=copy,
    )
