"""Payments: counter payments, transfer reports and their confirmation."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from commerce.commands import NewPayment, Refund
from commerce.errors import DomainError, InvalidInput, InvalidState, NotFound
from commerce.models import Discount, Order, OrderLine, Payment
from commerce.money import parse_amount, totals
from commerce.states import DiscountStatus, ErrorCode, OrderStatus, PaymentMethod, PaymentStatus

METHODS = tuple(PaymentMethod)


REPORTS_PER_DAY = 5  # transfer reports one order takes in 24 hours


class Overpayment(DomainError):
    code = ErrorCode.OVERPAYMENT


class TooManyReports(DomainError):
    code = ErrorCode.TOO_MANY_REPORTS


async def balance_of(order_id: int) -> int:
    return (await balances([order_id]))[order_id]


async def balances(order_ids: Iterable[int]) -> dict[int, int]:
    """What each order still owes (negative: the shop owes the buyer), in two queries."""
    ids = list(set(order_ids))
    lines, pays = defaultdict(list), defaultdict(list)
    for order_id, *line in await OrderLine.filter(order_id__in=ids).values_list("order_id", "qty", "unit_price",
                                                                                 "status"):
        lines[order_id].append(line)
    for order_id, *pay in await Payment.filter(order_id__in=ids).values_list("order_id", "amount", "status"):
        pays[order_id].append(pay)
    off = await discount_sums(ids)
    return {i: totals(lines[i], pays[i], discount=off.get(i, 0)).balance for i in ids}


async def discount_sums(order_ids: Iterable[int]) -> dict[int, int]:
    """The active discounts of each order that has any, summed."""
    off: dict[int, int] = defaultdict(int)
    for order_id, amount in await Discount.filter(order_id__in=list(order_ids), status=DiscountStatus.ACTIVE
                                                  ).values_list("order_id", "amount"):
        off[order_id] += amount
    return off


async def record_payment(order_id: int, payment: NewPayment, *, actor: str, now: datetime) -> Payment:
    """A payment taken at the counter (confirmed at once). Cash may be tendered: the
    payment carries the change. Raises NotFound, InvalidState (a cancelled order),
    Overpayment (more than the balance due); writes nothing then."""
    amount = payment.amount
    async with in_transaction():
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound("no such order", field="number")
        if order.status == OrderStatus.CANCELLED:
            raise InvalidState("this order is cancelled")
        balance = await balance_of(order_id)
        if amount > balance:
            raise Overpayment(f"only {balance} is due", field="amount", balance=balance)
        return await Payment.create(
            order_id=order_id, method=payment.method, amount=amount, tendered=payment.tendered,
            change=payment.change, status=PaymentStatus.CONFIRMED, actor=actor,
            created_at=now, decided_at=now,
        )


class RefundTooLarge(DomainError):
    code = ErrorCode.REFUND_TOO_LARGE


async def refund(order_id: int, given: Refund, *, actor: str, now: datetime) -> Payment:
    """Give money back on an order: a confirmed payment of minus ``given.amount`` that names
    who and why, so the day's takings net it. Raises NotFound, RefundTooLarge (more than was
    paid); writes nothing then."""
    async with in_transaction():
        if await Order.select_for_update().get_or_none(id=order_id) is None:
            raise NotFound("no such order", field="number")
        paid = totals([], await Payment.filter(order_id=order_id).values_list("amount", "status")).paid
        if given.amount > paid:
            raise RefundTooLarge(f"only {paid} was paid on this order", field="amount", paid=paid)
        return await Payment.create(order_id=order_id, method=given.method, amount=-given.amount,
                                    status=PaymentStatus.CONFIRMED, actor=actor, created_at=now, decided_at=now,
                                    reason=f"refund by {actor}: {given.reason}"[:200])


async def report_transfer(*, order_id: int, last5: str, amount: object, actor: str, now: datetime) -> Payment:
    """A buyer says they transferred ``amount`` from an account ending ``last5``.
    The same report twice is recorded once. A report of more than is due stands (one transfer
    may pay several orders; the bank confirms it). Raises TooManyReports (``REPORTS_PER_DAY`` on one order within a day)."""
    if not (isinstance(last5, str) and len(last5) == 5 and last5.isdigit()):
        raise InvalidInput("last five digits of the account", field="last5")
    amount = parse_amount(amount, "amount")
    async with in_transaction():
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound("no such order", field="number")
        existing = await Payment.get_or_none(
            order_id=order_id, method=PaymentMethod.TRANSFER, last5=last5, amount=amount,
            status__in=(PaymentStatus.REPORTED, PaymentStatus.CONFIRMED)
        )
        if existing:
            return existing
        balance = await balance_of(order_id)
        if await Payment.filter(order_id=order_id, method=PaymentMethod.TRANSFER,
                                created_at__gte=now - timedelta(days=1)).count() >= REPORTS_PER_DAY:
            raise TooManyReports("too many transfer reports on this order today; the host checks them")
        # Reports waiting for the bank never add up past the balance: the newest one stands (a
        # buyer correcting a typo) and the older ones it displaces are void. A spray of reports
        # with guessed digits then leaves one, which a bank line can match at most.
        pending = await Payment.filter(order_id=order_id, method=PaymentMethod.TRANSFER, parent_id=None,
                                       status=PaymentStatus.REPORTED).order_by("id")
        over = sum(p.amount for p in pending) + amount - balance
        for old in pending:
            if over <= 0:
                break
            await Payment.filter(id=old.id, status=PaymentStatus.REPORTED).update(
                status=PaymentStatus.VOID, decided_at=now, reason="replaced by a newer report")
            over -= old.amount
        return await Payment.create(
            order_id=order_id, method=PaymentMethod.TRANSFER, amount=amount, status=PaymentStatus.REPORTED, last5=last5,
            actor=actor, created_at=now,
        )


async def confirm_transfer(payment_id: int, *, actor: str, now: datetime) -> Payment:
    """Reported → confirmed (confirming twice is harmless). A void report cannot be confirmed.
    A split transfer, or a part of one, confirms all its parts (commerce.transfer_split)."""
    from commerce.transfer_split import confirm_parts

    if (parts := await confirm_parts(payment_id, actor=actor, now=now)) is not None:
        return parts
    changed = await Payment.filter(id=payment_id, status=PaymentStatus.REPORTED).update(
        status=PaymentStatus.CONFIRMED, decided_at=now, reason=f"confirmed by {actor}"[:200]
    )
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None:
        raise NotFound("no such payment", field="id")
    if not changed and payment.status != PaymentStatus.CONFIRMED:
        raise InvalidState(f"this payment is {payment.status}")
    return payment


async def void_payment(payment_id: int, *, actor: str, reason: str, now: datetime) -> Payment:
    if not reason or not reason.strip():
        raise InvalidInput("say why", field="reason")
    changed = await Payment.filter(id=payment_id, status__in=(PaymentStatus.REPORTED, PaymentStatus.CONFIRMED)).update(
        status=PaymentStatus.VOID, decided_at=now, reason=f"{actor}: {reason}"[:200]
    )
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None:
        raise NotFound("no such payment", field="id")
    if not changed and payment.status != PaymentStatus.VOID:
        raise InvalidState(f"this payment is {payment.status}")
    return payment


async def order_for_transfer(member_id: int, amount: int, campaign_ids: set[int] | None = None) -> int | None:
    """The buyer's order a transfer report of ``amount`` is for: among their open campaign
    orders with a balance due (within ``campaign_ids`` when given), one that still owes exactly
    ``amount`` (before or after earlier reports), else the most recent. None if none owes."""
    from commerce.orders import open_orders_of

    orders = [o for o in await open_orders_of(member_id) if o["campaign"] and o["balance"] > 0]
    if campaign_ids is not None:
        orders = [o for o in orders if o["campaign"]["id"] in campaign_ids]
    if not orders:
        return None
    exact = [o for o in orders if amount in (o["balance"], o["balance"] - o["reported"])]
    return max(exact or orders, key=lambda o: o["id"])["id"]
