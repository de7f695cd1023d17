"""Idempotency keys: a write retried with the same key is recorded once and answered
the same way every time.

``run_once`` is the way in: the key's row and the write's rows commit in one transaction,
so a crash leaves both or neither, and a retry after it either replays the answer or runs
the write for the first time. The unique (scope, key) constraint is the arbiter between
concurrent duplicates, in one process or several: the second one's insert waits until the
first one's transaction ends, then replays its answer.

Work that talks to a device commits only its job with the key and talks to the device
after the commit (see ``pickup_counter.api.after_write``). A key row without an answer is
only ever seen inside its own transaction; one left by an older version is taken over
after ``IN_FLIGHT_TIMEOUT``.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from commerce.errors import DomainError
from commerce.states import ErrorCode
from commerce.models import IdempotencyKey

IN_FLIGHT_TIMEOUT = timedelta(minutes=2)


class KeyInUse(DomainError):
    code = ErrorCode.IDEMPOTENCY_CONFLICT


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any


class Undo(Exception):
    """Raised by ``run_once``'s work: roll back everything it wrote, the key's row included,
    and answer ``answer`` all the same (a refusal or a failure that must not be replayed)."""

    def __init__(self, answer: Any) -> None:
        super().__init__("undone")
        self.answer = answer


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def begin(scope: str, key: str, digest: str, *, now: datetime) -> Replay | None:
    """Claim ``key`` for a request. Returns the stored answer when the key has one;
    None when the caller should do the work (then call ``finish`` or ``abandon``).
    Raises KeyInUse when the key is in flight or was used for a different request.

    Inside the caller's transaction (``run_once``) the claim is a savepoint: on PostgreSQL an
    insert that meets another transaction's uncommitted claim waits for it to end."""
    if not key or len(key) > 200:
        raise KeyInUse("Idempotency-Key must be 1–200 characters", field="Idempotency-Key")
    try:
        async with in_transaction():
            await IdempotencyKey.create(scope=scope, key=key, request_hash=digest, created_at=now)
        return None
    except IntegrityError:
        pass
    row = await IdempotencyKey.get_or_none(scope=scope, key=key)
    if row is None:  # its first request gave it up just now
        raise KeyInUse("the first request with this Idempotency-Key is still running", field="Idempotency-Key")
    if row.request_hash != digest:
        raise KeyInUse("this Idempotency-Key was used for a different request", field="Idempotency-Key")
    if row.status is None:
        if now - row.created_at > IN_FLIGHT_TIMEOUT:  # its first request died: take it over
            taken = await IdempotencyKey.filter(id=row.id, status__isnull=True, created_at=row.created_at).update(
                created_at=now
            )
            if taken:
                return None
        raise KeyInUse("the first request with this Idempotency-Key is still running", field="Idempotency-Key")
    return Replay(row.status, json.loads(row.response) if isinstance(row.response, str) else row.response)


async def run_once(
    scope: str, key: str, digest: str, work: Callable[[], Awaitable[tuple[Any, Replay | None]]], *, now: datetime
) -> tuple[Any, bool]:
    """Do ``work`` at most once for ``key``: ``(answer, replayed)``.

    ``work()`` returns ``(answer, record)``; it runs in one transaction with the key's claim,
    and ``record`` (the status and JSON body to replay) is stored in that same transaction.
    ``record`` None keeps work's writes but not the key; raising ``Undo`` rolls back both.
    A key already answered returns ``(Replay, True)`` without running ``work``. Raises
    KeyInUse (nothing written) for a key used for a different request; whatever ``work`` raises rolls everything back and propagates."""
    try:
        async with in_transaction():
            replay = await begin(scope, key, digest, now=now)
            if replay is not None:
                return replay, True
            answer, record = await work()
            if record is None:
                await abandon(scope, key)
            else:
                await finish(scope, key, record.status, record.body)
            return answer, False
    except Undo as undo:
        return undo.answer, False


async def finish(scope: str, key: str, status: int, body: Any) -> None:
    await IdempotencyKey.filter(scope=scope, key=key, status__isnull=True).update(status=status, response=body)


async def abandon(scope: str, key: str) -> None:
    await IdempotencyKey.filter(scope=scope, key=key, status__isnull=True).delete()


async def expire(before: datetime) -> int:
    return await IdempotencyKey.filter(created_at__lt=before).delete()
