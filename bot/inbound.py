"""The durable inbound queue: webhook events are stored before the webhook answers 200, then
applied exactly once, in LINE's order, by one applier.

Order. Each event carries LINE's ``timestamp`` (when LINE received the message: the order
everyone sees in the chat). Webhook requests travel concurrently and arrive out of order, so
an event is held for a short reorder window after its stamp (``due_ms``) and events are then
applied in stamp order (ties by arrival). An event whose stamp is older than its arrival by
more than ``REPLAY_LIMIT_MS`` is a replay and is refused, not applied.

Group commit. A batch of due events is applied in one transaction, each in its own
savepoint: one bad event rolls back alone and is retried (up to ``MAX_ATTEMPTS``) while the
others commit. The reply of each event is queued in the outbox in its savepoint, already
claimed by this worker, and handed to delivery the moment the batch commits.

Events still on their way in (parsed, not yet stored, in this process or another on the same
PostgreSQL: ``bot.intake``) hold back later-stamped ones. An order whose every item is sold
out is applied at once, before its window ends (``Early``): waitlisted in any order, it
cannot take stock from an earlier buyer.

One applier. The applier works only while it holds the ``inbound`` lease (renewed inside
every batch transaction, see ``commerce.leases``); other processes stand by and take over
within ``LEASE_TTL_MS`` plus a poll when the holder dies.

Exactly once: ``event_id`` is unique, so a redelivery stores nothing; an event's row flips
from pending to done in the savepoint of its effect, so a crash before commit leaves it
pending (applied after restart) and after commit done (never applied twice).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from bot.intake import InFlight, Intake, now_ms
from commerce import leases, outbox
from commerce.db import execute, fetch, utcnow
from commerce.group_commit import GroupCommit
from commerce.leased_queue import Worker

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Webhook requests of one moment arrive up to ~300 ms apart; most within 100 ms. 250 ms after
# its stamp an event is applied: late enough that almost every earlier "+1" is in, early
# enough that the buyer's answer still comes well within a second.
REORDER_WINDOW_MS = 250
REPLAY_LIMIT_MS = 5 * 60 * 1000
LEASE = "inbound"
LEASE_TTL_MS = 3000
BATCH = 100
GATHER_S = 0.01
EARLY_EVERY_S = 0.02  # how often waiting events are looked at for an early answer, at most

_DUE = (
    "SELECT id, payload, stamp_ms, received_at FROM inbound_events WHERE status = 'pending' AND due_ms <= ?"
    " AND stamp_ms < ? ORDER BY stamp_ms, id LIMIT ?"
)
_NOT_YET = (  # pending events not in the due batch: still in their window, or held back by one in flight
    "SELECT id, payload, stamp_ms, received_at FROM inbound_events WHERE status = 'pending'"
    " AND (due_ms > ? OR stamp_ms >= ?) ORDER BY stamp_ms, id LIMIT ?"
)
_NEXT_DUE = "SELECT MIN(due_ms) AS due FROM inbound_events WHERE status = 'pending'"
_DONE = "UPDATE inbound_events SET status = ?, processed_at = ? WHERE id = ? AND status = 'pending'"
_FAILED = (
    "UPDATE inbound_events SET attempts = attempts + 1, last_error = ?, due_ms = ?,"
    " status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ? AND status = 'pending'"
)


def _reply_of(event: dict[str, Any], messages: list[dict]) -> outbox.Message:
    """The outbox row of an event's reply: free, with its reply token, at most 5 bubbles."""
    source = event.get("source") or {}
    return outbox.Message(
        channel="reply", reply_token=event["replyToken"], recipient_kind="reply",
        recipient=source.get("groupId") or source.get("userId") or "",
        template=outbox.QUESTION if any(m.get("_asks") for m in messages) else "reply",
        params={"messages": messages[:5], "user_id": source.get("userId")},
    )


class InvalidWebhook(ValueError):
    pass


def stamp_of(event: dict[str, Any], received_ms: int) -> int:
    """LINE's timestamp of ``event``, never later than its arrival (a clock ahead of ours must
    not hold an event back, nor let it jump ahead)."""
    stamp = event.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int) or stamp <= 0:
        return received_ms
    return min(stamp, received_ms)


def stamped_at(stamp_ms: int) -> datetime:
    return datetime.fromtimestamp(stamp_ms / 1000, timezone.utc)


