"""Delivering the outbox to LINE after commit: replies (free) and pushes (billed).

Pushes carry ``X-Line-Retry-Key`` from the first attempt, so a retry after a timeout
or a crash is deduplicated by LINE; replies never carry it. Retryable failures (429,
5xx, timeouts, LINE down) wait with backoff and try again; nothing is dropped.

A push is billed as LINE bills it (``commerce.pushes``): once per recipient — a group's
member count, read from LINE — per call of up to 5 messages. Its cost is counted against the
month before it is sent; one that does not fit the budget, or that LINE refuses with "monthly
limit reached", is held for a manager, never retried on its own.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from commerce import outbox, pushes
from commerce.campaigns import campaign_detail
from commerce.db import utcnow
from commerce.errors import NotFound
from commerce.group_commit import GroupCommit
from commerce.leased_queue import Worker
from commerce.models import CampaignGroup, LineGroup, Notification
from commerce.reports import pick_list

from bot.line_api import LineApiError, LineMonthlyLimit, LinePermanent, LineRetryable

log = logging.getLogger(__name__)
REPLY_TOKEN_LIFE_S = 60
IN_FLIGHT = 64
TRIED_WAIT_S = 1.0  # the longest a reply waits for "tried" to be recorded before it goes anyway


class Sender(Protocol):
    async def reply(self, reply_token: str, messages: list[dict]) -> list[str]: ...
    async def push(self, to: str, messages: list[dict], *, retry_key: str) -> list[str]: ...
    # Optional (LINE's; the sandbox has neither): ``group_member_count(group_id) -> int | None``
    # and ``quota() -> bot.line_api.Quota``.


Renderer = Callable[[str, dict, str], Any]  # (template, params, locale) -> messages (sync or async)


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
                 clock: Callable[[], datetime] = utcnow, poll_s: float = 1.0,
                 push_budget: int | None = None) -> None:
        self.tz = tz
        self.push_budget = push_budget  # None: LINE's monthly quota
        self.sender = sender
        self.worker_id = worker_id
        self.locale = locale
        self.clock = clock
        self._worker = Worker(self._step, name="delivery", poll_s=poll_s)
        self._sending: set[asyncio.Task] = set()
        # Sent replies are recorded together: one transaction per round, not one each.
        self._sent: GroupCommit[tuple[int, list[str]], None] = GroupCommit(self._record_sent, name="replies-sent")

    def wake(self) -> None:
        self._worker.wake()

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        sending = list(self._sending)
        for task in sending:
            task.cancel()
        await asyncio.gather(*sending, return_exceptions=True)
        await self._worker.stop()

    async def _step(self) -> float | None:
        return 0 if await self.drain() else None

    def send_claimed(self, notes: list[Notification]) -> None:
        """Send notifications this worker already holds (the replies of a batch just
        committed) at once, from the rows handed over: no read, so a database that stops
        right after the commit does not hold the replies back while their tokens lapse."""
        task = asyncio.create_task(self._send_claimed(notes))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_claimed(self, notes: list[Notification]) -> None:
        try:
            await self._deliver_all(notes)
        except Exception:
            log.exception("sending replies failed; the outbox retries them")

    async def _deliver_all(self, notes: list[Notification]) -> None:
        """Deliver these in order, ``IN_FLIGHT`` lanes at once (the LINE client's pool of 64
        connections bounds all of them together: LINE allows 2,000 requests/s a channel). The
        replies among them are marked tried by one write first (not one each): a flash sale's
        batch is a hundred replies. Lanes, not a task per note behind a semaphore: Python 3.11's
        semaphore scans all its waiters on every acquire, quadratic in a backlog of replies."""
        now = self.clock()
        replies = [n for n in notes if n.channel == "reply" and n.tried_at is None and not self._token_lapsed(n, now)]
        if replies:
            await self._mark_tried(replies, now)
        marked = {id(n) for n in replies}
        queue = iter(notes)

        async def lane() -> None:
            for note in queue:
                try:
                    await self.deliver(note, tried_marked=id(note) in marked)
                except Exception:  # the outbox sends it again once its claim lapses
                    log.exception("delivering notification %s failed", note.id)

        await asyncio.gather(*[lane() for _ in range(min(IN_FLIGHT, len(notes)))])

    async def drain(self, limit: int = 50) -> int:
        """Send what is due; return how many notifications were handled."""
        notes = await outbox.claim_due(self.worker_id, now=self.clock(), limit=limit)
        if not notes:
            return 0
        await self._deliver_all(notes)
        return len(notes)

    async def deliver(self, note: Notification, *, tried_marked: bool = False) -> None:
        """Send one notification. ``tried_marked``: a reply already recorded as handed to
        LINE by this attempt (``_deliver_all``)."""
        now = self.clock()
        if note.channel == "reply":
            await self._deliver_reply(note, now, tried_marked=tried_marked)
        else:
            await self._deliver_push(note, now)

    async def _deliver_reply(self, note: Notification, now: datetime, *, tried_marked: bool) -> None:
        tried_before = note.tried_at is not None
        if self._token_lapsed(note, now) and not tried_before:  # LINE would refuse it: do not ask
            await self._reply_lost(note, "reply token expired before it could be sent", now)
            return
        raw = note.params["messages"]
        try:
            if not tried_marked:
                await self._mark_tried([note], now)
            # "_announces": this message is a campaign's announcement (a host's 開團 is
            # announced by the free reply); remember its id so quotes find the campaign.
            ids = await self.sender.reply(
                note.reply_token, [{k: v for k, v in m.items() if not k.startswith("_")} for m in raw]
            )
        except LineRetryable as err:
            if self._token_lapsed(note, now):
                await self._reply_lost(note, f"reply token expired: {err}", now)
                return
            delay = outbox.QUEUE.backoff(note.attempts, err.retry_after)
            # never past the token's life: then the buyer is told otherwise
            left = REPLY_TOKEN_LIFE_S - (now - note.created_at).total_seconds()
            delay = max(0.5, min(delay, left))
            log.warning("LINE busy or down (%s); reply %s again in %ss", err, note.id, delay)
            await outbox.mark_retry(note.id, self.worker_id, str(err), now=now, delay_s=delay,
                                    untried=not err.reached)
            return
        except LinePermanent as err:
            if tried_before and "reply token" in str(err).lower():
                # Our earlier attempt spent the token: it was most likely delivered, and only
                # its answer (or our record of it) was lost. Pushing it again would repeat it.
                log.warning("reply %s: token spent by an earlier attempt; counted as sent", note.id)
                await outbox.reply_spent(note.id, self.worker_id, str(err), now=now)
                return
            log.error("LINE refused reply %s: %s", note.id, err)
            await self._reply_lost(note, str(err), now)  # an invalid (used or lapsed) reply token
            return
        await self._sent.submit((note.id, ids))  # with the other replies sent meanwhile
        for message, sent_id in zip(raw, ids):
            if message.get("_announces"):
                await self._remember_announcement(note.recipient, message["_announces"], sent_id)

    async def _mark_tried(self, notes: list[Notification], now: datetime) -> None:
        """Record that these replies are being handed to LINE, waiting at most ``TRIED_WAIT_S``:
        a database that is away must not hold the answers back while their tokens lapse (the
        write lands later; their sent marks usually land first anyway)."""
        ids = [n.id for n in notes]
        task = asyncio.create_task(self._persist(lambda: outbox.mark_replies_tried(ids, self.worker_id, now=now)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        await asyncio.wait({task}, timeout=TRIED_WAIT_S)

    async def _deliver_push(self, note: Notification, now: datetime) -> None:
        month = pushes.month_of(now, self.tz)
        ids: list[str] = []
        try:
            messages = await render(note, self.locale, self.tz)
            if not messages:  # nothing left to say (e.g. a late reply with no text): no push, no cost
                await outbox.mark_sent(note.id, self.worker_id, [], now=self.clock(), billed=0)
                return
            if self.push_budget is None and not await pushes.quota_known(month):
                await self.refresh_quota(now)  # the budget is LINE's quota: read it once a month at least
            # An earlier attempt reserved its cost already: keep that figure.
            cost = note.billed or await self._recipients(note) * pushes.chunks(len(messages))
            if not await pushes.reserve(note, cost, month=month, budget=self.push_budget):
                log.warning("push %s held: %d billed messages would take the month over its budget", note.id, cost)
                if await pushes.hold(note, self.worker_id, reason=pushes.OVER_BUDGET, cost=cost, month=month, now=now):
                    self.wake()
                return
            for i in range(0, len(messages), 5):
                # One retry key per chunk, derived from the row's, so a retry repeats each exactly.
                key = str(uuid.uuid5(note.retry_key, str(i)) if i else note.retry_key)
                ids += await self.sender.push(note.recipient, messages[i:i + 5], retry_key=key)
            await outbox.mark_sent(note.id, self.worker_id, ids, now=self.clock(), billed=cost)
            if note.template == "campaign_announcement" and ids and note.campaign_id:
                await self._remember_announcement(note.recipient, note.campaign_id, ids[0])
        except LineMonthlyLimit as err:
            log.error("LINE's monthly limit is reached: push %s held (%s)", note.id, err)
            if not ids:
                await pushes.release(note, month=month)
            if await pushes.hold(note, self.worker_id, reason=pushes.MONTHLY_LIMIT, cost=note.billed, month=month,
                                 now=now):
                self.wake()
        except LineRetryable as err:
            delay = outbox.QUEUE.backoff(note.attempts, err.retry_after)
            log.warning("LINE busy or down (%s); notification %s again in %ss", err, note.id, delay)
            await outbox.mark_retry(note.id, self.worker_id, str(err), now=now, delay_s=delay)
        except LinePermanent as err:
            log.error("LINE refused notification %s: %s", note.id, err)
            await pushes.release(note, month=month)
            await outbox.mark_failed(note.id, self.worker_id, str(err), now=now)

    async def _recipients(self, note: Notification) -> int:
        """Whom LINE bills for a push: 1 for a person; for a group its member count, read from
        LINE when unknown or when members joined or left since it was read."""
        if note.recipient_kind != "group":
            return 1
        size = await pushes.group_size(note.recipient)
        if size is not None:
            return size
        count = getattr(self.sender, "group_member_count", None)
        if count is None:  # the sandbox: no LINE to ask
            group = await LineGroup.get_or_none(line_group_id=note.recipient)
            return (group.member_count or 1) if group else 1
        size = await count(note.recipient)  # LineRetryable: retried like the push
        if size is None:  # LINE does not know the group (the bot left it): the push will fail
            return 1
        await pushes.set_group_size(note.recipient, size, now=self.clock())
        return size

    async def refresh_quota(self, now: datetime | None = None) -> bool:
        """Read the month's quota and LINE's own consumption; False when LINE cannot say."""
        read = getattr(self.sender, "quota", None)
        if read is None:
            return False
        try:
            quota = await read()
        except LineApiError as err:
            log.warning("could not read LINE's message quota: %s", err)
            return False
        await pushes.record_quota(pushes.month_of(now or self.clock(), self.tz), limit=quota.limit,
                                  used=quota.used, now=self.clock())
        return True

    async def refresh_group_sizes(self, group_ids: list[str]) -> None:
        """Read from LINE the member count of each of these groups that needs it."""
        count = getattr(self.sender, "group_member_count", None)
        if count is None:
            return
        for group_id in await pushes.groups_to_size(group_ids):
            try:
                size = await count(group_id)
            except LineApiError as err:
                log.warning("could not read the member count of %s: %s", group_id, err)
                continue
            if size is not None:
                await pushes.set_group_size(group_id, size, now=self.clock())

    @staticmethod
    def _token_lapsed(note: Notification, now: datetime) -> bool:
        return (now - note.created_at).total_seconds() > REPLY_TOKEN_LIFE_S

    async def _reply_lost(self, note: Notification, error: str, now: datetime) -> None:
        """The buyer must still learn what the bot answered: a 1:1 push if they added the
        bot, else the reply is listed for staff (``outbox.untold``)."""
        if await outbox.reply_lost(note, self.worker_id, error, now=now):
            self.wake()

    async def _record_sent(self, sent: list[tuple[int, list[str]]]) -> list[None]:
        # Sent: recorded even if the database is down for a while, or another worker would
        # send them again when the lease lapses (and find the tokens used).
        await self._persist(lambda: outbox.mark_replies_sent(self.worker_id, sent, now=self.clock()))
        return [None] * len(sent)

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

    async def _remember_announcement(self, group_line_id: str, campaign_id: int, message_id: str) -> None:
        """So that a buyer quoting the announcement picks its campaign."""
        group = await LineGroup.get_or_none(line_group_id=group_line_id)
        if group:
            await CampaignGroup.filter(campaign_id=campaign_id, group_id=group.id).update(
                announce_message_id=message_id
            )
