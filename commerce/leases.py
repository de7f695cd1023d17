"""Named leases: one holder at a time across processes, taken over when it lapses.

A lease is one row whose holder and expiry change only by a conditional update, so two
processes never both hold it. ``fence`` renews it inside the caller's transaction: on
PostgreSQL the row lock it takes makes a second applier's transaction wait for the first to
commit, and then fail the condition, so work done under a lost lease is rolled back.
"""
from __future__ import annotations

from typing import Any

from commerce.db import execute

_TAKE = (
    "UPDATE leases SET holder = ?, expires_ms = ? WHERE name = ? AND (holder = ? OR expires_ms < ?)"
)
_CREATE = "INSERT INTO leases (name, holder, expires_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
_RELEASE = "UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?"


async def take(conn: Any, name: str, holder: str, *, now_ms: int, ttl_ms: int) -> bool:
    """Take or renew ``name`` for ``holder`` until ``now_ms + ttl_ms``; True when held."""
    if await execute(conn, _TAKE, holder, now_ms + ttl_ms, name, holder, now_ms):
        return True
    return bool(await execute(conn, _CREATE, name, holder, now_ms + ttl_ms))


async def fence(conn: Any, name: str, holder: str, *, now_ms: int, ttl_ms: int) -> bool:
    """Renew inside the caller's transaction; False means another holder has it (roll back)."""
    return bool(await execute(conn, _TAKE, holder, now_ms + ttl_ms, name, holder, now_ms))


async def release(conn: Any, name: str, holder: str) -> None:
    """Let a standby take over at once (a graceful stop)."""
    await execute(conn, _RELEASE, name, holder)
