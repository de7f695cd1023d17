"""The outbox: notifications written in the transaction that causes them and
delivered after commit by the messaging edge (``bot``).

Delivery is claimed row by row with a conditional update and a lease, so several
workers or processes never send the same notification twice; a worker that dies
leaves a lease that expires and another worker picks the row up again (its push
carries the same retry key, which LINE deduplicates).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.transactions import in_transaction

from commerce.db import for_dialect, utcnow
from commerce.leased_queue import LeasedQueue
from commerce.states import NoticeStatus
from commerce.models import LineGroup, Member, Notification

QUEUE = LeasedQueue(Notification, todo="pending", backoff_s=(1, 2, 5, 15, 30, 60, 120, 300))


@dataclass(frozen=True)
class Message:
    recipient_kind: str  # member|host|group
    recipient: str  # LINE user or group id
    template: str
    params: dict[str, Any]
    campaign_id: int | None = None
    dedupe_key: str | None = None  # a second enqueue with the same key is ignored
    channel: str = "push"  # push|reply (a reply is free and uses reply_token)
    reply_token: str | None = None
    approved_by: str = ""  # sent even over the month's budget (commerce.pushes)


def _row(m: Message, now: datetime, created_at: datetime | None = None, **claim: Any) -> Notification:
    return Notification(
        channel=m.channel, reply_token=m.reply_token, recipient_kind=m.recipient_kind, recipient=m.recipient,
        template=m.template, params=m.params, campaign_id=m.campaign_id, dedupe_key=m.dedupe_key,
        approved_by=m.approved_by, retry_key=uuid.uuid4(), next_attempt_at=now, created_at=created_at or now, **claim,
    )


async def enqueue(*messages: Message, now: datetime | None = None) -> None:
    """Queue messages; call inside the transaction of the change that causes them."""
    now = now or utcnow()
    if messages:
        await Notification.bulk_create([_row(m, now) for m in messages], ignore_conflicts=True)


async def enqueue_claimed(message: Message, worker: str, *, now: datetime, lease_s: int = 30,
                          created_at: datetime | None = None) -> Notification:
    """Queue one message already claimed by ``worker`` (which sends it right after commit, with
    no claim round trip and no read: the row is handed over); if the worker dies first, the
    lease lapses and any worker sends it. A reply's ``created_at`` is when LINE issued its token
    (the event's stamp): the token's life is counted from it."""
    row = _row(message, now, created_at, **QUEUE.lease(worker, now, lease_s))
    await row.save(force_create=True)
    return row


async def enqueue_claimed_many(messages: list[Message], worker: str, *, now: datetime,
                               created_at: list[datetime], lease_s: int = 30) -> list[Notification]:
    """``enqueue_claimed`` for many messages in one statement (a run of replies)."""
    if not messages:
        return []
    from tortoise import connections

    from commerce.db import new_ids

    ids = await new_ids(connections.get("default"), "notifications", len(messages))
    rows = [_row(m, now, at, id=nid, **QUEUE.lease(worker, now, lease_s))
            for nid, m, at in zip(ids, messages, created_at)]
    await Notification.bulk_create(rows)
    return rows


async def claim_due(worker: str, *, now: datetime, limit: int = 50, lease_s: int = 60) -> list[Notification]:
    """Claim up to ``limit`` due notifications for ``worker``; each row goes to one worker."""
    claimed = await QUEUE.claim_due(worker, now=now, limit=limit, lease_s=lease_s)
    return await Notification.filter(id__in=claimed).order_by("id") if claimed else []


async def mark_sent(nid: int, worker: str, message_ids: list[str], *, now: datetime, billed: int = 0) -> bool:
    return await QUEUE.finish(nid, worker, "sent", sent_at=now, sent_message_ids=message_ids, billed=billed)


_SENT = ("UPDATE notifications SET status = 'sent', sent_at = ?, sent_message_ids = ?, claimed_until = NULL"
         " WHERE id = ? AND claimed_by = ? AND status = 'pending'")


async def mark_replies_sent(worker: str, sent: list[tuple[int, list[str]]], *, now: datetime) -> None:
    """``mark_sent`` for many replies (id, LINE message ids) in one transaction."""
    if not sent:
        return
    ids_field = Notification._meta.fields_map["sent_message_ids"]
    async with in_transaction() as conn:
        await conn.execute_many(for_dialect(conn, _SENT),
                                [[now, ids_field.to_db_value(ids, Notification), nid, worker] for nid, ids in sent])


async def push_counts(since: datetime, until: datetime | None = None) -> dict[str, dict[str, int]]:
    """Pushes sent in [since, until) by template: how many, and how many messages billed."""
    # In UTC: SQLite compares a bound datetime as text, so its offset must match the stored one.
    where = {"sent_at__gte": since.astimezone(timezone.utc)}
    if until is not None:
        where["sent_at__lt"] = until.astimezone(timezone.utc)
    counts: dict[str, dict[str, int]] = {}
    rows = await Notification.filter(channel="push", status=NoticeStatus.SENT, **where).values_list(
        "template", "billed")
    for template, billed in sorted(rows):
        entry = counts.setdefault(template, {"pushes": 0, "billed": 0})
        entry["pushes"] += 1
        entry["billed"] += billed
    return counts


async def mark_retry(nid: int, worker: str, error: str, *, now: datetime, delay_s: float,
                     untried: bool = False) -> None:
    """Try again in ``delay_s``. ``untried``: the attempt surely never reached LINE (a reply
    is then as good as never tried)."""
    extra: dict[str, Any] = {"tried_at": None} if untried else {}
    await QUEUE.retry(nid, worker, error, now=now, delay_s=delay_s, **extra)


async def mark_replies_tried(ids: list[int], worker: str, *, now: datetime) -> None:
    """Before replies are handed to LINE: from now on an "invalid reply token" for these rows
    may be our own accepted attempt (``reply_spent``), not a lost answer."""
    if ids:
        await QUEUE.mine(worker, id__in=ids, tried_at__isnull=True).update(tried_at=now)


async def reply_spent(nid: int, worker: str, error: str, *, now: datetime) -> bool:
    """LINE refused the token of a reply that an earlier attempt had already handed over: that
    attempt was most likely accepted (its answer or our record of it was lost). Recorded as
    sent, with the doubt in its error; nothing is pushed, so the buyer is never told twice."""
    return await QUEUE.finish(nid, worker, "sent", sent_at=now,
                              error=f"token spent by an earlier attempt (most likely delivered): {error}")


async def reply_lost(note: Notification, worker: str, error: str, *, now: datetime) -> bool:
    """A reply LINE can no longer take (its token lapsed or was refused). A buyer who added the
    bot is told by a 1:1 push of the same answer (billed, counted like any push); otherwise the
    row stays failed with ``untold`` in its error, listed for staff by ``untold``. True if pushed.
    Whether the buyer follows the bot is read in the same transaction as the decision."""
    user_id = (note.params or {}).get("user_id")
    async with in_transaction():
        follows = bool(user_id) and await Member.exists(line_user_id=user_id, follows=True)
        if not await QUEUE.finish(note.id, worker, "failed",
                                  error=f"{'pushed 1:1' if follows and user_id else UNTOLD}: {error}"):
            return False
        if follows and user_id:
            await enqueue(Message(recipient_kind="member", recipient=user_id, template="late_reply",
                                  params={"messages": note.params.get("messages", []), "reply_id": note.id},
                                  dedupe_key=f"late_reply:{note.id}"), now=now)
            return True
    return False


UNTOLD = "untold"


async def untold(limit: int = 100) -> list[dict[str, Any]]:
    """Replies that never reached their buyer and could not be pushed, newest first, with
    the buyer's and the group's names where the bot knows them: staff tell these buyers."""
    rows = await (Notification.filter(channel="reply", status=NoticeStatus.FAILED, last_error__startswith=UNTOLD)
                  .order_by("-id").limit(limit))
    users = list({(n.params or {}).get("user_id") for n in rows} - {None})
    names = dict(await Member.filter(line_user_id__in=users).values_list("line_user_id", "display_name"))
    groups = dict(await LineGroup.filter(line_group_id__in=list({n.recipient for n in rows}))
                  .values_list("line_group_id", "name"))
    return [{"id": n.id, "user_id": (n.params or {}).get("user_id"),
             "name": names.get((n.params or {}).get("user_id")) or "",
             "group": n.recipient, "group_name": groups.get(n.recipient) or "", "at": n.created_at,
             "text": "\n".join(m.get("text", "") for m in n.params.get("messages", []))}
            for n in rows]


async def mark_failed(nid: int, worker: str, error: str, *, now: datetime) -> None:
    await QUEUE.finish(nid, worker, "failed", error=error)


QUESTION = "question"  # the template of a reply that asks the buyer something (its params say what)


async def asked(group: str, message_id: str, *, since: datetime) -> dict[str, Any] | None:
    """What the bot asked in ``group`` by the message ``message_id`` (sent since ``since``):
    the ``_asks`` of that bubble, or None when that message is not one of its questions."""
    rows = await Notification.filter(channel="reply", template=QUESTION, recipient=group, status=NoticeStatus.SENT,
                                     created_at__gte=since).order_by("-id").limit(200)
    for row in rows:
        ids = row.sent_message_ids or []
        if message_id in ids:
            messages = (row.params or {}).get("messages", [])
            index = ids.index(message_id)
            return messages[index].get("_asks") if index < len(messages) else None
    return None
