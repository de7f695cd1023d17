"""The durable inbound queue: webhook events are stored before the webhook answers 200
and applied exactly once by a worker.

Exactly once: ``event_id`` is unique, so a redelivery stores nothing; and an event is
applied in one transaction that also flips its row from pending to done, so a crash
before commit leaves it pending (applied after restart) and a crash after commit
leaves it done (never applied twice). The reply is queued in the outbox in that same
transaction and sent after commit.
"""
from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from commerce import outbox
from commerce.db import execute, fetch, utcnow
from commerce.models import InboundEvent

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

_INSERT = (
    "INSERT INTO inbound_events (event_id, payload, partition, status, attempts, last_error, received_at)"
    " VALUES (?, ?, ?, 'pending', 0, '', ?) ON CONFLICT (event_id) DO NOTHING"
)


class InvalidWebhook(ValueError):
    pass


def partition_of(event: dict[str, Any], partitions: int) -> int:
    """Events of one person land in one partition and are applied in order (their "+1" then
    their "-1"); different buyers of one group are applied in parallel partitions."""
    source = event.get("source") or {}
    key = source.get("userId") or source.get("groupId") or source.get("roomId") or ""
    return zlib.crc32(key.encode()) % partitions


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


async def store(events: Sequence[dict[str, Any]], *, partitions: int, now: datetime) -> int:
    """Durably store events (one transaction); a redelivered event id is ignored.
    Returns how many were new."""
    if not events:
        return 0
    new = 0
    async with in_transaction() as conn:
        for event in events:
            new += await execute(
                conn, _INSERT, event["webhookEventId"], json.dumps(event, ensure_ascii=False),
                partition_of(event, partitions), now,
            )
    return new


# Apply one event inside the caller's transaction; return the reply messages (may be []).
# It gets what ``prepare`` fetched before the transaction (LINE is never awaited inside one).
Applier = Callable[[dict[str, Any], Any], Any]
Preparer = Callable[[dict[str, Any]], Any]


class InboundWorker:
    """Applies pending events, one partition per task, in arrival order within a chat."""

    def __init__(self, apply: Applier, *, prepare: Preparer | None = None, partitions: int = 1,
                 on_applied: Callable[[], None] | None = None, poll_s: float = 1.0) -> None:
        self.apply = apply
        self.prepare = prepare
        self.partitions = partitions
        self.on_applied = on_applied or (lambda: None)
        self.poll_s = poll_s
        self._wake = [asyncio.Event() for _ in range(partitions)]
        self._tasks: list[asyncio.Task] = []

    def wake(self) -> None:
        for event in self._wake:
            event.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(p), name=f"inbound-{p}") for p in range(self.partitions)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self, partition: int) -> None:
        while True:
            try:
                done = await self.drain(partition)
            except Exception:
                log.exception("inbound partition %s failed; retrying", partition)
                done = 0
            if not done:
                self._wake[partition].clear()
                try:
                    await asyncio.wait_for(self._wake[partition].wait(), self.poll_s)
                except asyncio.TimeoutError:
                    pass

    async def drain(self, partition: int | None = None, limit: int = 100) -> int:
        """Apply up to ``limit`` pending events (of one partition, or all); return how many."""
        sql = "SELECT id, payload, attempts FROM inbound_events WHERE status = 'pending'"
        args: list[Any] = []
        if partition is not None:
            sql += " AND partition = ?"
            args.append(partition)
        rows = await fetch(connections.get("default"), sql + " ORDER BY id LIMIT ?", *args, limit)
        applied = 0
        for row in rows:
            if await self.apply_one(row["id"], row["payload"]):
                applied += 1
        if applied:
            self.on_applied()
        return len(rows)

    async def apply_one(self, row_id: int, payload: str) -> bool:
        event = json.loads(payload)
        try:
            prepared = await self.prepare(event) if self.prepare else None
            async with in_transaction() as conn:
                won = await execute(
                    conn, "UPDATE inbound_events SET status = 'done', processed_at = ? WHERE id = ? AND status = 'pending'",
                    utcnow(), row_id,
                )
                if not won:
                    return False  # applied by another worker or process
                messages = await self.apply(event, prepared)
                token = event.get("replyToken")
                if messages and token:
                    source = event.get("source") or {}
                    await outbox.enqueue(outbox.Message(
                        channel="reply", reply_token=token, recipient_kind="reply",
                        recipient=source.get("groupId") or source.get("userId") or "",
                        template="reply", params={"messages": messages[:5]},
                    ))
            return True
        except Exception as exc:
            log.exception("applying event %s failed", event.get("webhookEventId"))
            await InboundEvent.filter(id=row_id, status="pending").update(last_error=repr(exc)[:500])
            attempts = await _bump(row_id)
            if attempts >= MAX_ATTEMPTS:
                await InboundEvent.filter(id=row_id, status="pending").update(status="failed")
            return False


async def _bump(row_id: int) -> int:
    from tortoise.expressions import F

    await InboundEvent.filter(id=row_id).update(attempts=F("attempts") + 1)
    return (await InboundEvent.get(id=row_id)).attempts
