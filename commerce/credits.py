"""Credit: money paid on an order beyond what it costs (a balance below zero).

It is never silent: the order's view shows it (``balance`` < 0), the counter and the
transfers page show it with a refund action (``payments.refund``), and the host's
reconciliation lists it. A manager may also move it to another open order of the same
buyer (``move_credit``): two confirmed rows of method ``credit`` in one transaction, minus
the amount on the order it leaves and plus on the order it pays, each saying who and why.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from commerce.checkout import OtherBuyer, locked_orders
from commerce.commands import MoveCredit
from commerce.errors import DomainError, InvalidInput, InvalidState, NotFound
from commerce.models import Payment
from commerce.orders import parse_number
from commerce.payments import Overpayment, balances
from commerce.states import ErrorCode, OrderStatus, PaymentMethod, PaymentStatus


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
