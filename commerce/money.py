"""Money rules as pure functions. Amounts are integers in the currency unit (TWD dollars)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from commerce.errors import InvalidInput

PAID_STATUSES = frozenset({"confirmed"})
# Amounts are stored as 32-bit integers; no counter takes a hundred million dollars at once.
MAX_AMOUNT = 100_000_000
COUNTED_LINE_STATUSES = frozenset({"reserved"})


@dataclass(frozen=True)
class Totals:
    total: int  # what the reserved lines cost
    paid: int  # confirmed payments
    reported: int  # transfers reported but not yet confirmed
    balance: int  # total - paid (negative: the shop owes the buyer)


def line_total(qty: int, unit_price: int) -> int:
    return qty * unit_price


def totals(lines: Iterable[tuple[int, int, str]], payments: Iterable[tuple[int, str]]) -> Totals:
    """``lines`` as (qty, unit_price, status), ``payments`` as (amount, status)."""
    total = sum(line_total(q, p) for q, p, s in lines if s in COUNTED_LINE_STATUSES)
    paid = 0
    reported = 0
    for amount, status in payments:
        if status in PAID_STATUSES:
            paid += amount
        elif status == "reported":
            reported += amount
    return Totals(total=total, paid=paid, reported=reported, balance=total - paid)


def change_due(amount: int, tendered: int | None) -> int:
    """Change for a cash payment; ``tendered`` None means exact money."""
    if tendered is None:
        return 0
    if tendered < amount:
        raise InvalidInput(
            f"tendered {tendered} is less than the amount {amount}", field="tendered"
        )
    return tendered - amount


def parse_amount(value: object, field: str, *, allow_zero: bool = False) -> int:
    """An integer amount from user input, at most ``MAX_AMOUNT``; booleans, floats (cents,
    NaN, infinities), negatives and huge numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        text = value.strip() if isinstance(value, str) else ""
        # A long string is refused before int() (which would refuse past 4,300 digits with a ValueError).
        if re.fullmatch(r"-?\d{1,18}", text):
            value = int(text)
        else:
            raise InvalidInput(f"{field} must be a whole number", field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{field} must be {'zero or ' if allow_zero else ''}positive", field=field)
    if value > MAX_AMOUNT:
        raise InvalidInput(f"{field} must be at most {MAX_AMOUNT:,}", field=field)
    return value


def format_money(amount: int, currency: str = "TWD") -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}"
