"""Leased queues: rows of work that one worker at a time holds, and the loop that drains them.

A row is claimed by a conditional update that sets ``claimed_by`` and a lease (``claimed_until``).
Only a row still to do (its status is the queue's ``todo``) with no lease, or a lapsed one, can
be claimed: two workers or processes never both hold it, and the row of a worker that died is
taken over once its lease lapses. Every outcome (finished, or tried again after a backoff) is
written only under the worker's own claim (``mine``), so a worker that lost its lease changes
nothing. Each step is one statement: no transaction stays open while the work is done.
The outbox and the print queue are such queues; the inbound events share only the loop (one
fenced holder of a named lease, ``commerce.leases``, applies them in LINE's order).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeasedQueue:
    model: type[Model]  # with status, attempts, last_error, next_attempt_at, claimed_by, claimed_until
    todo: str  # the status of a row still to do
    backoff_s: tuple[float, ...]  # seconds before the next try after the 1st, 2nd, … failure

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """The wait after ``attempts`` failed tries (the last step repeats), at least ``retry_after``."""
        return max(self.backoff_s[min(attempts, len(self.backoff_s) - 1)], retry_after or 0)

    @staticmethod
    def lease(worker: str, now: datetime, lease_s: float) -> dict[str, Any]:
        """The fields of a claim, also for a row created already claimed (no claim round trip)."""
        return {"claimed_by": worker, "claimed_until": now + timedelta(seconds=lease_s)}

    async def due(self, now: datetime, limit: int) -> list[int]:
        """Ids of up to ``limit`` unclaimed rows due at ``now``, oldest first."""
        return await (self.model.filter(_free(now), status=self.todo, next_attempt_at__lte=now)
                      .order_by("id").limit(limit).values_list("id", flat=True))

    async def claim(self, row_id: int, worker: str, *, now: datetime, lease_s: float) -> bool:
        """Claim one row, due or not, unless another worker holds it; True when ``worker`` won it."""
        return bool(await self.model.filter(_free(now), id=row_id, status=self.todo)
                    .update(**self.lease(worker, now, lease_s)))

    async def claim_due(self, worker: str, *, now: datetime, limit: int, lease_s: float) -> list[int]:
        """Claim up to ``limit`` due rows; the ids ``worker`` won, oldest first."""
        return [i for i in await self.due(now, limit) if await self.claim(i, worker, now=now, lease_s=lease_s)]

    def mine(self, worker: str, **where: Any) -> QuerySet:
        """The rows still to do that ``worker`` holds (or held: a lapsed lease not yet taken over)."""
        return self.model.filter(claimed_by=worker, status=self.todo, **where)

    async def finish(self, row_id: int, worker: str, status: str, *, error: str | None = None,
                     **fields: Any) -> bool:
        """Leave the queue as ``status`` (done or failed for good); False when ``worker`` lost the row."""
        if error is not None:
            fields["last_error"] = error[:500]
        return bool(await self.mine(worker, id=row_id).update(status=status, claimed_until=None, **fields))

    async def retry(self, row_id: int, worker: str, error: str, *, now: datetime, delay_s: float,
                    **fields: Any) -> bool:
        """Count a failed try and let any worker try again in ``delay_s``; False when ``worker`` lost the row."""
        return bool(await self.mine(worker, id=row_id).update(
            attempts=F("attempts") + 1, last_error=error[:500], next_attempt_at=now + timedelta(seconds=delay_s),
            claimed_until=None, **fields))


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


Step = Callable[[], Awaitable[float | None]]


class Worker:
    """One task calling ``step`` until stopped. After each step it waits what the step returned:
    0 goes on at once, seconds sleep, None (nothing due) waits until woken or ``poll_s``. A step
    that raises is logged and waits as None. ``first_s``: the wait before the first step."""

    def __init__(self, step: Step, *, name: str, poll_s: float, first_s: float = 0) -> None:
        self.step = step
        self.name = name
        self.poll_s = poll_s
        self.first_s = first_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._busy = False  # in a step, not waiting

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace_s: float = 0) -> None:
        """Cancel the task. With ``grace_s``, a step under way may end first, within that time (one
        cut off inside a transaction can leave the SQLite connection's lock taken); a wait is cut."""
        if not self._task:
            return
        self._stopping = True
        if grace_s and self._busy:
            await asyncio.wait({self._task}, timeout=grace_s)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        pause: float | None = self.first_s
        while not self._stopping:
            if pause is None:
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
            elif pause > 0:
                await asyncio.sleep(pause)
            self._busy = True
            try:
                pause = await self.step()
            except Exception:
                log.exception("%s failed; retrying", self.name)
                pause = None
            finally:
                self._busy = False
