"""What the shop says on its own, so the host does not have to remember: closing campaigns
at their deadline, telling groups, reminding buyers, reconciling with hosts, low stock.

Every function here is safe to run again, at any time, in any number of processes at once:
each push is queued with a dedupe key (the outbox's unique ``dedupe_key``; an insert that
meets an existing key is dropped), and a campaign is closed by one conditional update. A run
that dies midway leaves what it queued queued; the next run queues the rest.

Keys (one push each, ever):
- ``closed:{campaign}:{group}`` — the "已結單" push to each group of a campaign closed at its
  deadline, only when the shop asks for it (``PLUSONE_CLOSE_NOTICE=push``); by default the
  group's next message is answered "closed" by reply instead (``take_close_notices``), free
- ``closing:{campaign}:{group}`` — the "closing soon" push to a group (only when the shop turns it on)
- ``unpaid:{member}:{day}``, ``pickup:{member}:{day}`` — reminders to a buyer, combined so a
  buyer gets at most one a shop day across campaigns and kinds: a pickup reminder also lists the
  buyer's orders with money due not named before, and the unpaid reminders skip a buyer who got
  a pickup reminder that day (what is still due is named the next evening); an order is named
  in at most one reminder of each kind
- ``reconcile:{host}:{day}`` — the daily reconciliation to a host
- ``lowstock:{item}`` — the low-stock alert to the host

Each returns the pushes it queued (a push to a group is billed once per member).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.transactions import in_transaction

from commerce import outbox
from commerce.campaigns import close_campaign
from commerce.db import fetch
from commerce.errors import DomainError
from commerce.models import Campaign, CampaignGroup, Member, Notification, Order
from commerce.orders import order_views
from commerce.outbox import Message
from commerce.reconciliation import host_line_ids, host_reports, unfinished_campaigns
from commerce.rules import CLOSING_SOON, open_at
from commerce.states import CampaignStatus, NoticeStatus, OrderStatus

# How long after its stamp a chat message may still be on its way to the webhook (LINE sends
# concurrently; the applier holds each event ~0.25 s to put them in stamp order).
IN_FLIGHT = timedelta(seconds=0.5)
LOW_STOCK_PERCENT = 90

UNPAID = "unpaid_reminder"
PICKUP = "pickup_reminder"
FIRST_DAY = "first_day"  # pickup opens today
LAST_DAY = "last_day"  # tomorrow is the last pickup day


async def queue_once(messages: Sequence[Message], *, now: datetime) -> list[Message]:
    """Queue each message unless its dedupe key was queued before; return those this call queued."""
    now = now.astimezone(timezone.utc)  # SQLite compares stored times as text, all in UTC
    keyed = {m.dedupe_key: m for m in messages if m.dedupe_key}
    if not keyed:
        return []
    taken = set(await Notification.filter(dedupe_key__in=list(keyed)).values_list("dedupe_key", flat=True))
    fresh = [m for k, m in keyed.items() if k not in taken]
    if not fresh:
        return []
    await outbox.enqueue(*fresh, now=now)  # a concurrent run's insert wins; ours is dropped
    return await _queued_now([m.dedupe_key for m in fresh], fresh, now)


async def _queued_now(keys: list[str], candidates: Iterable[Message], now: datetime) -> list[Message]:
    mine = set(await Notification.filter(dedupe_key__in=keys, created_at=now).values_list("dedupe_key", flat=True))
    return [m for m in candidates if m.dedupe_key in mine]


# --- deadlines ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Closed:
    campaign_ids: list[int]
    pushes: list[Message]


async def close_due(now: datetime, *, in_flight: timedelta = timedelta(0), push_to_groups: bool = False) -> Closed:
    """Close every open campaign whose deadline has passed. In the same transaction as each
    close: the pick list to the host (``commerce.campaigns.close_campaign``, saying it closed
    on schedule and how the groups hear of it) and the "已結單" notice to each of its groups —
    a push billed per member with ``push_to_groups``, else due by reply to the group's next
    message (``take_close_notices``).

    A campaign is closed only once its deadline is ``in_flight`` behind ``now`` (messages
    stamped before it may still be travelling) and no event stamped before it is waiting to be
    applied."""
    now = now.astimezone(timezone.utc)  # SQLite compares stored times as text, all in UTC
    # A "+1" stamped before the deadline books even when applied after it: wait until such
    # messages can no longer be in flight, and until every one that arrived is applied.
    due = await (Campaign.filter(~open_at(now - in_flight), status=CampaignStatus.OPEN).order_by("closes_at", "id")
                 .values_list("id", "closes_at"))
    closed: list[int] = []
    pushes: list[Message] = []
    for campaign_id, closes_at in due:
        if await orders_in_flight(closes_at):
            continue  # the next tick closes it
        try:
            async with in_transaction():
                campaign = await close_campaign(campaign_id, now=now, actor="scheduler",
                                                notice_by_reply=not push_to_groups)
                if campaign.closed_at != now:  # closed by someone else meanwhile: their notices
                    continue
                notices = [
                    Message(recipient_kind="group", recipient=g, template="campaign_closed_group",
                            params={"campaign_id": campaign_id}, campaign_id=campaign_id,
                            dedupe_key=f"closed:{campaign_id}:{g}")
                    for g in await _group_ids(campaign_id)
                ] if push_to_groups else []
                await outbox.enqueue(*notices, now=now)
                await Notification.filter(dedupe_key=f"picklist:{campaign_id}", status=NoticeStatus.PENDING).update(
                    params={"campaign_id": campaign_id, "closed_on_schedule": True,
                            "groups_told": "push" if push_to_groups else "reply"})
        except DomainError:  # cancelled meanwhile
            continue
        closed.append(campaign_id)
        host = campaign.host.line_user_id if campaign.host else None
        pick_list = Message(recipient_kind="host", recipient=host or "", template="pick_list",
                            params={"campaign_id": campaign_id}, dedupe_key=f"picklist:{campaign_id}")
        keys = [pick_list.dedupe_key] + [n.dedupe_key for n in notices]
        pushes += await _queued_now(keys, [pick_list, *notices], now)
    return Closed(closed, pushes)


async def take_close_notices(line_group_id: str) -> list[int]:
    """The campaigns closed on schedule whose close this group has not been told yet; each is
    taken once (call inside the transaction of the message answered with it)."""
    due = await (CampaignGroup.filter(group__line_group_id=line_group_id, close_notice="due").order_by("id")
                 .values_list("id", "campaign_id"))
    return [campaign_id for row_id, campaign_id in due
            if await CampaignGroup.filter(id=row_id, close_notice="due").update(close_notice="told")]


async def orders_in_flight(before: datetime) -> bool:
    """Whether a chat event stamped before ``before`` is stored but not yet applied."""
    rows = await fetch(connections.get("default"),
                       "SELECT 1 AS x FROM inbound_events WHERE status = 'pending' AND stamp_ms < ? LIMIT 1",
                       int(before.timestamp() * 1000))
    return bool(rows)


async def closing_soon(now: datetime, *, lead: timedelta = CLOSING_SOON) -> list[Message]:
    """A "closing soon" push to each group of a campaign that closes within ``lead``.
    Campaigns opened with less than ``lead`` to go get none: their announcement says when."""
    now = now.astimezone(timezone.utc)  # SQLite compares stored times as text, all in UTC
    campaigns = await Campaign.filter(open_at(now), closes_at__lte=now + lead)
    messages = [
        Message(recipient_kind="group", recipient=g, template="closing_soon_group",
                params={"campaign_id": c.id}, campaign_id=c.id, dedupe_key=f"closing:{c.id}:{g}")
        for c in campaigns if c.created_at <= c.closes_at - lead
        for g in await _group_ids(c.id)
    ]
    return await queue_once(messages, now=now)


async def _group_ids(campaign_id: int) -> list[str]:
    return list(await CampaignGroup.filter(campaign_id=campaign_id).order_by("id")
                .values_list("group__line_group_id", flat=True))


# --- buyers ---------------------------------------------------------------------------------

def _entry(view: dict[str, Any], **extra: Any) -> dict[str, Any]:
    c = view["campaign"]
    return {"id": view["id"], "number": view["number"], "title": c["title"], "code": c["code"],
            "due": max(0, view["balance"] - view["reported"]), "pickup_from": c["pickup_from"],
            "pickup_until": c["pickup_until"], "pickup_place": c["pickup_place"], **extra}


async def _buyer_views(*, counter_before: datetime | None = None, **campaign_filter: Any) -> list[dict[str, Any]]:
    """Open orders of LINE buyers in closed campaigns (matching ``campaign_filter``); with
    ``counter_before``, not those changed at the counter since then (changed after both that
    moment and the campaign's close: an add-on, say)."""
    orders = await (Order.filter(status=OrderStatus.OPEN, campaign__status=CampaignStatus.CLOSED,
                                 member__line_user_id__isnull=False,
                                 **{f"campaign__{k}": v for k, v in campaign_filter.items()})
                    .select_related("campaign").order_by("id"))
    if counter_before is not None:
        orders = [o for o in orders if o.updated_at < counter_before
                  or (o.campaign.closed_at is not None and o.updated_at <= o.campaign.closed_at)]
    return [v for v in await order_views(orders) if v["total"] > 0]


async def _named_before(template: str, recipients: Iterable[str]) -> dict[str, set[tuple[int, str]]]:
    """(order id, kind) pairs already named in earlier reminders (of either kind: a pickup
    reminder names money due too), per recipient."""
    named: dict[str, set[tuple[int, str]]] = defaultdict(set)
    rows = await (Notification.filter(template__in=(UNPAID, PICKUP), recipient__in=list(recipients))
                  .values_list("recipient", "params"))
    for recipient, params in rows:
        for entry in (params or {}).get("orders", []):
            for kind in entry.get("kinds", [template]):
                named[recipient].add((entry["id"], kind))
    return named


async def _remind(template: str, prefix: str, wanted: dict[str, list[tuple[dict[str, Any], list[str]]]],
                  day: date, now: datetime) -> list[Message]:
    """One push per buyer listing each (order entry, kinds) not named before; queued once."""
    if not wanted:
        return []
    member_ids = dict(await Member.filter(line_user_id__in=list(wanted)).values_list("line_user_id", "id"))
    keys = {user: f"{prefix}:{member_ids[user]}:{day.isoformat()}" for user in wanted}
    # One reminder a buyer a day: the unpaid ones wait for a buyer told about pickup today.
    others = {user: f"pickup:{member_ids[user]}:{day.isoformat()}" for user in wanted} if template == UNPAID else {}
    taken = set(await Notification.filter(dedupe_key__in=[*keys.values(), *others.values()])
                .values_list("dedupe_key", flat=True))
    wanted = {user: entries for user, entries in wanted.items()
              if keys[user] not in taken and others.get(user) not in taken}
    before = await _named_before(template, wanted)
    messages = []
    for user, entries in wanted.items():
        fresh = []
        for entry, kinds in entries:
            kinds = [k for k in kinds if (entry["id"], k) not in before[user]]
            if kinds:
                fresh.append({**entry, "kinds": kinds})
        if template == PICKUP and not any(set(e["kinds"]) - {UNPAID} for e in fresh):
            continue  # money due alone waits for the evening's unpaid reminder
        if fresh:
            messages.append(Message(recipient_kind="member", recipient=user, template=template,
                                    params={"orders": fresh}, dedupe_key=keys[user]))
    return await queue_once(messages, now=now)


async def unpaid_reminders(now: datetime, *, day: date, due_at: datetime | None = None) -> list[Message]:
    """Remind each buyer with money due on a closed campaign (not covered by a reported
    transfer) to pay: one push per buyer listing every such order not named before.

    ``due_at`` is the reminder's time that day: an order changed at the counter since (an
    add-on after the close and after that time) waits for the next day's reminder, so a buyer
    standing at the counter is not pushed one by a later run of the same evening's job."""
    wanted: dict[str, list] = defaultdict(list)
    for view in await _buyer_views(counter_before=due_at):
        if view["balance"] - view["reported"] > 0:
            wanted[view["member"]["line_user_id"]].append((_entry(view), [UNPAID]))
    return await _remind(UNPAID, "unpaid", wanted, day, now)


async def pickup_reminders(now: datetime, *, day: date) -> list[Message]:
    """On the first pickup day, and on the day before the window ends, remind each buyer
    who has not picked up: one push per buyer listing all their orders due for it."""
    tomorrow = day + timedelta(days=1)
    wanted: dict[str, list] = defaultdict(list)
    views = await _buyer_views(pickup_from=day) + await _buyer_views(pickup_until=tomorrow)
    seen = set()
    for view in sorted(views, key=lambda v: v["id"]):
        if view["id"] in seen:
            continue
        seen.add(view["id"])
        c = view["campaign"]
        kinds = [k for k, d in ((FIRST_DAY, c["pickup_from"]), (LAST_DAY, c["pickup_until"]))
                 if d and date.fromisoformat(d) == (day if k == FIRST_DAY else tomorrow)]
        wanted[view["member"]["line_user_id"]].append((_entry(view), kinds))
    if wanted:  # the same push names their other orders with money due (no second push tonight)
        for view in await _buyer_views():
            user = view["member"]["line_user_id"]
            if user in wanted and view["id"] not in seen and view["balance"] - view["reported"] > 0:
                wanted[user].append((_entry(view), [UNPAID]))
    return await _remind(PICKUP, "pickup", wanted, day, now)


# --- hosts ----------------------------------------------------------------------------------

async def reconciliations(now: datetime, *, day: date, tz: ZoneInfo) -> list[Message]:
    """The day's reconciliation (``commerce.reconciliation``) to each host with unfinished
    campaigns, once per host per day."""
    keys = {c.host_id: f"reconcile:{c.host_id}:{day.isoformat()}" for c in await unfinished_campaigns()}
    taken = set(await Notification.filter(dedupe_key__in=list(keys.values())).values_list("dedupe_key", flat=True))
    hosts = [host for host, key in keys.items() if key not in taken]
    if not hosts:  # the usual case on every run after the first of the day: nothing to build
        return []
    reports = await host_reports(day, tz, hosts=hosts)
    line_ids = await host_line_ids(reports)
    messages = [
        Message(recipient_kind="host", recipient=line_ids[host], template="daily_reconciliation",
                params={"report": report}, dedupe_key=keys[host])
        for host, report in reports.items() if host in line_ids
    ]
    return await queue_once(messages, now=now)


_LOW_STOCK = (
    "SELECT i.id, i.label, i.name, i.sold, i.cap, c.id AS campaign_id, m.line_user_id"
    " FROM items i JOIN campaigns c ON c.id = i.campaign_id JOIN members m ON m.id = c.host_id"
    " WHERE c.status = 'open' AND i.cap > 0 AND i.sold * 100 >= i.cap * ? AND m.line_user_id IS NOT NULL"
    " ORDER BY i.id"
)


async def low_stock_alerts(now: datetime, *, percent: int = LOW_STOCK_PERCENT) -> list[Message]:
    """Tell the host once when an item of an open campaign has sold ``percent`` % of its stock."""
    rows = await fetch(connections.get("default"), _LOW_STOCK, percent)
    messages = [
        Message(recipient_kind="host", recipient=r["line_user_id"], template="low_stock",
                params={"campaign_id": r["campaign_id"], "label": r["label"], "name": r["name"],
                        "sold": r["sold"], "cap": r["cap"]},
                campaign_id=r["campaign_id"], dedupe_key=f"lowstock:{r['id']}")
        for r in rows
    ]
    return await queue_once(messages, now=now)
