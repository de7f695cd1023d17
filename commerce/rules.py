"""When a campaign takes orders, written once: while its status is "open" and the moment (a
"+1"'s LINE stamp, or now) is before ``closes_at`` — at the deadline it takes none, even before
the close job marks it closed. In three shapes: a test of a row already read, a query filter,
and SQL for the stock claim that must decide it in the same statement.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q

from commerce.states import CampaignStatus

OPEN_SQL = "c.status = 'open' AND c.closes_at > ?"  # c: the campaigns row; ?: the moment
CLOSING_SOON = timedelta(hours=1)  # a confirmation then says when it closes; groups may be told


def takes_orders(status: str, closes_at: datetime | str, at: datetime) -> bool:
    if isinstance(closes_at, str):  # SQLite hands raw SQL results back as text
        closes_at = datetime.fromisoformat(closes_at)
    return status == CampaignStatus.OPEN and at < closes_at


def open_at(at: datetime) -> Q:
    return Q(status=CampaignStatus.OPEN, closes_at__gt=at)


def closes_soon(status: str, closes_at: datetime, at: datetime) -> bool:
    return takes_orders(status, closes_at, at) and closes_at - at <= CLOSING_SOON
