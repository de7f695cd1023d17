"""What is on its way into the inbound queue: webhook requests parsed but not yet stored.

Under load, a request can wait for the database longer than the reorder window; the applier
must not book a later-stamped "+1" meanwhile. ``InFlight`` holds this process's such requests;
``Intake`` shares them with the other processes of one PostgreSQL database (``inbound_intake``).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from tortoise import connections

from commerce.db import execute, fetch
from commerce.leased_queue import Worker

log = logging.getLogger(__name__)


class InFlight:
    """Stamps of events this process has received but not yet stored (their request is parsed
    and waiting for the database). Under load that wait can outlast the reorder window, so the
    applier also holds back every event stamped after the earliest of these (and, on a shared
    PostgreSQL, after the earliest other processes publish: ``Intake``)."""

    STALE_MS = 2000  # a request stuck longer than this no longer holds the others back

    def __init__(self) -> None:
        self._open: dict[int, tuple[int, int]] = {}  # token -> (earliest stamp, registered at)
        self._next = 0
        self.on_open: Callable[[], None] | None = None  # called when the first request opens

    def add(self, stamps: Sequence[int]) -> int:
        self._next += 1
        if not self._open and self.on_open is not None:
            self.on_open()
        self._open[self._next] = (min(stamps), now_ms())
        return self._next

    def done(self, token: int) -> None:
        self._open.pop(token, None)

    def low(self) -> int | None:
        """The earliest stamp still on its way into the database, or None."""
        cutoff = now_ms() - self.STALE_MS
        live = [stamp for stamp, at in self._open.values() if at >= cutoff]
        return min(live) if live else None


class Intake:
    """This process's ``InFlight`` shared with the other processes of one PostgreSQL database,
    and theirs read back: webhooks reach every process, one applies (``inbound_intake``).

    While requests are open, their earliest stamp is published every ``PUBLISH_S`` when it
    changed (a request stored within that time costs no write) and renewed every
    ``RENEW_MS``; the applier holds back events stamped at or after the earliest one another
    process published and renewed within ``InFlight.STALE_MS`` (a process that died holds
    nothing back). What it leaves out: a request another process has read but not parsed,
    and, for up to ``PUBLISH_S``, one it has just parsed; the reorder window covers both."""

    PUBLISH_S = 0.02
    RENEW_MS = 500

    def __init__(self, in_flight: InFlight, process: str) -> None:
        self.in_flight = in_flight
        self.process = process
        self._published: int | None = None
        self._renewed_ms = 0
        self._worker = Worker(self._step, name="inbound intake", poll_s=60)
        in_flight.on_open = self._opened

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
        self.in_flight.on_open = None
        if self._published is None:
            return
        try:
            await self._publish(None, now_ms())
        except Exception:  # its renewals stop: it holds nothing back once they are stale
            log.warning("could not clear this process's intake mark", exc_info=True)

    def _opened(self) -> None:
        asyncio.get_running_loop().call_later(self.PUBLISH_S, self._worker.wake)

    async def _step(self) -> float | None:
        low, now = self.in_flight.low(), now_ms()
        if low != self._published or (low is not None and now - self._renewed_ms >= self.RENEW_MS):
            await self._publish(low, now)
        return self.PUBLISH_S if low is not None else None

    async def _publish(self, low: int | None, now: int) -> None:
        await execute(connections.get("default"), _MARK, self.process, low, now)
        self._published, self._renewed_ms = low, now

    async def others_low(self, conn: Any) -> int | None:
        """The earliest stamp other live processes still have on its way into the database."""
        rows = await fetch(conn, _OTHERS_LOW, now_ms() - InFlight.STALE_MS, self.process)
        return None if rows[0]["low"] is None else int(rows[0]["low"])


_MARK = ("INSERT INTO inbound_intake (process, open_since_ms, beat_ms) VALUES (?, ?, ?)"
         " ON CONFLICT (process) DO UPDATE SET open_since_ms = excluded.open_since_ms, beat_ms = excluded.beat_ms")
_OTHERS_LOW = ("SELECT MIN(open_since_ms) AS low FROM inbound_intake WHERE open_since_ms IS NOT NULL"
               " AND beat_ms >= ? AND process <> ?")


def now_ms() -> int:
    return int(time.time() * 1000)
