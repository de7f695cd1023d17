"""Buyers still waitlisted when a campaign closes: told by one push each, when the shop asks
for it (``PLUSONE_WAITLIST_NOTICE=push``); otherwise their order (the counter, the API's line
status, and 我的訂單, which reads a waitlisted line of a closed campaign as "not filled") says it.

The setting is the shop's, read once by the composition root (``plusone.app``), which calls
``configure``; every close (the API, a host's 結單, the scheduler) goes through
``commerce.campaigns.close_campaign``, which calls ``queue_unfilled`` in its transaction.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import StrEnum

from commerce import outbox
from commerce.models import OrderLine
from commerce.states import LineStatus


class WaitlistNotice(StrEnum):
    OFF = "off"  # free: the order view and 我的訂單 say "not filled"
    PUSH = "push"  # one push per buyer still waitlisted at close (billed, budgeted)


_shop = {"notice": WaitlistNotice.OFF}


def configure(notice: str) -> None:
    """The shop's choice (``PLUSONE_WAITLIST_NOTICE``). Raises ValueError for another word."""
    _shop["notice"] = WaitlistNotice(notice)


def by_push() -> bool:
    return _shop["notice"] == WaitlistNotice.PUSH


async def queue_unfilled(campaign_id: int, *, now: datetime) -> int:
    """Queue one push per buyer (a LINE user) with lines of ``campaign_id`` still waitlisted,
    naming those lines. Call inside the closing transaction; a second call queues nothing
    (the dedupe key is the campaign and the buyer). Returns how many buyers were queued."""
    lines = await (OrderLine.filter(order__campaign_id=campaign_id, status=LineStatus.WAITLISTED,
                                    order__member__line_user_id__isnull=False)
                   .order_by("order_id", "id")
                   .values("order_id", "qty", "item__label", "item__name", "order__member_id",
                           "order__member__line_user_id"))
    by_buyer: dict[tuple[int, str, int], list[dict]] = defaultdict(list)
    for line in lines:
        key = (line["order__member_id"], line["order__member__line_user_id"], line["order_id"])
        by_buyer[key].append({"label": line["item__label"], "name": line["item__name"], "qty": line["qty"]})
    await outbox.enqueue(*[
        outbox.Message(recipient_kind="member", recipient=user_id, template="waitlist_unfilled",
                       params={"campaign_id": campaign_id, "order_number": str(order_id), "lines": waiting}, campaign_id=campaign_id,
                       dedupe_key=f"unfilled:{campaign_id}:{member_id}")
        for (member_id, user_id, order_id), waiting in by_buyer.items()
    ], now=now)
    return len(by_buyer)
