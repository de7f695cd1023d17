"""Forgetting what is no longer needed: answered idempotency keys and applied webhook events.

Deleting is safe to repeat and to run in several processes at once.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from commerce import idempotency, sessions
from commerce.models import InboundEvent
from commerce.states import InboundStatus

IDEMPOTENCY_KEYS_KEPT = timedelta(hours=24)
# LINE redelivers within hours; a week keeps every redelivery a no-op with room to spare.
INBOUND_EVENTS_KEPT = timedelta(days=7)


async def expire_inbound_events(before: datetime) -> int:
    """Delete applied webhook events processed before ``before``; pending or failed ones stay."""
    return await InboundEvent.filter(status=InboundStatus.DONE, processed_at__lt=before).delete()


async def tidy(now: datetime) -> dict[str, int]:
    """Expire idempotency keys older than 24 h, applied events older than 7 days, ended sessions."""
    now = now.astimezone(timezone.utc)  # SQLite compares stored times as text, all in UTC
    return {
        "idempotency_keys": await idempotency.expire(now - IDEMPOTENCY_KEYS_KEPT),
        "inbound_events": await expire_inbound_events(now - INBOUND_EVENTS_KEPT),
        "staff_sessions": await sessions.purge(now),
    }
