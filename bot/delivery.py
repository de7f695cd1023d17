"""Delivering the outbox to LINE after commit: replies (free) and pushes (billed).

Pushes carry ``X-Line-Retry-Key`` from the first attempt, so a retry after a timeout
or a crash is deduplicated by LINE; replies never carry it. Retryable failures (429,
5xx, timeouts, LINE down) wait with backoff and try again; nothing is dropped.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from commerce import outbox
from commerce.campaigns import campaign_detail
from commerce.db import utcnow
from commerce.errors import NotFound
from commerce.models import CampaignGroup, LineGroup, Member, Notification
from commerce.reports import pick_list

from bot.line_api import LinePermanent, LineRetryable

log = logging.getLogger(__name__)
BACKOFF_S = (1, 2, 5, 15, 30, 60, 120, 300)
REPLY_TOKEN_LIFE_S = 60
IN_FLIGHT = 64


class Sender(Protocol):
    async def reply(self, reply_token: str, messages: list[dict]) -> list[str]: ...
    async def push(self, to: str, messages: list[dict], *, retry_key: str) -> list[str]: ...


Renderer = Callable[[str, dict, str], Any]  # (template, params, locale) -> messages (sync or async)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    delay = BACKOFF_S[min(attempts, len(BACKOFF_S) - 1)]
    return max(delay, retry_after or 0)


async def render(note: Notification, locale: str, tz: ZoneInfo) -> list[dict]:
    """The messages of a notification, rendered in the shop's locale."""
    from bot.messages import render_notification

    params = dict(note.params)
    campaign = None
    if "campaign_id" in params:
        try:
            campaign = await campaign_detail(params["campaign_id"])
        except NotFound:
            campaign = None
        if note.template == "pick_list":
            params["pick_list"] = await pick_list(params["campaign_id"])
    return render_notification(note.template, params, locale, campaign=campaign, tz=tz)


