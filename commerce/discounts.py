"""Discounts and 抹零 rounding at the counter: money off an order's total, by whom and why.

A cashier may take up to ``CASHIER_LIMIT`` off one order in all (the odd dollars of a
1,234 balance, say); more is a manager's. A discount never takes the total below what is
already paid: money back is a refund, which leaves the drawer and is counted as one. Nothing
is deleted: a discount given by mistake is voided, with who and why.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce.commands import NewDiscount, VoidDiscount
from commerce.errors import DomainError, Forbidden, InvalidState, NotFound
from commerce.models import AuditEntry, Discount, Order, OrderLine, Payment
from commerce.money import totals
from commerce.payments import discount_sums
from commerce.staff import role_at_least
from commerce.states import AuditAction, DiscountStatus, ErrorCode, OrderStatus, Role

CASHIER_LIMIT = 10  # dollars off one order a cashier may give; more needs a manager


class DiscountTooLarge(DomainError):
    code = ErrorCode.DISCOUNT_TOO_LARGE


def rounding_for(balance: int) -> int:
    """抹零 as a counter offers it: the dollars past the last ten (1,234 → 4)."""
    return balance % 10 if balance > 0 else 0


async def add_discount(order_id: int, given: NewDiscount, *, role: str, actor: str, now: datetime) -> Discount:
    """Take ``given.amount`` off an open order's total. Raises NotFound, InvalidState (not open),
    DiscountTooLarge (more than is due), Forbidden (a cashier past ``CASHIER_LIMIT``);
    writes nothing then."""
    async with in_transaction():
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound("no such order", field="number")
        if order.status != OrderStatus.OPEN:
            raise InvalidState(f"this order is {order.status}")
        owed = await _totals(order_id)
        if given.amount > owed.balance - owed.reported:
            due = max(owed.balance - owed.reported, 0)
            raise DiscountTooLarge(f"only {due} is due", field="amount", balance=due)
        if not role_at_least(role, Role.MANAGER):
            given_before = sum(await Discount.filter(order_id=order_id, status=DiscountStatus.ACTIVE)
                               .values_list("amount", flat=True))
            if given_before + given.amount > CASHIER_LIMIT:
                raise Forbidden(f"a cashier takes at most {CASHIER_LIMIT} off an order: a manager gives more",
                                field="amount", limit=CASHIER_LIMIT)
        discount = await Discount.create(order_id=order_id, amount=given.amount, kind=given.kind,
                                         reason=given.reason, actor=actor, created_at=now)
        await Order.filter(id=order_id).update(updated_at=now)
    return discount


async def void_discount(discount_id: int, given: VoidDiscount, *, actor: str, now: datetime) -> Discount:
    """A manager's: the discount stays on record as void. Raises NotFound, InvalidState (already
    void, or the order handed over)."""
    discount = await Discount.get_or_none(id=discount_id)
    if discount is None:
        raise NotFound("no such discount", field="id")
    async with in_transaction():
        order = await Order.select_for_update().get(id=discount.order_id)
        if order.status != OrderStatus.OPEN:
            raise InvalidState(f"this order is {order.status}")
        if not await Discount.filter(id=discount_id, status=DiscountStatus.ACTIVE).update(
                status=DiscountStatus.VOID, voided_by=actor, voided_at=now):
            raise InvalidState("this discount is already void")
        await AuditEntry.create(action=AuditAction.DISCOUNT_VOIDED, order_id=order.id, subject_id=discount_id,
                                detail=given.reason, actor=actor, created_at=now)
        await Order.filter(id=order.id).update(updated_at=now)
    return await Discount.get(id=discount_id)


async def _totals(order_id: int):
    lines = await OrderLine.filter(order_id=order_id).values_list("qty", "unit_price", "status")
    pays = await Payment.filter(order_id=order_id).values_list("amount", "status")
    return totals(lines, pays, discount=(await discount_sums([order_id])).get(order_id, 0))
