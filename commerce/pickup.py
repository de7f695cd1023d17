"""Handing orders over at the counter."""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce.errors import (
    AlreadyHandedOver,
    BalanceDue,
    Forbidden,
    InvalidState,
    NotFound,
)
from commerce.models import Handover, Order
from commerce.payments import balance_of
from commerce.states import OrderStatus


async def hand_over(*, order_id: int, actor: str, now: datetime, force: bool = False,
                    may_force: bool = False) -> Handover:
    """Mark an order picked up. Refused with BalanceDue while money is owed, unless
    ``force`` by someone who ``may_force`` (a manager). Raises AlreadyHandedOver,
    InvalidState (cancelled), NotFound, Forbidden; writes nothing then."""
    if force and not may_force:
        raise Forbidden("only a manager may hand over with a balance due", field="force")
    async with in_transaction():
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound("no such order", field="number")
        if order.status == OrderStatus.PICKED_UP:
            raise AlreadyHandedOver("this order was already handed over")
        if order.status == OrderStatus.CANCELLED:
            raise InvalidState("this order is cancelled")
        balance = await balance_of(order_id)
        if balance > 0 and not force:
            raise BalanceDue(f"{balance} is still due", balance=balance)
        if not await Order.filter(id=order_id, status=OrderStatus.OPEN).update(status=OrderStatus.PICKED_UP,
                                                                                 updated_at=now):
            raise AlreadyHandedOver("this order was already handed over")
        return await Handover.create(order_id=order_id, actor=actor, forced=force and balance > 0,
                                     balance_at_handover=balance, created_at=now)
