"""Two `plusone serve` processes on one PostgreSQL, each running the scheduler, against one
fake LINE API: every message is sent once."""
import signal
from datetime import timedelta

import pytest

from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Campaign
from commerce.ordering import Wanted, reserve
from tests.conftest import PG_URL
from tests.fake_line import GROUP_ID, fake_line_fixture  # noqa: F401
from tests.api_helpers import free_port
from tests.line_app import eventually, serve_line_mode, ticks_pass

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes need PostgreSQL (SQLite: one process per file)")

HOST = "Uhost0000000000000000000000000001"


async def serve(db_url: str, fake_line, port: int):
    return await serve_line_mode(
        db_url, fake_line, port, PLUSONE_SCHEDULER="on", PLUSONE_SCHEDULER_TICK_S="0.3",
        PLUSONE_UNPAID_REMINDER_AT="00:00",  # due all day, so it runs right after the close
        PLUSONE_PICKUP_REMINDER_AT="off", PLUSONE_RECONCILIATION_AT="off",
        PLUSONE_CLOSE_NOTICE="push")  # the group's "closed" push too, so both processes could send it


async def test_two_servers_with_the_scheduler_send_one_pick_list_one_notice_and_one_reminder_per_buyer(db, fake_line):
    servers = [await serve(db, fake_line, free_port()) for _ in range(2)]
    try:
        deadline = utcnow() + timedelta(seconds=3)
        campaign = await open_campaign(
            CampaignSpec(title="草莓大福", items=[ItemSpec(label="A", name="原味", price=120, stock=None)], closes_at=deadline,
                         group_ids=[GROUP_ID], host_user_id=HOST, announce=False),
            now=utcnow(),
        )
        buyers = [f"Ubuyer{n:02d}" for n in range(20)]
        for user in buyers:
            member = await upsert_member(user, user)
            await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", 1)], now=utcnow())

        await eventually(lambda: len(fake_line.pushes), lambda n: n >= 22)
        await ticks_pass(4, 0.3)  # four more ticks in both processes: nothing more may arrive
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            await server.wait()

    assert [s.returncode for s in servers] == [0, 0]
    to = sorted(p.body["to"] for p in fake_line.pushes)
    assert to == sorted([HOST, GROUP_ID, *buyers])
    closed = await Campaign.get(id=campaign.id)
    assert closed.status == "closed" and closed.closed_at - deadline < timedelta(seconds=1)
