"""What pushes cost the shop, and the month's budget for them.

LINE bills a push once per recipient (a group: once per member), whatever its number of
messages up to 5; replies are free. Before a push goes out the messaging edge asks ``reserve``
for its cost: one conditional update of the month's counter (``PushMonth.billed``) whose row
count decides, so several workers never take the month over the budget together. A push that
does not fit is ``hold``-en: listed for a manager (``held``, ``send_anyway``, ``drop``), and
the host is told once a month. LINE's "monthly limit reached" answer holds a push the same way
(it is never retried on its own).

The budget is ``PLUSONE_PUSH_BUDGET`` when set, else LINE's monthly quota as last read
(``record_quota``); with neither there is no limit. LINE's own count (``line_used``) counts
too: the month is over budget when either count would go over it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from commerce import outbox
from commerce.errors import InvalidState, NotFound
from commerce.models import Campaign, LineGroup, Member, Notification, PushMonth
from commerce.states import NoticeStatus

OVER_BUDGET = "over budget"
MONTHLY_LIMIT = "LINE monthly limit"
HELD_NOTICE = "pushes_held"  # the template that tells a host pushes are held


def month_of(at: datetime, tz: ZoneInfo) -> str:
    """The shop month (``YYYY-MM`` in the shop's zone) of an instant."""
    return at.astimezone(tz).strftime("%Y-%m")


def chunks(messages: int) -> int:
    """Pushes needed for ``messages`` messages: LINE takes at most 5 per push."""
    return max(1, (messages + 4) // 5)


async def _month(month: str) -> PushMonth:
    row = await PushMonth.get_or_none(month=month)
    if row is None:
        try:
            async with in_transaction():
                row = await PushMonth.create(month=month)
        except IntegrityError:  # created concurrently
            row = await PushMonth.get(month=month)
    return row


# --- group sizes ----------------------------------------------------------------------------

async def group_size(line_group_id: str) -> int | None:
    """The group's member count as last read from LINE; None when it must be read (never
    read, or members joined or left since)."""
    row = await LineGroup.get_or_none(line_group_id=line_group_id).values("member_count", "member_count_at")
    if not row or row["member_count_at"] is None or row["member_count"] is None:
        return None
    return row["member_count"]


async def set_group_size(line_group_id: str, count: int, *, now: datetime) -> None:
    """Record a group's member count read from LINE."""
    from commerce.members import ensure_group

    group = await ensure_group(line_group_id)
    await LineGroup.filter(id=group.id).update(member_count=max(0, int(count)), member_count_at=now)


async def members_changed(line_group_id: str) -> None:
    """Members joined or left: the count is read from LINE again before the next push."""
    await LineGroup.filter(line_group_id=line_group_id).update(member_count_at=None)


async def groups_to_size(line_group_ids: list[str]) -> list[str]:
    """Of these groups, those whose member count must be read from LINE."""
    fresh = set(await LineGroup.filter(line_group_id__in=line_group_ids, member_count_at__isnull=False,
                                       member_count__isnull=False).values_list("line_group_id", flat=True))
    return [g for g in dict.fromkeys(line_group_ids) if g not in fresh]


async def announcement_cost(line_group_ids: list[str]) -> dict[str, Any]:
    """What announcing by push in these groups would cost: per group its known member count
    (None: not read yet) and the total of the known ones. A host's chat command announces by
    reply, for free."""
    sizes = dict(await LineGroup.filter(line_group_id__in=line_group_ids).values_list("line_group_id",
                                                                                        "member_count"))
    groups = [{"group_id": g, "members": sizes.get(g)} for g in dict.fromkeys(line_group_ids)]
    return {"groups": groups, "billed": sum(g["members"] or 0 for g in groups),
            "unknown": [g["group_id"] for g in groups if g["members"] is None]}


# --- the month's budget ---------------------------------------------------------------------

async def record_quota(month: str, *, limit: int | None, used: int, now: datetime) -> None:
    """LINE's quota for the month and its own count of messages used, as read just now."""
    await _month(month)
    await PushMonth.filter(month=month).update(line_quota=limit, line_used=used, line_checked_at=now)


async def quota_known(month: str) -> bool:
    return await PushMonth.filter(month=month, line_checked_at__isnull=False).exists()


def effective_budget(configured: int | None, line_quota: int | None) -> int | None:
    return configured if configured is not None else line_quota


async def reserve(note: Notification, cost: int, *, month: str, budget: int | None) -> bool:
    """Count ``cost`` billed messages for this push against the month, before it is sent.
    False (nothing written) when that would take the month over the budget (``budget`` is
    the configured one; None: LINE's quota). A push a manager approved, or one already
    reserved by an earlier attempt (``note.billed``), always passes."""
    if note.billed:
        return True
    row = await _month(month)
    limit = effective_budget(budget, row.line_quota)
    async with in_transaction():
        if limit is None or note.approved_by:
            await PushMonth.filter(month=month).update(billed=F("billed") + cost)
        else:
            # One conditional update: our count and LINE's last figure both leave room for it.
            room = Q(billed__lte=limit - cost) & (Q(line_used__isnull=True) | Q(line_used__lte=limit - cost))
            if not await PushMonth.filter(room, month=month).update(billed=F("billed") + cost):
                return False
        await Notification.filter(id=note.id).update(billed=cost)
    note.billed = cost
    return True


async def release(note: Notification, *, month: str) -> None:
    """A reserved push that was not sent: its cost no longer counts."""
    if not note.billed:
        return
    async with in_transaction():
        if await Notification.filter(id=note.id, billed=note.billed).exclude(status=NoticeStatus.SENT).update(billed=0):
            await PushMonth.filter(month=month).update(billed=F("billed") - note.billed)
    note.billed = 0


async def hold(note: Notification, worker: str, *, reason: str, cost: int, month: str, now: datetime) -> bool:
    """Keep a push from going out (over budget, or LINE's monthly limit) until a manager sends
    it anyway or drops it; tell the host once a month (that notice is approved: it is the one
    push allowed past the budget). True if this call held it."""
    async with in_transaction():
        if not await Notification.filter(id=note.id, claimed_by=worker, status=NoticeStatus.PENDING).update(
            status=NoticeStatus.HELD, claimed_until=None, last_error=f"{reason}: costs {cost}"[:500],
        ):
            return False
        if reason == MONTHLY_LIMIT:
            await PushMonth.filter(month=month).update(limit_reached_at=now)
        if note.template != HELD_NOTICE:
            await outbox.enqueue(*[
                outbox.Message(recipient_kind="host", recipient=host, template=HELD_NOTICE,
                               params={"month": month, "reason": reason}, dedupe_key=f"held:{host}:{month}",
                               approved_by="budget notice")
                for host in await _hosts_of(note)
            ], now=now)
    return True


async def _hosts_of(note: Notification) -> list[str]:
    campaign_id = note.campaign_id or (note.params or {}).get("campaign_id")
    if campaign_id:
        host = await Campaign.filter(id=campaign_id).values_list("host__line_user_id", flat=True)
        if host and host[0]:
            return [host[0]]
    return list(await Member.filter(is_host=True, line_user_id__isnull=False).order_by("id")
                .values_list("line_user_id", flat=True))


async def held(limit: int = 200) -> list[dict[str, Any]]:
    """Pushes waiting for a manager, oldest first."""
    rows = await Notification.filter(status=NoticeStatus.HELD).order_by("id").limit(limit)
    names = dict(await Member.filter(line_user_id__in=list({n.recipient for n in rows}))
                 .values_list("line_user_id", "display_name"))
    groups = dict(await LineGroup.filter(line_group_id__in=list({n.recipient for n in rows}))
                  .values_list("line_group_id", "name"))
    return [{"id": n.id, "template": n.template, "recipient_kind": n.recipient_kind, "recipient": n.recipient,
             "name": names.get(n.recipient) or groups.get(n.recipient) or "", "reason": n.last_error,
             "created_at": n.created_at}
            for n in rows]


async def send_anyway(notification_id: int, *, actor: str, now: datetime) -> None:
    """A manager sends a held push over the budget. Raises NotFound, InvalidState (not held)."""
    await _decide(notification_id, status=NoticeStatus.PENDING, approved_by=actor or "manager",
                  next_attempt_at=now.astimezone(timezone.utc), last_error="")


async def drop(notification_id: int, *, actor: str, now: datetime) -> None:
    """A manager drops a held push: it is never sent. Raises NotFound, InvalidState."""
    await _decide(notification_id, status=NoticeStatus.DROPPED, last_error=f"dropped by {actor or 'manager'}"[:500])


async def _decide(notification_id: int, **changes: Any) -> None:
    held = Notification.filter(id=notification_id, status=NoticeStatus.HELD)
    if not await held.update(claimed_until=None, **changes):
        if not await Notification.exists(id=notification_id, channel="push"):
            raise NotFound("no such push", field="id")
        raise InvalidState("this push is not held")


async def summary(start: datetime, end: datetime, *, month: str, budget: int | None) -> dict[str, Any]:
    """The month's pushes as we count them beside LINE's figures: ``pushes``, ``billed``,
    ``quota``, ``used_by_line``, ``budget``, ``held``, ``by_template``."""
    counts = await outbox.push_counts(start, end)
    row = await PushMonth.get_or_none(month=month)
    quota = row.line_quota if row else None
    return {
        "month": month,
        "pushes": sum(c["pushes"] for c in counts.values()),
        "billed": sum(c["billed"] for c in counts.values()),
        "quota": quota,
        "used_by_line": row.line_used if row else None,
        "checked_at": row.line_checked_at if row else None,
        "limit_reached": bool(row and row.limit_reached_at),
        "budget": effective_budget(budget, quota),
        "held": await Notification.filter(status=NoticeStatus.HELD).count(),
        "templates": counts,
        "by_template": [{"template": k, **v} for k, v in sorted(counts.items())],
    }
