"""The scheduled jobs: plain async functions of the current time, safe to run at any moment,
as often as you like, in as many processes as you like (each claims its work in the database:
see commerce.reminders). Tests call them with any ``now``; `scheduler.runner` runs them.

Each job returns how many pushes it queued (housekeeping: how many rows it deleted) and logs
it; delivery sends the pushes after commit (bot.delivery), so LINE being down only delays them.

The daily jobs (unpaid, pickup, reconciliation) run on every tick from their time of day
until the end of the shop's day, and do nothing before it: the first run that day queues the
messages, later runs (or another process, or a restart after a crash) find them queued and
queue only what is missing. A cron trigger would fire once, and a process that was down or
failed at that minute would skip the day.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from commerce import housekeeping, reminders
from commerce.outbox import Message

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY_S = 3600.0


def _used(job: str, pushes: list[Message], done: str = "") -> int:
    """Log the pushes a run used (a group push is billed once per member of the group)."""
    if pushes or done:
        groups = sum(1 for m in pushes if m.recipient_kind == "group")
        log.info("%s: %s%d push(es) queued, %d of them to groups", job, f"{done}; " if done else "",
                 len(pushes), groups)
    return len(pushes)


def due_day(now: datetime, at: time | None, tz: ZoneInfo) -> date | None:
    """The shop day a daily job at ``at`` should work for at ``now``: today once ``at`` has
    passed in the shop's zone, else None (also when the job is off, ``at`` None)."""
    if at is None:
        return None
    local = now.astimezone(tz)
    return local.date() if local.time() >= at else None


async def close_due(now: datetime, *, in_flight: timedelta = timedelta(0), close_notice: str = "off") -> int:
    """Close campaigns past their deadline: pick list to the host, "已結單" to each group (by
    push with ``close_notice="push"``, else by reply to the group's next message, free).
    The scheduler passes ``in_flight`` (``reminders.IN_FLIGHT``): "+1"s stamped before the
    deadline that are still on their way are booked first."""
    closed = await reminders.close_due(now, in_flight=in_flight, push_to_groups=close_notice == "push")
    done = f"closed {len(closed.campaign_ids)} campaign(s)" if closed.campaign_ids else ""
    return _used("close_due", closed.pushes, done)


async def closing_soon(now: datetime) -> int:
    """The "closing in an hour" push to groups (registered only when the shop turns it on)."""
    return _used("closing_soon", await reminders.closing_soon(now))


async def low_stock(now: datetime) -> int:
    return _used("low_stock", await reminders.low_stock_alerts(now))


async def remind_unpaid(now: datetime, *, at: time | None = time(20, 0), tz: ZoneInfo = ZoneInfo("Asia/Taipei")) -> int:
    day = due_day(now, at, tz)
    if day is None:
        return 0
    due_at = datetime.combine(day, at, tz)  # what was due then; later changes wait for tomorrow
    return _used("remind_unpaid", await reminders.unpaid_reminders(now, day=day, due_at=due_at))


async def remind_pickup(now: datetime, *, at: time | None = time(10, 0), tz: ZoneInfo = ZoneInfo("Asia/Taipei")) -> int:
    day = due_day(now, at, tz)
    if day is None:
        return 0
    return _used("remind_pickup", await reminders.pickup_reminders(now, day=day))


async def reconcile(now: datetime, *, at: time | None = time(21, 0), tz: ZoneInfo = ZoneInfo("Asia/Taipei")) -> int:
    day = due_day(now, at, tz)
    if day is None:
        return 0
    return _used("reconcile", await reminders.reconciliations(now, day=day, tz=tz))


async def tidy(now: datetime) -> int:
    """Expire idempotency keys (24 h) and applied webhook events (7 days)."""
    deleted = await housekeeping.tidy(now)
    if any(deleted.values()):
        log.info("housekeeping: deleted %s", ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in deleted.items()))
    return sum(deleted.values())


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], Awaitable[int]]
    every_s: float


def plan(*, tz: ZoneInfo, tick_s: float = 60.0, closing_soon_push: bool = False,
         unpaid_at: time | None = time(20, 0), pickup_at: time | None = time(10, 0),
         reconciliation_at: time | None = time(21, 0), close_notice: str = "off") -> list[Job]:
    """The jobs a server runs, and how often.

    The outbox needs no job: the bot's delivery worker polls it every second and the runner
    wakes it after a job queued something. Print retries stay with the app's own loop
    (plusone.app), which also runs with the scheduler off, so a counter never loses receipts.
    """
    jobs = [Job("close_due", partial(close_due, in_flight=reminders.IN_FLIGHT, close_notice=close_notice), tick_s),
            Job("low_stock", low_stock, tick_s)]
    if closing_soon_push:
        jobs.append(Job("closing_soon", closing_soon, tick_s))
    for name, fn, at in (("remind_unpaid", remind_unpaid, unpaid_at), ("remind_pickup", remind_pickup, pickup_at),
                         ("reconcile", reconcile, reconciliation_at)):
        if at is not None:
            jobs.append(Job(name, partial(fn, at=at, tz=tz), tick_s))
    jobs.append(Job("housekeeping", tidy, max(tick_s, HOUSEKEEPING_EVERY_S)))
    return jobs
