"""Several server processes on one PostgreSQL: one applier at a time, in stamp order, and a
standby that takes over when the applier is killed."""
import asyncio
import signal
import time

import aiohttp
import asyncpg
import pytest

from commerce.campaigns import ItemSpec
from commerce.models import InboundEvent, Item, Lease, OrderLine
from tests.api_helpers import free_port
from tests.conftest import PG_URL
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, make_webhook_body, text_event, webhook_headers
from tests.line_app import eventually, serve_line_mode

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes need PostgreSQL (SQLite: one process per file)")


async def post(session: aiohttp.ClientSession, port: int, event: dict) -> int:
    body = make_webhook_body([event])
    async with session.post(f"http://127.0.0.1:{port}/line/webhook", data=body, headers=webhook_headers(body)) as r:
        return r.status


async def all_applied() -> bool:
    return not await InboundEvent.filter(status="pending").exists()


async def test_two_servers_apply_every_event_once_in_stamp_order_and_a_standby_takes_over_a_killed_applier(
        db, fake_line, live_now):
    campaign = await a_campaign(live_now, ItemSpec(label="A", name="草莓大福", price=120, stock=30), groups=(GROUP_ID,))
    ports = [free_port(), free_port()]
    servers = [await serve_line_mode(db, fake_line, port) for port in ports]
    try:
        start = int(time.time() * 1000) - 100
        first = [text_event("+1", user_id=f"Ubuyer{i:03d}", timestamp=start + i) for i in range(40)]
        async with aiohttp.ClientSession() as session:
            # Later stamps to one server, earlier ones to the other, all at once.
            statuses = await asyncio.gather(*[post(session, ports[i % 2], e) for i, e in reversed(list(enumerate(first)))])
            await eventually(all_applied, bool)
            await eventually(lambda: len(fake_line.replies), lambda n: n == 40)

            holder = (await Lease.get(name="inbound")).holder
            [applier] = [s for s in servers if f":{s.pid}:" in holder]
            standby_port = ports[1 - servers.index(applier)]
            applier.send_signal(signal.SIGKILL)
            await applier.wait()
            killed_at = time.monotonic()
            later = [text_event("+1", user_id=f"Ulater{i:02d}") for i in range(10)]
            statuses += await asyncio.gather(*[post(session, standby_port, e) for e in later])
            await eventually(all_applied, bool, timeout=20)
            took_over_s = time.monotonic() - killed_at
            await eventually(lambda: len(fake_line.replies), lambda n: n == 50)
    finally:
        for server in servers:
            if server.returncode is None:
                server.send_signal(signal.SIGTERM)
                await server.wait()

    assert set(statuses) == {200}
    item = await Item.get(campaign_id=campaign.id)
    lines = await OrderLine.filter(item_id=item.id).prefetch_related("order__member").order_by("created_at", "id")
    reserved = sorted(line.order.member.line_user_id for line in lines if line.status == "reserved")
    assert item.sold == 30 and len(lines) == 50  # each event applied once
    assert reserved == [f"Ubuyer{i:03d}" for i in range(30)]
    assert took_over_s < 10
    assert len(fake_line.replies) == 50 and len({r.body["replyToken"] for r in fake_line.replies}) == 50


async def test_an_event_another_server_is_still_storing_holds_back_later_stamped_ones(db, fake_line, live_now):
    campaign = await a_campaign(live_now, ItemSpec(label="A", name="草莓大福", price=120, stock=1), groups=(GROUP_ID,))
    ports = [free_port(), free_port()]
    servers = [await serve_line_mode(db, fake_line, port, PLUSONE_REORDER_WINDOW_MS="300") for port in ports]
    blocker = await asyncpg.connect(db.replace("postgres://", "postgresql://", 1))
    try:
        holder = (await eventually(lambda: Lease.get_or_none(name="inbound"), bool)).holder
        applier = next(i for i, s in enumerate(servers) if f":{s.pid}:" in holder)
        now = int(time.time() * 1000)
        early = text_event("+1", user_id="Uearly", timestamp=now - 20, webhook_event_id="Eearly")
        late = text_event("+1", user_id="Ulate", timestamp=now)
        # The standby's write of the earlier "+1" waits behind our uncommitted row of the same id.
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("INSERT INTO inbound_events (event_id, payload, partition, status, attempts, last_error,"
                              " received_at, stamp_ms, due_ms) VALUES ('Eearly', '{}', 0, 'failed', 0, '', now(), 0, 0)")
        async with aiohttp.ClientSession() as session:
            stuck = asyncio.create_task(post(session, ports[1 - applier], early))
            await asyncio.sleep(0.2)
            assert await post(session, ports[applier], late) == 200
            await asyncio.sleep(1.0)  # the later "+1"'s window is long over
            assert await InboundEvent.filter(status="pending").count() == 1  # held back, not applied
            await tx.rollback()
            assert await stuck == 200
            await eventually(all_applied, bool)
    finally:
        await blocker.close()
        for server in servers:
            server.send_signal(signal.SIGTERM)
            await server.wait()

    item = await Item.get(campaign_id=campaign.id)
    lines = {line.order.member.line_user_id: line.status
             for line in await OrderLine.filter(item_id=item.id).prefetch_related("order__member")}
    assert lines == {"Uearly": "reserved", "Ulate": "waitlisted"}
