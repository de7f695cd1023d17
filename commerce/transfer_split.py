"""One transfer shared out over a buyer's open orders.

A buyer who pays two orders with one transfer reports it on one of them. A manager splits
it (``split_transfer``): the transfer keeps its row, its amount and its identity and becomes
``split``; each order gets a part, a transfer payment that points to it (``parent``) with the
transfer's status (reported or confirmed), account digits and report time. Only the parts
count in balances. The bank statement still shows the one transfer: matching sees the split
transfer, never its parts, and confirming it (by the import or by a manager, on the transfer
or on any part) confirms every part once — nothing is counted twice.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce.checkout import OtherBuyer, PaymentMismatch, locked_orders
from commerce.commands import SplitTransfer
from commerce.errors import InvalidInput, InvalidState, NotFound
from commerce.models import Payment
from commerce.orders import parse_number
from commerce.payments import Overpayment, balances
from commerce.states import OrderStatus, PaymentMethod, PaymentStatus

SPLITTABLE = (PaymentStatus.REPORTED, PaymentStatus.CONFIRMED)


async def split_transfer(payment_id: int, command: SplitTransfer, *, actor: str,
                         now: datetime) -> tuple[Payment, list[Payment]]:
    """Split transfer ``payment_id`` over ``command.orders`` (order numbers and amounts) of its
    buyer. Raises NotFound, InvalidInput (an order named twice), InvalidState (a void, split
    or part transfer; an order not open), OtherBuyer, PaymentMismatch (the amounts do not add
    up to the transfer), Overpayment (a part beyond that order's balance); writes nothing then."""
    transfer = await Payment.get_or_none(id=payment_id, method=PaymentMethod.TRANSFER)
    if transfer is None:
        raise NotFound("no such transfer", field="id")
    ids: list[int] = []
    for k, part in enumerate(command.orders):
        try:
            order_id = parse_number(part.number)
        except NotFound:
            raise NotFound(f"no order {part.number}", field=f"orders[{k}].number") from None
        if order_id in ids:
            raise InvalidInput(f"order {part.number} is named twice", field=f"orders[{k}].number")
        ids.append(order_id)
    async with in_transaction():
        orders = await locked_orders(sorted(set(ids) | {transfer.order_id}))
        transfer = await Payment.get(id=payment_id)  # as it stands under the order's lock
        if transfer.parent_id is not None or transfer.status not in SPLITTABLE:
            raise InvalidState(f"this transfer is {'a part' if transfer.parent_id else transfer.status}",
                               field="id", status=transfer.status)
        buyer = orders[transfer.order_id].member_id
        for k, order_id in enumerate(ids):
            order = orders[order_id]
            if order.member_id is None or order.member_id != buyer:
                raise OtherBuyer(f"order {order_id} is another buyer's", field=f"orders[{k}].number")
            if order.status != OrderStatus.OPEN:
                raise InvalidState(f"order {order_id} is {order.status}", field=f"orders[{k}].number")
        given = sum(p.amount for p in command.orders)
        if given != transfer.amount:
            raise PaymentMismatch(f"the parts come to {given}; the transfer is {transfer.amount}", field="orders",
                                  total=transfer.amount, given=given)
        due = await balances(ids)
        if transfer.status == PaymentStatus.CONFIRMED and transfer.order_id in due:
            due[transfer.order_id] += transfer.amount  # what it owes without this transfer
        for k, (order_id, part) in enumerate(zip(ids, command.orders, strict=True)):
            if part.amount > due[order_id]:
                raise Overpayment(f"order {order_id} owes {max(due[order_id], 0)}", field=f"orders[{k}].amount",
                                  balance=max(due[order_id], 0))
        if not await Payment.filter(id=payment_id, status=transfer.status).update(
                status=PaymentStatus.SPLIT, reason=f"split by {actor} over {len(ids)} orders"[:200]):
            raise InvalidState("this transfer changed meanwhile; try again", field="id")
        parts = [await Payment.create(order_id=order_id, method=PaymentMethod.TRANSFER, amount=part.amount,
                                      status=transfer.status, last5=transfer.last5, actor=actor,
                                      created_at=transfer.created_at, decided_at=transfer.decided_at,
                                      parent_id=payment_id, reason=f"part of transfer {payment_id}")
                 for order_id, part in zip(ids, command.orders, strict=True)]
    return await Payment.get(id=payment_id), parts


async def confirm_parts(payment_id: int, *, actor: str, now: datetime) -> Payment | None:
    """Confirm a split transfer's parts (given the transfer or any part); None when
    ``payment_id`` is neither split nor a part (confirm it as one transfer)."""
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None or (payment.parent_id is None and payment.status != PaymentStatus.SPLIT):
        return None
    head = payment.parent_id or payment.id
    await Payment.filter(parent_id=head, status=PaymentStatus.REPORTED).update(
        status=PaymentStatus.CONFIRMED, decided_at=now, reason=f"confirmed by {actor}"[:200])
    payment = await Payment.get(id=payment_id)
    if payment.status == PaymentStatus.VOID:
        raise InvalidState("this payment is void")
    return payment


async def parts_of(payment_ids: set[int]) -> dict[int, list[int]]:
    """The parts of each split transfer among ``payment_ids``."""
    found: dict[int, list[int]] = {}
    if payment_ids:
        for part_id, parent_id in await Payment.filter(parent_id__in=payment_ids).order_by("id").values_list(
                "id", "parent_id"):
            found.setdefault(parent_id, []).append(part_id)
    return found


async def split_choices(transfers: list[dict]) -> dict[int, list[dict]]:
    """For each reported transfer (as ``bank_import.transfer_views``) above what its order owes:
    its buyer's open orders with a balance due, its own first — where the rest can go. Each
    ``{"number", "campaign", "balance", "share"}``, ``share`` a first guess that adds up."""
    from commerce.models import Order
    from commerce.orders import order_views

    over = [t for t in transfers if t["status"] == PaymentStatus.REPORTED and t["amount"] > t["due"] and t["member"]]
    if not over:
        return {}
    views = await order_views(await Order.filter(member_id__in={t["member"]["id"] for t in over},
                                                 status=OrderStatus.OPEN).order_by("id"))
    choices = {}
    for t in over:
        mine = [v for v in views if v["member"]["id"] == t["member"]["id"] and v["balance"] > 0]
        mine.sort(key=lambda v: v["number"] != t["order_number"])
        if len(mine) < 2:
            continue
        left, rows = t["amount"], []
        for v in mine:
            share = min(left, v["balance"])
            left -= share
            rows.append({"number": v["number"], "campaign": v["campaign"]["title"] if v["campaign"] else "",
                         "balance": v["balance"], "share": share})
        choices[t["id"]] = rows
    return choices
