"""Money rules as pure functions. Amounts are integers in the currency unit (TWD dollars)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from commerce.commands import MAX_AMOUNT, Amount, field_errors  # noqa: F401  (MAX_AMOUNT: for callers)
from commerce.errors import InvalidInput
from commerce.states import LineStatus, PaymentStatus

PAID_STATUSES = frozenset({PaymentStatus.CONFIRMED})
COUNTED_LINE_STATUSES = frozenset({LineStatus.RESERVED})
_AMOUNT = TypeAdapter(Amount)


@dataclass(frozen=True)
class Totals:
    total: int  # what the reserved lines cost, less discounts
    paid: int  # confirmed payments
    reported: int  # transfers reported but not yet confirmed
    balance: int  # total - paid (negative: the shop owes the buyer)


def line_total(qty: int, unit_price: int) -> int:
    return qty * unit_price


def totals(lines: Iterable[tuple[int, int, str]], payments: Iterable[tuple[int, str]], *,
           discount: int = 0) -> Totals:
    """``lines`` as (qty, unit_price, status), ``payments`` as (amount, status), ``discount``
    the active discounts' sum (a total never goes below zero: lines voided after a discount)."""
    total = max(sum(line_total(q, p) for q, p, s in lines if s in COUNTED_LINE_STATUSES) - discount, 0)
    paid = 0
    reported = 0
    for amount, status in payments:
        if status in PAID_STATUSES:
            paid += amount
        elif status == PaymentStatus.REPORTED:
            reported += amount
    return Totals(total=total, paid=paid, reported=reported, balance=total - paid)


def parse_amount(value: object, field: str) -> int:
    """A whole positive amount as typed (``commands.Amount``: at most ``MAX_AMOUNT``; commas and
    full-width digits read; booleans, floats, NaN and negatives refused)."""
    try:
        return _AMOUNT.validate_python(value)
    except ValidationError as err:
        raise InvalidInput.of(field_errors(err, prefix=field)) from None


def format_money(amount: int, currency: str = "TWD") -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}"
