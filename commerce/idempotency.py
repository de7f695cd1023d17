"""Idempotency keys: a write retried with the same key is recorded once and answered
the same way every time."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from commerce.errors import DomainError
from commerce.models import IdempotencyKey

IN_FLIGHT_TIMEOUT = timedelta(minutes=2)


class KeyInUse(DomainError):
    code = "idempotency_conflict"


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def begin(scope: str, key: str, digest: str, *, now: datetime) -> Replay | None:
    """Claim ``key`` for a request. Returns the stored answer when the key has one;
    None when the caller should do the work (then call ``finish`` or ``abandon``).
    Raises KeyInUse when the key is in flight or was used for a different request."""
    if not key or len(key) > 200:
        raise KeyInUse("Idempotency-Key must be 1–200 characters", field="Idempotency-Key")
    try:
        async with in_transaction():
            await IdempotencyKey.create(scope=scope, key=key, request_hash=digest, created_at=now)
        return None
    except IntegrityError:
        pass
    row = await IdempotencyKey.get(scope=scope, key=key)
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


async def finish(scope: str, key: str, status: int, body: Any) -> None:
    await IdempotencyKey.filter(scope=scope, key=key, status__isnull=True).update(status=status, response=body)


async def abandon(scope: str, key: str) -> None:
    await IdempotencyKey.filter(scope=scope, key=key, status__isnull=True).delete()


async def expire(before: datetime) -> int:
    return await IdempotencyKey.filter(created_at__lt=before).delete()