class Delivery:
    """One delivery worker. ``worker_id`` must be unique per process and task."""

    def __init__(self, sender: Sender, *, worker_id: str, locale: str, tz: ZoneInfo = ZoneInfo("Asia/Taipei"),
                 clock: Callable[[], datetime] = utcnow, poll_s: float = 1.0) -> None:
        self.tz = tz
        self.sender = sender
        self.worker_id = worker_id
        self.locale = locale
        self.clock = clock
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._sending: set[asyncio.Task] = set()
        # LINE allows 2,000 requests/s per channel; 64 in flight stays well inside it.
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery")

    async def stop(self) -> None:
        for task in list(self._sending):
            task.cancel()
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                done = await self.drain()
            except Exception:
                log.exception("delivery failed; retrying")
                done = 0
            if not done:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                except asyncio.TimeoutError:
                    pass

    def send_claimed(self, notes: list[Notification]) -> None:
        """Send notifications this worker already holds (the replies of a batch just
        committed) at once, from the rows handed over: no read, so a database that stops
        right after the commit does not hold the replies back while their tokens lapse."""
        task = asyncio.create_task(self._send_claimed(notes))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_claimed(self, notes: list[Notification]) -> None:
        try:
            await asyncio.gather(*[self._deliver_limited(n) for n in notes])
        except Exception:
            log.exception("sending replies failed; the outbox retries them")

    async def _deliver_limited(self, note: Notification) -> None:
        async with self._in_flight:
            await self.deliver(note)

    async def drain(self, limit: int = 50) -> int:
        """Send what is due; return how many notifications were handled."""
        notes = await outbox.claim_due(self.worker_id, now=self.clock(), limit=limit)
        if not notes:
            return 0
        await asyncio.gather(*[self._deliver_limited(n) for n in notes])
        return len(notes)

    async def deliver(self, note: Notification) -> None:
        now = self.clock()
        try:
            if note.channel == "reply":
                raw = note.params["messages"]
                # "_announces": this message is a campaign's announcement (a host's 開團 is
                # announced by the free reply); remember its id so quotes find the campaign.
                ids = await self.sender.reply(
                    note.reply_token, [{k: v for k, v in m.items() if not k.startswith("_")} for m in raw]
                )
                # Sent: record it even if the database is down for a while, or another worker
                # would send it again when the lease lapses (and find the token used).
                await self._persist(lambda: outbox.mark_sent(note.id, self.worker_id, ids, now=self.clock()))
                for message, sent_id in zip(raw, ids):
                    if message.get("_announces"):
                        await self._remember_announcement(note.recipient, message["_announces"], sent_id)
                return
            messages = await render(note, self.locale, self.tz)
            ids: list[str] = []
            for i in range(0, len(messages), 5):
                # One retry key per chunk, derived from the row's, so a retry repeats each exactly.
                key = str(uuid.uuid5(note.retry_key, str(i)) if i else note.retry_key)
                ids += await self.sender.push(note.recipient, messages[i:i + 5], retry_key=key)
            billed = await self._billed(note) * max(1, (len(messages) + 4) // 5)
            await outbox.mark_sent(note.id, self.worker_id, ids, now=self.clock(), billed=billed)
            if note.template == "campaign_announcement" and ids and note.campaign_id:
                await self._remember_announcement(note.recipient, note.campaign_id, ids[0])
        except LineRetryable as err:
            if note.channel == "reply" and self._token_lapsed(note, now):
                await self._reply_lost(note, f"reply token expired: {err}", now)
                return
            delay = backoff(note.attempts, err.retry_after)
            if note.channel == "reply":  # never past the token's life: then the buyer is told otherwise
                left = REPLY_TOKEN_LIFE_S - (now - note.created_at).total_seconds()
                delay = max(0.5, min(delay, left))
            log.warning("LINE busy or down (%s); notification %s again in %ss", err, note.id, delay)
            await outbox.mark_retry(note.id, self.worker_id, str(err), now=now, delay_s=delay)
        except LinePermanent as err:
            log.error("LINE refused notification %s: %s", note.id, err)
            if note.channel == "reply":  # an invalid (used or lapsed) reply token
                await self._reply_lost(note, str(err), now)
                return
            await outbox.mark_failed(note.id, self.worker_id, str(err), now=now)

    @staticmethod
    def _token_lapsed(note: Notification, now: datetime) -> bool:
        return (now - note.created_at).total_seconds() > REPLY_TOKEN_LIFE_S

    async def _reply_lost(self, note: Notification, error: str, now: datetime) -> None:
        """The buyer must still learn what the bot answered: a 1:1 push if they added the
        bot, else the reply is listed for staff (``outbox.untold``)."""
        user_id = (note.params or {}).get("user_id")
        follows = bool(user_id) and await Member.exists(line_user_id=user_id, follows=True)
        if await outbox.reply_lost(note, self.worker_id, error, now=now, follows=follows):
            self.wake()

    async def _persist(self, write: Callable[[], Any], *, give_up_s: float = 300) -> None:
        """A write that records what LINE already did, retried while the database is away."""
        delay, waited = 0.2, 0.0
        while True:
            try:
                await write()
                return
            except Exception:
                if waited >= give_up_s:
                    raise
                log.warning("database unavailable; recording a sent message again in %.1fs", delay)
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 5)

    async def _billed(self, note: Notification) -> int:
        if note.recipient_kind != "group":
            return 1
        group = await LineGroup.get_or_none(line_group_id=note.recipient)
        return (group.member_count or 1) if group else 1

    async def _remember_announcement(self, group_line_id: str, campaign_id: int, message_id: str) -> None:
        """So that a buyer quoting the announcement picks its campaign."""
        group = await LineGroup.get_or_none(line_group_id=group_line_id)
        if group:
            await CampaignGroup.filter(campaign_id=campaign_id, group_id=group.id).update(
                announce_message_id=message_id
            )
