"""Campaigns (group buys): open, edit, close, cancel, and read them back."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from commerce import outbox, stock, waitlist
from commerce.commands import CampaignEdit, CampaignSpec, ItemSpec  # noqa: F401  (ItemSpec: for callers)
from commerce.db import fetch
from commerce.errors import InvalidInput, InvalidState, NotFound
from commerce.host_edits import mark_changed
from commerce.orders import campaign_orders
from commerce.members import ensure_group, upsert_member
from commerce.models import Campaign, CampaignGroup, Item, LineGroup, Order, OrderLine
from commerce.states import CampaignStatus, LineStatus, OrderStatus

# Letters only: a code with digits can read as an order in chat ("A2E9 A-1" as A+2…, "2395" as a number)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"
STATUSES = tuple(CampaignStatus)


def validate(spec: CampaignSpec, now: datetime) -> None:
    """What the command cannot check alone: the deadline is still ahead."""
    if spec.closes_at <= now:
        raise InvalidInput("closes_at is in the past", field="closes_at")


async def open_campaign(spec: CampaignSpec, *, now: datetime) -> Campaign:
    """Create a campaign with its items and groups; queue its announcement to each group
    when ``spec.announce``. Raises InvalidInput; writes nothing then."""
    validate(spec, now)
    async with in_transaction():  # all of it or nothing: no campaign without its items
        host = await upsert_member(spec.host_user_id) if spec.host_user_id else None
        groups = [await ensure_group(g) for g in dict.fromkeys(spec.group_ids)]
        for attempt in range(8):
            try:
                async with in_transaction():  # a savepoint: a taken code is drawn again
                    campaign = await Campaign.create(
                        code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)),
                        title=spec.title, closes_at=spec.closes_at.astimezone(timezone.utc),
                        pickup_from=spec.pickup_from, pickup_until=spec.pickup_until,
                        pickup_place=spec.pickup_place or "", note=spec.note, host=host,
                    )
                break
            except IntegrityError:
                if attempt == 7:
                    raise
        await Item.bulk_create([
            Item(campaign=campaign, label=s.label, name=s.name, price=s.price,
                 cap=s.stock, limit_per_buyer=s.limit_per_buyer, barcode=s.barcode, position=i)
            for i, s in enumerate(spec.items)
        ])
        await CampaignGroup.bulk_create([CampaignGroup(campaign=campaign, group=g) for g in groups])
        if spec.announce:
            await outbox.enqueue(*[outbox.Message(
                recipient_kind="group", recipient=g.line_group_id, template="campaign_announcement",
                params={"campaign_id": campaign.id}, campaign_id=campaign.id,
                dedupe_key=f"announce:{campaign.id}:{g.line_group_id}") for g in groups], now=now)
    return campaign


async def close_campaign(campaign_id: int, *, now: datetime, actor: str = "", notice_by_reply: bool = True,
                         told_group: str | None = None) -> Campaign:
    """Close an open campaign now (no more "+1"), and queue the pick list to its host.

    Each of its groups is told by the free reply to its next message (``notice_by_reply``;
    the scheduler turns it off when the shop pays for a push instead), except ``told_group``,
    the group whose host's "結單" is answered there and then. With the shop's
    PLUSONE_WAITLIST_NOTICE=push, each buyer still waitlisted is queued one push (commerce.waitlist).
    Closing a closed campaign returns it unchanged; a cancelled one raises InvalidState."""
    async with in_transaction():
        changed = await Campaign.filter(id=campaign_id, status=CampaignStatus.OPEN).update(
            status=CampaignStatus.CLOSED, closed_at=now)
        campaign = await Campaign.get_or_none(id=campaign_id).prefetch_related("host")
        if campaign is None:
            raise NotFound("no such campaign", field="id")
        if campaign.status == CampaignStatus.CANCELLED:
            raise InvalidState("this campaign was cancelled")
        if changed and notice_by_reply:
            told = await LineGroup.filter(line_group_id=told_group).values_list("id", flat=True) if told_group else []
            await CampaignGroup.filter(campaign_id=campaign_id, close_notice="").exclude(group_id__in=told).update(
                close_notice="due")
        if changed and campaign.host and campaign.host.line_user_id:
            await outbox.enqueue(
                outbox.Message(
                    recipient_kind="host",
                    recipient=campaign.host.line_user_id,
                    template="pick_list",
                    params={"campaign_id": campaign.id},
                    campaign_id=campaign.id,
                    dedupe_key=f"picklist:{campaign.id}",
                ),
                now=now,
            )
        if changed and waitlist.by_push():  # PLUSONE_WAITLIST_NOTICE=push: one push per buyer still waiting
            await waitlist.queue_unfilled(campaign_id, now=now)
    return campaign


async def edit_campaign(campaign_id: int, edit: CampaignEdit, *, now: datetime, actor: str = "",
                        told_group: str | None = None) -> Campaign:
    """Move an open campaign's deadline, or change its pickup window or place (open or closed).
    A field left None stays as it is.

    Raises InvalidInput naming the field (a deadline not in the future, a window that ends
    before it starts), NotFound, InvalidState (the deadline of a campaign that is no longer
    open, any edit of a cancelled one); writes nothing then."""
    closes_at, pickup_from, pickup_until = edit.closes_at, edit.pickup_from, edit.pickup_until
    if closes_at is not None and closes_at <= now:
        raise InvalidInput("closes_at is in the past", field="closes_at")
    changes: dict[str, Any] = {name: value for name, value in edit if value is not None}
    if closes_at is not None:
        changes["closes_at"] = closes_at.astimezone(timezone.utc)
    if edit.pickup_place is not None:
        changes["pickup_place"] = edit.pickup_place.strip()
    async with in_transaction():
        campaign = await Campaign.select_for_update().get_or_none(id=campaign_id)
        if campaign is None:
            raise NotFound("no such campaign", field="id")
        if campaign.status == CampaignStatus.CANCELLED:
            raise InvalidState("this campaign was cancelled")
        if closes_at is not None and campaign.status != CampaignStatus.OPEN:
            raise InvalidState(f"only an open campaign's deadline can move; this one is {campaign.status}")
        start = pickup_from or campaign.pickup_from
        end = pickup_until or campaign.pickup_until
        if start and end and end < start:
            field_ = "pickup_until" if pickup_until is not None else "pickup_from"
            raise InvalidInput("pickup_until is before pickup_from", field=field_)
        # Conditional on the status read under the lock: a close that slipped in (SQLite has
        # no row lock) makes this a refusal, not a deadline on a closed campaign.
        if not await Campaign.filter(id=campaign_id, status=campaign.status).update(**changes):
            raise InvalidState("this campaign changed meanwhile; reload and try again")
        await mark_changed(campaign_id, told_group=told_group)
    return await Campaign.get(id=campaign_id)


async def cancel_campaign(campaign_id: int, *, now: datetime, actor: str = "", reason: str = "",
                          notify: str = "reply", told_group: str | None = None) -> Campaign:
    """Cancel a campaign: every active line is cancelled and its stock returned, and each of its
    groups is told once, with ``reason``: by the reply to its next message (``notify="reply"``,
    free) or by a push now (``"push"``, billed per member); ``told_group`` was told there and then.
    Buyers with money paid are in ``refunds_of``."""
    async with in_transaction() as conn:
        # Lock order (commerce.ordering): every order row of the campaign first, in id order,
        # so a buyer cancelling at the same moment waits instead of deadlocking with us.
        await Order.select_for_update().filter(campaign_id=campaign_id).order_by("id")  # not values_list: it drops FOR UPDATE
        changed = await Campaign.filter(id=campaign_id, status__in=(CampaignStatus.OPEN, CampaignStatus.CLOSED)).update(
            status=CampaignStatus.CANCELLED, closed_at=now, cancel_reason=reason[:500]
        )
        if not changed:
            if not await Campaign.exists(id=campaign_id):
                raise NotFound("no such campaign", field="id")
            raise InvalidState("this campaign is already cancelled")
        lines = await OrderLine.filter(item__campaign_id=campaign_id,
                                       status__in=(LineStatus.RESERVED, LineStatus.WAITLISTED))
        for line in lines:
            # Conditional: a buyer cancelling this line at the same moment must not make us
            # release its stock a second time.
            if not await OrderLine.filter(id=line.id, status=line.status).update(status=LineStatus.CANCELLED):
                continue
            if line.status == LineStatus.RESERVED:
                await stock.release(conn, line.item_id, line.qty)
                await stock.record(conn, line.item_id, line.id, -line.qty, "cancel", actor, now)
        await fetch(
            conn,
            "UPDATE orders SET status = 'cancelled', updated_at = ? WHERE campaign_id = ? AND status = 'open'"
            " RETURNING id",
            now, campaign_id,
        )
        if notify == "push":
            groups = await CampaignGroup.filter(campaign_id=campaign_id).values_list("group__line_group_id", flat=True)
            await outbox.enqueue(*[outbox.Message(
                recipient_kind="group", recipient=g, template="campaign_cancelled_group",
                params={"campaign_id": campaign_id}, campaign_id=campaign_id, dedupe_key=f"cancelled:{campaign_id}:{g}")
                for g in groups if g != told_group], now=now)
            await CampaignGroup.filter(campaign_id=campaign_id).update(change_notice="told")
        else:
            await mark_changed(campaign_id, told_group=told_group, kind="cancelled")
    return await Campaign.get(id=campaign_id)


async def refunds_of(campaign_id: int) -> list[dict[str, Any]]:
    """The orders of a (cancelled) campaign with money paid on them: what is owed back."""
    return [{"order_number": view["number"], "member_id": (view["member"] or {}).get("id"),
             "display_name": (view["member"] or {}).get("display_name", ""), "paid": view["paid"]}
            for view in await campaign_orders(campaign_id) if view["paid"] > 0]


async def campaign_detail(campaign_id: int) -> dict[str, Any]:
    """The campaign as plain data, with per item ``stock``, ``sold`` and ``waitlisted``."""
    campaign = await Campaign.get_or_none(id=campaign_id).prefetch_related("host")
    if campaign is None:
        raise NotFound("no such campaign", field="id")
    items = await Item.filter(campaign_id=campaign_id).order_by("position", "id")
    waiting = {
        row["item_id"]: row["n"]
        for row in await fetch(
            connections.get("default"),
            "SELECT l.item_id, SUM(l.qty) AS n FROM order_lines l JOIN items i ON i.id = l.item_id"
            " WHERE i.campaign_id = ? AND l.status = 'waitlisted' GROUP BY l.item_id",
            campaign_id,
        )
    }
    groups = await CampaignGroup.filter(campaign_id=campaign_id).prefetch_related("group")
    return {
        "id": campaign.id,
        "code": campaign.code,
        "title": campaign.title,
        "status": campaign.status,
        "closes_at": campaign.closes_at.isoformat(),
        "pickup_from": campaign.pickup_from.isoformat() if campaign.pickup_from else None,
        "pickup_until": campaign.pickup_until.isoformat() if campaign.pickup_until else None,
        "pickup_place": campaign.pickup_place,
        "note": campaign.note,
        "cancel_reason": campaign.cancel_reason,
        "host_user_id": campaign.host.line_user_id if campaign.host else None,
        "group_ids": [g.group.line_group_id for g in groups],
        "items": [_item_view(it, waiting.get(it.id, 0)) for it in items],
    }


def _item_view(item: Item, waitlisted: int) -> dict[str, Any]:
    return {
        "id": item.id,
        "label": item.label,
        "name": item.name,
        "price": item.price,
        "stock": item.cap,
        "limit_per_buyer": item.limit_per_buyer,
        "barcode": item.barcode,
        "sold": item.sold,
        "left": None if item.cap is None else max(0, item.cap - item.sold),  # None: no cap
        "waitlisted": int(waitlisted),
    }


async def list_campaigns(*, status: str | None = None, ids: Sequence[int] | None = None,
                         limit: int = 200) -> list[dict[str, Any]]:
    """Campaigns as plain data: open ones first (soonest deadline first), then the others
    (latest deadline first); at most ``limit``, the latest deadlines kept. Each has
    ``orders`` (orders not cancelled) and its items with ``stock``, ``sold``, ``waitlisted``.
    Four queries whatever the number. Raises InvalidInput(field="status")."""
    if status is not None and status not in STATUSES:
        raise InvalidInput("status is open, closed or cancelled", field="status")
    query = Campaign.all()
    if status is not None:
        query = query.filter(status=status)
    if ids is not None:
        query = query.filter(id__in=list(ids))
    found = await query.order_by("-closes_at", "-id").limit(limit)
    if not found:
        return []
    campaign_ids = [c.id for c in found]
    items: dict[int, list[Item]] = {c: [] for c in campaign_ids}
    for item in await Item.filter(campaign_id__in=campaign_ids).order_by("position", "id"):
        items[item.campaign_id].append(item)
    waiting = {
        row["item_id"]: row["n"] or 0
        for row in await OrderLine.filter(item__campaign_id__in=campaign_ids, status=LineStatus.WAITLISTED)
        .annotate(n=Sum("qty")).group_by("item_id").values("item_id", "n")
    }
    counts = {
        row["campaign_id"]: row["n"]
        for row in await Order.filter(campaign_id__in=campaign_ids).exclude(status=OrderStatus.CANCELLED)
        .annotate(n=Count("id")).group_by("campaign_id").values("campaign_id", "n")
    }
    found.sort(key=lambda c: (c.status != CampaignStatus.OPEN,
                              c.closes_at.timestamp() * (1 if c.status == CampaignStatus.OPEN else -1)))
    return [
        {
            "id": c.id,
            "code": c.code,
            "title": c.title,
            "status": c.status,
            "closes_at": c.closes_at.isoformat(),
            "closed_at": c.closed_at.isoformat() if c.closed_at else None,
            "pickup_from": c.pickup_from.isoformat() if c.pickup_from else None,
            "pickup_until": c.pickup_until.isoformat() if c.pickup_until else None,
            "pickup_place": c.pickup_place,
            "orders": int(counts.get(c.id, 0)),
            "items": [_item_view(it, waiting.get(it.id, 0)) for it in items[c.id]],
        }
        for c in found
    ]


async def known_groups() -> list[dict[str, Any]]:
    """The LINE groups the shop knows (the bot was added to, or a campaign named), by name."""
    return [
        {"line_group_id": g.line_group_id, "name": g.name, "member_count": g.member_count}
        for g in await LineGroup.all().order_by("name", "id")
    ]
