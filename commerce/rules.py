"""When a campaign takes orders: the rule every path decides it by, written once.

A campaign takes orders at a moment (a "+1"'s LINE stamp, or now) while its status is "open"
and the moment is before ``closes_at``: at or after the deadline it takes none, even before
the close job marks it closed. The rule comes in the three shapes its callers need: a test of
a row already read, a filter for a query, and SQL for the conditional stock update that must
decide it in the same statement as the claim.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

# ``c`` is the campaigns row; the one parameter is the moment.
OPEN_SQL = "c.status = 'open' AND c.closes_at > ?"


def takes_orders(status: str, closes_at: datetime | str, at: datetime) -> bool:
    if isinstance(closes_at, str):  # SQLite hands raw SQL results back as text
        closes_at = datetime.fromisoformat(closes_at)
    return status == "open" and at < closes_at


def open_at(at: datetime) -> Q:
    """The campaigns that take orders at ``at``, as a filter."""
    return Q(status="open", closes_at__gt=at)