def events_of(payload: Any) -> list[dict[str, Any]]:
    """The events of a webhook body; raises InvalidWebhook if it is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise InvalidWebhook("not a LINE webhook body")
    for event in payload["events"]:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise InvalidWebhook("an event without a type")
        if not isinstance(event.get("webhookEventId"), str) or not 0 < len(event["webhookEventId"]) <= 64:
            raise InvalidWebhook("an event without a webhookEventId")
    return payload["events"]


async def store(events: Sequence[dict[str, Any]], *, now: datetime, window_ms: int = REORDER_WINDOW_MS,
                invalid: Sequence[tuple[dict[str, Any], str]] = ()) -> int:
    """Durably store events; a redelivered event id is ignored. ``invalid`` events, with why,
    are stored as failed: their id and type only (their content may not even be storable).
    Returns how many good events were new, once they have committed.

    Group commit: requests that arrive while a store is being written wait for the next one
    and are written together, in one transaction (a flash sale's webhooks cost one commit per
    round, not one each)."""
    if not events and not invalid:
        return 0
    loop = asyncio.get_running_loop()
    batcher = _STORES.get(loop)
    if batcher is None:
        batcher = _STORES[loop] = GroupCommit(_store_requests, name="inbound-store")
    return await batcher.submit(_rows(events, now, window_ms, invalid))


_Row = tuple  # (event id, payload, status, error, received_at, stamp_ms, due_ms)
_ROWS_PER_STATEMENT = 300
_STORES: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommit]" = weakref.WeakKeyDictionary()


async def _store_requests(requests: list[list[_Row]]) -> list[int]:
    """Several webhook requests' rows in one transaction: how many good events each had new."""
    new = await _insert([row for rows in requests for row in rows])
    return [_new_in(rows, new) for rows in requests]


def _rows(events, now: datetime, window_ms: int, invalid) -> list[_Row]:
    received_ms = int(now.timestamp() * 1000)
    rows = []
    for event in events:
        stamp = stamp_of(event, received_ms)
        rows.append((event["webhookEventId"], json.dumps(event, ensure_ascii=False), "pending", "", now, stamp,
                     stamp + window_ms))
    for event, why in invalid:  # kept as failed (never applied): a redelivery is a no-op too
        summary = json.dumps({"webhookEventId": event["webhookEventId"], "type": event.get("type")})
        rows.append((event["webhookEventId"], summary, "failed", f"invalid event: {why}"[:500], now, received_ms,
                     received_ms))
    return rows


def _new_in(rows: list[_Row], new: set[str]) -> int:
    return sum(1 for row in rows if row[2] == "pending" and row[0] in new)


async def _insert(rows: list[_Row]) -> set[str]:
    """Insert rows (ignoring event ids already stored) in one transaction; the ids that were new."""
    new: set[str] = set()
    async with in_transaction() as conn:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start:start + _ROWS_PER_STATEMENT]
            values = ", ".join(["(?, ?, 0, ?, 0, ?, ?, ?, ?)"] * len(chunk))
            got = await fetch(conn, "INSERT INTO inbound_events (event_id, payload, partition, status, attempts,"
                                    f" last_error, received_at, stamp_ms, due_ms) VALUES {values}"
                                    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                              *[v for row in chunk for v in row])
            new |= {r["event_id"] for r in got}
    return new


# Apply one event inside the caller's savepoint; return the reply messages (may be []).
# It gets what ``prepare`` fetched before the transaction (LINE is never awaited inside one)
# and the instant the event counts as happening (its stamp).
Applier = Callable[[dict[str, Any], Any, datetime], Awaitable[list[dict]]]
Preparer = Callable[[Sequence[dict[str, Any]]], Awaitable[Any]]
OnReplies = Callable[[list[Any]], None]  # the claimed reply rows, handed over after commit
# Apply a leading run of events together inside the caller's savepoint: (connection, [(event,
# stamp)], prepared) -> the replies of the events it applied, one list each, from the first.
RunApplier = Callable[[Any, list[tuple[dict[str, Any], datetime]], Any], Awaitable[list[list[dict]]]]
# Events that may be applied before their window ends because no order of applying them could
# change anyone's outcome: (connection, [(event, stamp)] in stamp order, prepared) -> per event
# its replies, or None to leave it to its window. ``Early.worth_a_look`` is one cheap query:
# what makes events answerable early now (empty: nothing), hashable, so an event already
# looked at in the same state is not looked at again.
EarlyApplier = Callable[[Any, list[tuple[dict[str, Any], datetime]], Any], Awaitable[list[list[dict] | None]]]


