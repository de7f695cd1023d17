"""LINE answering 500, then 429, then going down: every notification is delivered exactly once."""
import asyncio

from commerce.models import Notification
from tests.api_helpers import CAMPAIGN, bearer
from tests.line_app import line_app, settled


async def test_pushes_survive_500s_429s_and_an_outage_and_arrive_once(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.fail_next(500, 2)
    fake_line.fail_next(500, 1, after_accept=True)  # delivered, but the answer is lost
    fake_line.fail_next(429, 2, retry_after=1)

    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "group_ids": ["Cg1", "Cg2", "Cg3"]},
                             headers=await bearer("manager"))
    assert resp.status == 201
    await asyncio.sleep(0.5)
    await fake_line.down()
    await asyncio.sleep(1.5)
    await fake_line.up()
    await settled(timeout=90)

    notes = await Notification.filter(template="campaign_announcement")
    assert sorted(n.status for n in notes) == ["sent"] * 3
    assert sorted(p.body["to"] for p in fake_line.pushes) == ["Cg1", "Cg2", "Cg3"]
    assert len({p.retry_key for p in fake_line.pushes}) == 3
    assert sum(1 for r in fake_line.requests if r.status in (500, 429)) >= 5
    assert any(n.attempts > 0 for n in notes)
