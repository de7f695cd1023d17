"""The thin layer that runs `scheduler.jobs` on APScheduler's AsyncIOScheduler.

Start it inside the running loop, after the database is initialised (the ORM context must
exist before any job runs), and stop it before the database closes. Every job runs once at
start (catching up after a restart) and then every `Job.every_s` seconds; a job never
overlaps itself in one process, and a run that raises is logged and simply runs again at the
next tick. Nothing here decides what is sent: the jobs claim their work in the database, so
several processes may run the same schedule.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from commerce.db import utcnow
from scheduler.jobs import Job

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, jobs: Sequence[Job], *, tz: ZoneInfo, clock: Callable[[], datetime] = utcnow,
                 on_queued: Callable[[], None] | None = None) -> None:
        self.jobs = list(jobs)
        self.tz = tz
        self.clock = clock
        self.on_queued = on_queued
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task] = set()
        self._stopping = False

    def start(self) -> None:
        # APScheduler logs every job it adds and runs, and warns when a run is skipped because
        # the previous one is still going (expected: a job never overlaps itself). The jobs log
        # what they did instead.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        self._stopping = False
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=self.tz)
        first = datetime.now(self.tz)
        for job in self.jobs:
            scheduler.add_job(self._run, IntervalTrigger(seconds=job.every_s, timezone=self.tz), args=[job],
                              id=job.name, name=job.name, next_run_time=first, coalesce=True, max_instances=1,
                              misfire_grace_time=None)
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler: %s", ", ".join(f"{j.name} every {j.every_s:g}s" for j in self.jobs))

    async def stop(self) -> None:
        """Stop scheduling and cancel runs in progress (each step of a job is its own
        transaction: what a cancelled run queued stays queued, the next start does the rest)."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        running = list(self._running)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            queued = await job.run(self.clock())
        except asyncio.CancelledError:
            if self._stopping:
                return
            raise
        except Exception:  # the next tick runs it again; what it queued before failing stays queued once
            log.exception("scheduled job %s failed", job.name)
            return
        finally:
            if task is not None:
                self._running.discard(task)
        if queued and self.on_queued is not None:
            self.on_queued()
