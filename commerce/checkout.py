"""One checkout for several open orders of one buyer: one payment, one receipt.

``checkout`` settles the orders in full, in one transaction: the orders are locked in
ascending id (the lock order every writer of orders keeps), their balances read under the
lock, and each payment given is shared out over the orders in that order as confirmed
payments that name the checkout. The payments must add up to the sum of the balances — no
partial checkout: a buyer who pays part pays it on one order at the counter. Two checkouts
of the same orders at once record one: the second reads balances of 0 under the lock and is
refused (``PaymentMismatch``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from commerce.commands import NewCheckout
from commerce.errors import DomainError, InvalidInput, InvalidState, NotFound
from commerce.models import Checkout, Member, Order, Payment
from commerce.orders import member_view, order_views, parse_number
from commerce.payments import balances
from commerce.states import ErrorCode, OrderStatus, PaymentStatus


class PaymentMismatch(DomainError):
    """The payments do not add up to what the orders owe."""
    code = ErrorCode.PAYMENT_MISMATCH


class OtherBuyer(DomainError):
    """Orders of different buyers (or a walk-in order) in one checkout or one move."""
    code = ErrorCode.OTHER_BUYER


def _ids(numbers: list[str]) -> list[int]:
    ids = []
    for i, number in enumerate(numbers):
        try:
            order_id = parse_number(number)
        except NotFound:
            raise NotFound(f"no order {number}", field=f"orders[{i}]") from None
        if order_id in ids:
            raise InvalidInput(f"order {number} is named twice", field=f"orders[{i}]")
        ids.append(order_id)
    return ids


async def locked_orders(ids: list[int], *, at: str = "orders") -> dict[int, Order]:
    """The orders ``ids``, row-locked in ascending id (inside the caller's transaction).
    Raises NotFound naming ``at[k]`` for the k-th id."""
    found: dict[int, Order] = {}
    for order_id in sorted(ids):
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound(f"no order {order_id}", field=f"{at}[{ids.index(order_id)}]")
        found[order_id] = order
    return found


async def checkout(command: NewCheckout, *, actor: str, now: datetime) -> Checkout:
    """Settle the open orders ``command.orders`` of one buyer with ``command.payments`` and,
    with ``hand_over``, hand them over. Raises NotFound, InvalidInput (an order named twice),
    InvalidState (an order handed over, cancelled, or holding credit), OtherBuyer,
    PaymentMismatch (payments ≠ the sum of the balances); writes nothing then."""
    from commerce.pickup import hand_over

    ids = _ids(command.orders)
    async with in_transaction():
        orders = await locked_orders(ids)
        for k, order_id in enumerate(ids):
            order = orders[order_id]
            if order.status != OrderStatus.OPEN:
                raise InvalidState(f"order {order_id} is {order.status}", field=f"orders[{k}]", status=order.status)
            if order.member_id is None:
                raise OtherBuyer(f"order {order_id} is a walk-in sale", field=f"orders[{k}]")
        if len({o.member_id for o in orders.values()}) > 1:
            raise OtherBuyer("these orders are of different buyers", field="orders")
        due = await balances(ids)
        for k, order_id in enumerate(ids):
            if due[order_id] < 0:
                raise InvalidState(f"order {order_id} holds credit: refund or move it first", field=f"orders[{k}]",
                                   credit=-due[order_id])
        total = sum(due.values())
        given = sum(p.amount for p in command.payments)
        if given != total:
            raise PaymentMismatch(f"the payments come to {given}; the orders owe {total}", field="payments",
                                  total=total, given=given)
        member_id = next(iter(orders.values())).member_id
        done = await Checkout.create(
            member_id=member_id, order_ids=sorted(ids), total=total, actor=actor[:100], created_at=now,
            payments_given=[{"method": str(p.method), "amount": p.amount, "tendered": p.tendered,
                             "change": p.change} for p in command.payments])
        owing = [[order_id, due[order_id]] for order_id in sorted(ids) if due[order_id] > 0]
        for p in command.payments:
            left = p.amount
            while left:
                share = min(left, owing[0][1])
                await Payment.create(order_id=owing[0][0], method=p.method, amount=share,
                                     status=PaymentStatus.CONFIRMED, actor=actor, created_at=now, decided_at=now,
                                     checkout_id=done.id, reason=f"checkout {done.id}")
                left -= share
                owing[0][1] -= share
                if not owing[0][1]:
                    owing.pop(0)
        if command.hand_over:
            for order_id in sorted(ids):
                await hand_over(order_id=order_id, actor=actor, now=now)
    return done


async def checkout_view(checkout_id: int) -> dict[str, Any]:
    done = await Checkout.get_or_none(id=checkout_id)
    if done is None:
        raise NotFound("no such checkout", field="id")
    orders = await Order.filter(id__in=done.order_ids).order_by("id")
    given = done.payments_given
    return {
        "id": done.id, "member": member_view(await Member.get_or_none(id=done.member_id)),
        "orders": await order_views(orders), "total": done.total,
        "payments": [{"method": p["method"], "amount": p["amount"], "tendered": p["tendered"],
                      "change": p["change"] or 0} for p in given],
        "change": sum(p["change"] or 0 for p in given), "actor": done.actor, "created_at": done.created_at,
    }
