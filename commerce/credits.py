"""Credit: money paid on an order beyond what it costs (a balance below zero).

It is never silent: the order's view shows it (``balance`` < 0), the counter and the
transfers page show it with a refund action (``payments.refund``), and the host's
reconciliation lists it. A manager may also move it to another open order of the same
buyer (``move_credit``): two confirmed rows of method ``credit`` in one transaction, minus
the amount on the order it leaves and plus on the order it pays, each saying who and why.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from commerce.checkout import OtherBuyer, locked_orders
from commerce.commands import MoveCredit
from commerce.errors import DomainError, InvalidInput, InvalidState, NotFound
from commerce.models import Order, Payment
from commerce.orders import order_views, parse_number
from commerce.payments import Overpayment, balances
from commerce.states import (
    ErrorCode,
    LineStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)


class CreditTooLarge(DomainError):
    code = ErrorCode.CREDIT_TOO_LARGE


async def move_credit(source_id: int, command: MoveCredit, *, actor: str, now: datetime) -> tuple[Payment, Payment]:
    """Move ``command.amount`` of order ``source_id``'s credit to open order ``command.to`` of
    the same buyer. Raises NotFound, InvalidInput (the same order), InvalidState (the target
    not open), OtherBuyer, CreditTooLarge (beyond the credit), Overpayment (beyond what the
    target owes); writes nothing then."""
    try:
        target_id = parse_number(command.to)
    except NotFound:
        raise NotFound(f"no order {command.to}", field="to") from None
    if target_id == source_id:
        raise InvalidInput("move it to another order", field="to")
    async with in_transaction():
        orders = await locked_orders([source_id, target_id], at="order")
        source, target = orders[source_id], orders[target_id]
        if target.status != OrderStatus.OPEN:
            raise InvalidState(f"order {target_id} is {target.status}", field="to")
        if source.member_id is None or source.member_id != target.member_id:
            raise OtherBuyer(f"order {target_id} is another buyer's", field="to")
        due = await balances([source_id, target_id])
        credit = max(-due[source_id], 0)
        if command.amount > credit:
            raise CreditTooLarge(f"order {source_id} holds {credit} of credit", field="amount", credit=credit)
        if command.amount > due[target_id]:
            raise Overpayment(f"order {target_id} owes {max(due[target_id], 0)}", field="amount",
                              balance=max(due[target_id], 0))
        why = command.reason.strip()
        out = await Payment.create(order_id=source_id, method=PaymentMethod.CREDIT, amount=-command.amount,
                                   status=PaymentStatus.CONFIRMED, actor=actor, created_at=now, decided_at=now,
                                   reason=f"credit to #{target_id} by {actor}: {why}"[:200])
        into = await Payment.create(order_id=target_id, method=PaymentMethod.CREDIT, amount=command.amount,
                                    status=PaymentStatus.CONFIRMED, actor=actor, created_at=now, decided_at=now,
                                    reason=f"credit from #{source_id} by {actor}: {why}"[:200])
    return out, into


async def orders_with_credit(limit: int = 200) -> list[dict[str, Any]]:
    """Orders paid beyond their total (a cancelled one with money paid too), newest first, each as ``{"number",
    "credit", "campaign", "member", "method"`` (the last payment's, for a refund) ``,
    "others"`` (the buyer's other open orders with a balance due, where the credit can go)``}``."""
    from tortoise import connections

    from commerce.db import fetch

    rows = await fetch(
        connections.get("default"),
        "SELECT o.id FROM orders o WHERE o.member_id IS NOT NULL AND"
        " (SELECT COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.order_id = o.id AND p.status = ?) >"
        " (SELECT COALESCE(SUM(l.qty * l.unit_price), 0) FROM order_lines l WHERE l.order_id = o.id AND l.status = ?)"
        " ORDER BY o.id DESC LIMIT ?",
        PaymentStatus.CONFIRMED, LineStatus.RESERVED, limit)
    views = await order_views(await Order.filter(id__in=[r["id"] for r in rows]).order_by("-id"))
    member_ids = {v["member"]["id"] for v in views if v["member"]}
    open_by_member: dict[int, list[dict[str, Any]]] = {}
    for view in await order_views(await Order.filter(member_id__in=member_ids, status=OrderStatus.OPEN)
                                  .order_by("id")) if member_ids else []:
        if view["balance"] > 0:
            open_by_member.setdefault(view["member"]["id"], []).append(view)
    out = []
    for v in views:
        if v["balance"] >= 0:
            continue
        last = next((p for p in reversed(v["payments"]) if p["status"] == PaymentStatus.CONFIRMED and p["amount"] > 0
                     and p["method"] != PaymentMethod.CREDIT), None)
        out.append({
            "number": v["number"], "credit": -v["balance"], "member": v["member"],
            "campaign": v["campaign"]["title"] if v["campaign"] else "",
            "method": last["method"] if last else PaymentMethod.CASH,
            "others": [{"number": o["number"], "balance": o["balance"],
                        "campaign": o["campaign"]["title"] if o["campaign"] else ""}
                       for o in open_by_member.get(v["member"]["id"], []) if o["number"] != v["number"]],
        })
    return out
