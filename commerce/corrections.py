"""Counter corrections: a mistaken tap undone, a quantity lowered, before the order is handed over.

A cashier corrects what is not paid for yet (a mistaken tap on an add-on, say); taking back
what was already paid for (or reported as transferred) is a manager's, since it is a refund
(DESIGN.md, *Counter corrections*). Nothing is deleted: the line is cancelled or its quantity
lowered, the stock comes back through the ledger (who did it is on the movement), and the
earliest waitlisted buyers get it, as for any cancel.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce.commands import LineChange
from commerce.errors import Forbidden, InvalidInput, InvalidState, NotFound
from commerce.models import AuditEntry, Order, OrderLine, Payment
from commerce.money import totals
from commerce.payments import discount_sums
from commerce.ordering import Cancellation, cancel
from commerce.staff import role_at_least
from commerce.states import AuditAction, LineStatus, OrderStatus, Role

MISTAKEN_TAP = "mistaken tap"  # the why of a correction given none


async def change_line(order_id: int, line_id: int, change: LineChange, *, role: str, actor: str,
                      now: datetime, reason: str | None = None) -> Cancellation:
    """Lower line ``line_id`` of an open order to ``change.qty`` (0: void it). Raises NotFound,
    InvalidState (handed over or cancelled), InvalidInput (not lower), Forbidden (it takes back
    what was paid or reported, and ``role`` is below manager); writes nothing then."""
    async with in_transaction():
        # The order row first, as every write of an order: a payment cannot slip in between.
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None:
            raise NotFound("no such order", field="number")
        line = await OrderLine.get_or_none(id=line_id, order_id=order_id,
                                           status__in=(LineStatus.RESERVED, LineStatus.WAITLISTED))
        if line is None:
            raise NotFound("no such line on this order", field="line")
        if order.status != OrderStatus.OPEN:
            raise InvalidState(f"this order is {order.status}")
        if change.qty >= line.qty:
            raise InvalidInput(f"qty must be lower than {line.qty} (0 removes the line)", field="qty")
        if not role_at_least(role, Role.MANAGER):
            lines = await OrderLine.filter(order_id=order_id).values_list("qty", "unit_price", "status")
            pays = await Payment.filter(order_id=order_id).values_list("amount", "status")
            now_owed = totals(lines, pays, discount=(await discount_sums([order_id])).get(order_id, 0))
            taken_back = (line.qty - change.qty) * line.unit_price if line.status == LineStatus.RESERVED else 0
            if now_owed.paid + now_owed.reported > now_owed.total - taken_back:
                raise Forbidden("this takes back what was already paid for: a manager corrects it (and refunds)")
        why = reason or change.reason or MISTAKEN_TAP
        await AuditEntry.create(action=AuditAction.LINE_CHANGED, order_id=order_id, subject_id=line_id,
                                detail=f"qty {line.qty} → {change.qty}: {why}"[:300], actor=actor, created_at=now)
        return await cancel(order_id=order_id, line_id=line_id, qty=line.qty - change.qty, actor=actor, now=now)
