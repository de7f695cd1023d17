"""The bot's moving parts wired together: inbound worker → handlers → outbox → delivery."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery import Delivery, Sender
from bot.events import BotContext, Profiles
from bot.handlers import flash, handle
from bot.inbound import Early, InboundWorker
from bot.intake import InFlight, Intake
from bot.webhook import to_incoming
from commerce.batch_ordering import sold_out
from commerce.db import utcnow
from commerce.leased_queue import Worker
from commerce.models import Member

log = logging.getLogger(__name__)
NAME_SWEEP_S = 300  # how often nameless buyers' profiles are asked for again
QUOTA_SWEEP_S = 300  # how often LINE's quota and consumption are read for the staff pages
SWEEP_STOP_S = 15
NAMES_KEPT = 5000  # names looked up ahead and not yet taken by a batch, before finished ones are dropped  # how long stop waits for a sweep under way
_MEMBERS_CHANGE = ("join", "memberJoined", "memberLeft")


class KnownNames:
    """Display names fetched before the transaction; answers without I/O."""

    def __init__(self) -> None:
        self.names: dict[str, str | None] = {}

    async def display_name(self, user_id: str, group_id: str | None) -> str | None:
        return self.names.get(user_id)


class BotRuntime:
    def __init__(self, sender: Sender, profiles: Profiles, *, locale: str, tz: ZoneInfo, public_url: str,
                 worker_id: str, clock: Callable[[], datetime] = utcnow, push_budget: int | None = None) -> None:
        self.profiles = profiles
        self._named: set[str] = set()  # groups whose name was asked of LINE by this process
        self.locale = locale
        self.tz = tz
        self.public_url = public_url
        self.worker_id = worker_id
        self.clock = clock
        self.delivery = Delivery(sender, worker_id=worker_id, locale=locale, tz=tz, clock=clock,
                                 push_budget=push_budget)
        self._sweeps = [Worker(self._sweep_names, name="names", poll_s=NAME_SWEEP_S, first_s=NAME_SWEEP_S),
                        Worker(self._sweep_quota, name="quota", poll_s=QUOTA_SWEEP_S)]
        self.in_flight = InFlight()  # events the webhook has parsed and not yet stored
        # Display names of first-time buyers, asked of LINE while their events sit out the
        # reorder window (``stored``), so the applier does not wait on LINE: user id -> task.
        self._names: dict[str, asyncio.Task] = {}
        self._to_name: dict[str, str | None] = {}  # user id -> group, waiting for the next look
        self._naming: asyncio.Task | None = None
        self.inbound = InboundWorker(self.apply, prepare=self.prepare, worker_id=f"{worker_id}:inbound",
                                     reply_worker=worker_id, in_flight=self.in_flight,
                                     on_replies=self.delivery.send_claimed, on_applied=self.delivery.wake,
                                     apply_run=self.apply_run, early=Early(self.apply_early, sold_out))

    def stored(self, events: Sequence[dict[str, Any]]) -> None:
        """Events were stored: wake the applier, and start asking LINE for the names of their
        buyers not known yet (the applier finds them ready after the reorder window)."""
        self.inbound.wake()
        for event in events:
            source = event.get("source") or {}
            user_id = source.get("userId")
            if user_id and user_id not in self._names:
                self._to_name.setdefault(user_id, source.get("groupId") or source.get("roomId"))
        if self._to_name and (self._naming is None or self._naming.done()):
            self._naming = asyncio.create_task(self._look_up_names(), name="names ahead")

    async def _look_up_names(self) -> None:
        """Rounds of: which of the waiting buyers have no name yet (one query), then ask LINE
        for those, each in its own task that ``prepare`` awaits."""
        while self._to_name:
            wanted, self._to_name = self._to_name, {}
            if len(self._names) > NAMES_KEPT:  # forget finished looks no batch came for
                self._names = {u: t for u, t in self._names.items() if not t.done()}
            try:
                known = set(await Member.filter(line_user_id__in=list(wanted)).exclude(display_name="")
                            .values_list("line_user_id", flat=True))
            except Exception:  # the applier asks for them itself
                log.warning("could not look up buyers' names ahead", exc_info=True)
                continue
            for user_id, group_id in wanted.items():
                if user_id not in known and user_id not in self._names:
                    self._names[user_id] = asyncio.create_task(self._name_of(user_id, group_id))

    async def _name_of(self, user_id: str, group_id: str | None) -> str | None:
        try:
            return await self.profiles.display_name(user_id, group_id)
        except Exception:  # a name is a nicety: never lose the order over it
            log.warning("could not fetch the display name of %s", user_id, exc_info=True)
            return None

    async def prepare(self, events: Sequence[dict[str, Any]]) -> "KnownNames":
        """Before a batch's transaction: fetch the display names LINE has and we do not (buyers
        seen the first time), all at once, so nothing waits on LINE inside a transaction. Also
        the member count of a group the bot joined, where members joined or left, or whose
        count is not known yet (a group push is billed once per member)."""
        await self._group_sizes(events)
        await self._group_names(events)
        wanted: dict[str, str | None] = {}
        for event in events:
            source = event.get("source") or {}
            if source.get("userId"):
                wanted.setdefault(source["userId"], source.get("groupId") or source.get("roomId"))
        names = KnownNames()
        if not wanted:
            return names
        known = set(await Member.filter(line_user_id__in=list(wanted)).exclude(display_name="")
                    .values_list("line_user_id", flat=True))
        missing = [user_id for user_id in wanted if user_id not in known]
        looks = [self._names.pop(u, None) or asyncio.ensure_future(self._name_of(u, wanted[u])) for u in missing]
        for user_id, name in zip(missing, await asyncio.gather(*looks)):
            names.names[user_id] = name
        return names

    async def _group_names(self, events: Sequence[dict[str, Any]]) -> None:
        """The name of a group the bot joined, or one it knows without a name, from LINE's
        group summary, so staff choose groups by name (asked once per group per process)."""
        from commerce.members import name_group, unnamed_groups

        ask = getattr(self.profiles, "group_name", None)
        new = [g for g in dict.fromkeys((e.get("source") or {}).get("groupId") for e in events)
               if g and g not in self._named]
        if ask is None or not new:
            return
        self._named.update(new)  # one look per group per process, named already or not
        for group_id in await unnamed_groups(new):
            try:
                name = await ask(group_id)
            except Exception:  # a label only: never hold an order up over it
                log.warning("could not fetch the name of group %s", group_id, exc_info=True)
                continue
            if name:
                await name_group(group_id, name)

    async def _group_sizes(self, events: Sequence[dict[str, Any]]) -> None:
        from commerce import pushes

        changed = {(e.get("source") or {}).get("groupId") for e in events if e.get("type") in _MEMBERS_CHANGE}
        changed.discard(None)
        groups = [g for g in dict.fromkeys((e.get("source") or {}).get("groupId") for e in events) if g]
        if not groups:
            return
        try:
            for group_id in changed:
                await pushes.members_changed(group_id)
            await self.delivery.refresh_group_sizes(groups)
        except Exception:  # a count is read again before the next push to the group
            log.warning("could not refresh group member counts", exc_info=True)

    async def apply(self, event: dict[str, Any], names: "KnownNames | None" = None,
                    at: datetime | None = None) -> list[dict]:
        """One event inside its savepoint, as happening at ``at`` (its LINE stamp)."""
        incoming = to_incoming(event)
        if incoming is None:
            return []
        ctx = BotContext(now=at or self.clock(), locale=self.locale, tz=self.tz, public_url=self.public_url,
                         profiles=names or KnownNames())
        return await handle(incoming, ctx)

    async def apply_run(self, conn: Any, events: list[tuple[dict[str, Any], datetime]],
                        names: "KnownNames | None" = None) -> list[list[dict]]:
        """A leading run of plain "+1"s booked together (``bot.handlers.flash``)."""
        return await flash.apply_run(conn, self._contexts(events, names))

    async def apply_early(self, conn: Any, events: list[tuple[dict[str, Any], datetime]],
                          names: "KnownNames | None" = None) -> list[list[dict] | None]:
        """Orders for sold-out items, answered before their window ends (``bot.handlers.flash``)."""
        return await flash.apply_early(conn, self._contexts(events, names))

    def _contexts(self, events, names) -> list[tuple[Any, BotContext]]:
        return [(to_incoming(event), BotContext(now=at, locale=self.locale, tz=self.tz, public_url=self.public_url,
                                                profiles=names or KnownNames())) for event, at in events]

    def start(self) -> None:
        from tortoise import connections

        if connections.get("default").capabilities.dialect == "postgres":  # processes may share it
            self.inbound.intake = Intake(self.in_flight, self.worker_id)
            self.inbound.intake.start()
        self.inbound.start()
        self.delivery.start()
        self.inbound.wake()  # events stored before a crash or restart are applied now
        self.delivery.wake()
        for sweep in self._sweeps:
            sweep.start()

    async def stop(self) -> None:
        # The sweeps are asked to stop, not cancelled: one cut off inside a transaction can leave
        # the database connection's lock taken (seen as a hang at shutdown). A sweep that does
        # not end within its LINE timeout is cancelled after all.
        await asyncio.gather(*[sweep.stop(grace_s=SWEEP_STOP_S) for sweep in self._sweeps])
        await self.inbound.stop()
        if self.inbound.intake is not None:
            await self.inbound.intake.stop()
        for task in [self._naming, *self._names.values()]:
            if task is not None:
                task.cancel()
        await self.delivery.stop()

    async def _sweep_names(self) -> None:
        await self.refresh_names()

    async def _sweep_quota(self) -> None:
        await self.delivery.refresh_quota()

    async def refresh_names(self, limit: int = 50) -> int:
        """Buyers first seen while LINE's profile API was away have no name; ask again, by
        the group-member profile of a group they ordered in (or the friend profile). Those
        who write again are fetched then anyway (``prepare``). Returns how many got a name."""
        from commerce.models import CampaignGroup, Order

        nameless = await Member.filter(display_name="", line_user_id__isnull=False).order_by("-id").limit(limit)
        found = 0
        for member in nameless:
            campaigns = await Order.filter(member_id=member.id, campaign_id__isnull=False).values_list(
                "campaign_id", flat=True)
            groups = await CampaignGroup.filter(campaign_id__in=list(campaigns)).values_list(
                "group__line_group_id", flat=True) if campaigns else []
            for group_id in [*dict.fromkeys(groups), None]:
                try:
                    name = await self.profiles.display_name(member.line_user_id, group_id)
                except Exception:
                    name = None
                if name:
                    await Member.filter(id=member.id, display_name="").update(display_name=name[:200])
                    found += 1
                    break
        return found
