"""Shifts: a cash-drawer session of one staff login, from the float counted in to the cash
counted out, and its Z report (takings by method, refunds, expected and counted cash).

Whose payments a shift holds: those its staff took while it was open, and those taken by a
login with no shift of its own open at that moment (a manager stepping in to refund) when
exactly one shift was open then — the shop's one drawer. Anything else is in no shift (it
still shows in the daily report). The report is worked out from the payment rows and kept
on the shift when it closes, so a payment voided later does not rewrite a closed day.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from commerce.commands import ShiftClose, ShiftOpen
from commerce.errors import DomainError, NotFound
from commerce.models import Discount, Payment, Shift
from commerce.states import DiscountStatus, ErrorCode, PaymentMethod, PaymentStatus

COUNTER_ACTORS = ("staff:", "token:")  # payments staff took, not a buyer's transfer report


class ShiftOpenAlready(DomainError):
    code = ErrorCode.SHIFT_OPEN


class NoShift(DomainError):
    code = ErrorCode.NO_SHIFT


async def open_shift(staff: str, spec: ShiftOpen, *, now: datetime) -> Shift:
    """Open a shift for ``staff`` with ``spec.float`` in the drawer. Raises ShiftOpenAlready
    while one of theirs is open (two tabs opening at once: the database keeps one)."""
    try:
        async with in_transaction():
            return await Shift.create(staff=staff, open_key=staff, float_cash=spec.float, opened_at=now)
    except IntegrityError:
        current = await Shift.get_or_none(open_key=staff)
        raise ShiftOpenAlready("a shift of yours is open: close it first",
                               shift_id=current.id if current else None) from None


async def current_shift(staff: str) -> Shift | None:
    return await Shift.get_or_none(open_key=staff)


async def close_shift(staff: str, spec: ShiftClose, *, now: datetime) -> dict[str, Any]:
    """Close ``staff``'s open shift with the cash counted: its Z report, kept on the shift.
    Raises NoShift when none is open (closing twice closes once)."""
    async with in_transaction():
        shift = await Shift.select_for_update().get_or_none(open_key=staff)
        if shift is None:
            raise NoShift("no shift of yours is open")
        report = await _report(shift, until=now, counted=spec.counted_cash)
        await Shift.filter(id=shift.id, open_key=staff).update(
            open_key=None, closed_at=now, counted_cash=spec.counted_cash, expected_cash=report["expected_cash"],
            report=report)
    return report


async def shift_report(shift_id: int, *, now: datetime) -> dict[str, Any]:
    """A closed shift's Z report as kept; an open one's figures so far (an X report)."""
    shift = await Shift.get_or_none(id=shift_id)
    if shift is None:
        raise NotFound("no such shift", field="id")
    if shift.report is not None:
        return shift.report
    return await _report(shift, until=now, counted=None)


async def recent_shifts(limit: int = 30) -> list[dict[str, Any]]:
    return [{"id": s.id, "staff": s.staff, "opened_at": s.opened_at.isoformat(),
             "closed_at": s.closed_at.isoformat() if s.closed_at else None, "float": s.float_cash,
             "expected_cash": s.expected_cash, "counted_cash": s.counted_cash,
             "difference": None if s.counted_cash is None else s.counted_cash - s.expected_cash}
            for s in await Shift.all().order_by("-id").limit(limit)]


def _covers(shift: Shift, at: datetime, until: datetime) -> bool:
    return shift.opened_at <= at <= (shift.closed_at or until)


async def _payments_of(shift: Shift, until: datetime) -> list[Payment]:
    window = {"created_at__gte": shift.opened_at, "created_at__lte": until}
    # Money taken at the counter: not credit moved between a buyer's orders, nor the parts a
    # manager split a buyer's bank transfer into.
    pays = [p for p in await Payment.filter(**window).exclude(method=PaymentMethod.CREDIT).filter(parent_id=None)
            .order_by("id") if p.actor.startswith(COUNTER_ACTORS)]
    others = [s for s in await Shift.filter(opened_at__lte=until).exclude(id=shift.id)
              if s.closed_at is None or s.closed_at >= shift.opened_at]
    mine = []
    for p in pays:
        if p.actor == shift.staff:
            mine.append(p)
        elif not any(_covers(s, p.created_at, until) for s in others):
            mine.append(p)  # taken by a login with no drawer of its own: the one open drawer's
    return mine


async def _report(shift: Shift, *, until: datetime, counted: int | None) -> dict[str, Any]:
    takings: dict[str, int] = defaultdict(int)
    refunds: dict[str, int] = defaultdict(int)
    voided = 0
    count = 0
    for p in await _payments_of(shift, until):
        if p.status == PaymentStatus.VOID:
            voided += 1
        elif p.status == PaymentStatus.CONFIRMED:
            count += 1
            (takings if p.amount >= 0 else refunds)[p.method] += abs(p.amount)
    discounts = [d for d in await Discount.filter(created_at__gte=shift.opened_at, created_at__lte=until,
                                                  actor=shift.staff, status=DiscountStatus.ACTIVE)]
    expected = shift.float_cash + takings[PaymentMethod.CASH] - refunds[PaymentMethod.CASH]
    return {
        "id": shift.id, "staff": shift.staff, "opened_at": shift.opened_at.isoformat(),
        "closed_at": until.isoformat() if counted is not None else None,
        "float": shift.float_cash,
        "takings": {str(m): takings[m] for m in PaymentMethod if takings[m]},
        "takings_total": sum(takings.values()),
        "refunds": sum(refunds.values()),
        "refunds_by_method": {str(m): refunds[m] for m in PaymentMethod if refunds[m]},
        "discounts": sum(d.amount for d in discounts),
        "payments": count, "voided": voided,
        "expected_cash": expected,
        "counted_cash": counted,
        "difference": None if counted is None else counted - expected,
    }