class Early:
    def __init__(self, apply: EarlyApplier, worth_a_look: Callable[[Any], Awaitable[frozenset]]) -> None:
        self.apply = apply
        self.worth_a_look = worth_a_look
        self.looked: dict[int, frozenset] = {}  # waiting event row id -> the state it was looked at in

    async def waiting(self, conn: Any, current: int, held: int, limit: int) -> list[dict]:
        """The waiting events (not due, or held back) not yet looked at in the current state."""
        state = await self.worth_a_look(conn)
        if not state:
            self.looked.clear()
            return []
        rows = await fetch(conn, _NOT_YET, current, held, limit)
        if len(self.looked) > 4 * limit:  # forget events applied since
            ids = {row["id"] for row in rows}
            self.looked = {i: s for i, s in self.looked.items() if i in ids}
        fresh = [row for row in rows if self.looked.get(row["id"]) != state]
        for row in fresh:
            self.looked[row["id"]] = state
        return fresh


class InboundWorker:
    """The one applier of a process: applies due events in stamp order while it holds the lease."""

    def __init__(self, apply: Applier, *, worker_id: str, reply_worker: str | None = None,
                 prepare: Preparer | None = None, on_replies: OnReplies | None = None,
                 on_applied: Callable[[], None] | None = None, poll_s: float = 1.0, batch: int = BATCH,
                 in_flight: InFlight | None = None, apply_run: RunApplier | None = None,
                 early: Early | None = None, intake: Intake | None = None) -> None:
        self.apply = apply
        self.apply_run = apply_run
        self.early = early
        self.intake = intake  # set when several processes may share the database
        self._early_at = 0.0  # when waiting events were last looked at for an early answer
        self.prepare = prepare
        self.worker_id = worker_id  # holds the lease
        self.reply_worker = reply_worker or worker_id  # the delivery worker the replies are claimed for
        self.on_replies = on_replies or (lambda ids: None)
        self.on_applied = on_applied or (lambda: None)
        self.batch = batch
        self.in_flight = in_flight
        self.holding = False
        self._renewed_ms = 0
        self._worker = Worker(self._step, name="inbound applier", poll_s=poll_s)

    def wake(self) -> None:
        self._worker.wake()

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
        if self.holding:
            try:
                await leases.release(connections.get("default"), LEASE, self.worker_id)
            except Exception:  # stopping anyway; the lease lapses on its own
                log.warning("could not release the inbound lease", exc_info=True)
            self.holding = False

    async def _step(self) -> float | None:
        if not self.holding or now_ms() - self._renewed_ms > LEASE_TTL_MS // 3:
            self.holding = await leases.take(connections.get("default"), LEASE, self.worker_id,
                                             now_ms=now_ms(), ttl_ms=LEASE_TTL_MS)
            self._renewed_ms = now_ms()
        if not self.holding:
            return None
        applied, next_due = await self.drain()
        if applied:
            self._renewed_ms = now_ms()  # the batch renewed it
            if applied >= self.batch or (next_due is not None and next_due <= now_ms()):
                return 0  # what fell due while this batch was applied is the next batch
        # Sleep until the next event's window ends (at least one group-commit tick, so a burst
        # is applied in batches rather than one by one).
        return None if next_due is None else max(GATHER_S, (next_due - now_ms()) / 1000)

    async def _apply_together(self, tx: Any, todo: list[tuple[dict, dict]], prepared: Any,
                              at: datetime) -> tuple[int, list[Any]]:
        """Apply the leading run of ``todo`` that ``apply_run`` takes, in one savepoint: its
        effects, the events' done marks and their claimed replies, all or none. Returns how
        many events it applied and their reply rows; (0, []) leaves them all to one by one."""
        if self.apply_run is None or len(todo) < 2:
            return 0, []
        try:
            async with in_transaction():
                outs = await self.apply_run(tx, [(event, stamped_at(int(row["stamp_ms"]))) for row, event in todo],
                                            prepared)
                rows = await self._done_together(tx, list(zip(todo, outs)), at)
            return len(outs), rows
        except Exception:
            log.warning("a run of %d events could not be applied together; applying them one by one", len(todo),
                        exc_info=True)
            return 0, []

    async def _apply_early(self, tx: Any, waiting: list[tuple[dict, dict]], prepared: Any,
                           at: datetime) -> tuple[int, list[Any]]:
        """Apply, in one savepoint, those of ``waiting`` (not due yet) that ``early`` takes;
        (0, []) leaves them all to their window."""
        try:
            async with in_transaction():
                outs = await self.early.apply(tx, [(event, stamped_at(int(row["stamp_ms"])))
                                                   for row, event in waiting], prepared)
                taken = [(todo, out) for todo, out in zip(waiting, outs) if out is not None]
                rows = await self._done_together(tx, taken, at)
            return len(taken), rows
        except Exception:
            log.warning("%d events could not be answered early; they wait for their window", len(waiting),
                        exc_info=True)
            return 0, []

    async def _done_together(self, tx: Any, applied: list[tuple[tuple[dict, dict], list[dict]]],
                             at: datetime) -> list[Any]:
        """Mark applied events done and queue their replies, claimed; the reply rows."""
        if not applied:
            return []
        ids = [row["id"] for (row, _), _ in applied]
        marked = await execute(tx, "UPDATE inbound_events SET status = 'done', processed_at = ?"
                                   f" WHERE status = 'pending' AND id IN ({', '.join('?' * len(ids))})", at, *ids)
        if marked != len(ids):
            raise RuntimeError("another applier took part of the run")
        messages, stamps = [], []
        for (row, event), out in applied:
            if out and event.get("replyToken"):
                messages.append(_reply_of(event, out))
                stamps.append(stamped_at(int(row["stamp_ms"])))
        return await outbox.enqueue_claimed_many(messages, self.reply_worker, now=at, created_at=stamps)

    async def drain(self, limit: int | None = None) -> tuple[int, int | None]:
        """Apply the events due now, in stamp order, in one transaction. Returns (events handled,
        when the next pending event is due in ms or None)."""
        conn = connections.get("default")
        current = now_ms()
        lows = [self.in_flight.low() if self.in_flight else None,
                await self.intake.others_low(conn) if self.intake else None]
        low = min((x for x in lows if x is not None), default=None)
        held = current + 1 if low is None else low
        batch = limit or self.batch
        rows = await fetch(conn, _DUE, current, held, batch)
        waiting = []  # not due yet, and looked at for an early answer
        if self.early and len(rows) < batch and time.monotonic() - self._early_at >= EARLY_EVERY_S:
            self._early_at = time.monotonic()
            waiting = await self.early.waiting(conn, current, held, batch - len(rows))
        if not rows and not waiting:
            nxt = (await fetch(conn, _NEXT_DUE))[0]["due"]
            return 0, None if nxt is None else int(nxt)
        events = [json.loads(row["payload"]) for row in rows]
        waiting_events = [json.loads(row["payload"]) for row in waiting]
        prepared = await self.prepare(events + waiting_events) if self.prepare else None
        replies: list[int] = []
        failures: list[tuple[int, str]] = []
        at = utcnow()
        async with in_transaction() as tx:
            if not await leases.fence(tx, LEASE, self.worker_id, now_ms=current, ttl_ms=LEASE_TTL_MS):
                self.holding = False
                return 0, None
            todo = []
            for row, event in zip(rows, events):
                stamp = int(row["stamp_ms"])
                received = row["received_at"]
                if isinstance(received, str):  # SQLite hands raw results back as text
                    received = datetime.fromisoformat(received)
                if received.timestamp() * 1000 - stamp > REPLAY_LIMIT_MS:
                    log.warning("event %s refused: stamped %s, long before it arrived", event.get("webhookEventId"),
                                stamped_at(stamp).isoformat())
                    await execute(tx, _DONE, "refused", at, row["id"])
                    continue
                todo.append((row, event))
            applied, together = await self._apply_together(tx, todo, prepared, at)
            replies += together
            for row, event in todo[applied:]:
                stamp = int(row["stamp_ms"])
                try:
                    async with in_transaction():  # a savepoint: this event alone rolls back
                        if not await execute(tx, _DONE, "done", at, row["id"]):
                            continue  # applied by another worker or process
                        messages = await self.apply(event, prepared, stamped_at(stamp))
                        if messages and event.get("replyToken"):
                            replies.append(await outbox.enqueue_claimed(
                                _reply_of(event, messages), self.reply_worker, now=at, created_at=stamped_at(stamp)))
                except Exception as exc:
                    log.exception("applying event %s failed", event.get("webhookEventId"))
                    failures.append((row["id"], repr(exc)[:500]))
            for row_id, error in failures:
                await execute(tx, _FAILED, error, now_ms() + 1000, MAX_ATTEMPTS, row_id)
            answered_early = 0
            if waiting:  # after the due ones: what they did (a cancel, a restock) counts
                answered_early, together = await self._apply_early(tx, list(zip(waiting, waiting_events)), prepared, at)
                replies += together
        if replies:
            self.on_replies(replies)
        self.on_applied()
        nxt = (await fetch(conn, _NEXT_DUE))[0]["due"]
        return len(rows) + answered_early, None if nxt is None else int(nxt)
