"""Two OS processes reserving the same hot item on one PostgreSQL never oversell."""
import asyncio
import re
import sys

import pytest

from commerce.campaigns import ItemSpec
from commerce.models import Item, OrderLine, StockMovement
from tests.conftest import PG_URL
from tests.factories import a_campaign, members

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes need PostgreSQL (SQLite: one process per file)")


async def test_two_processes_reserving_500_against_a_cap_of_50_reserve_exactly_50(db, live_now):
    campaign = await a_campaign(live_now, ItemSpec(label="A", name="原味", price=120, stock=50))
    buyers = await members(500)
    first = buyers[0].id
    assert [b.id for b in buyers] == list(range(first, first + 500))

    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reserve_worker", db, str(campaign.id), str(first + 250 * k), "250", "32",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for k in range(2)
    ]
    outputs = [await p.communicate() for p in procs]

    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-2000:] for o in outputs]
    counts = [tuple(map(int, re.findall(r"\d+", o[0].decode()))) for o in outputs]
    assert sum(c[0] for c in counts) == 50 and sum(c[1] for c in counts) == 450
    item = await Item.get(campaign_id=campaign.id)
    assert item.sold == 50
    assert await OrderLine.filter(item_id=item.id, status="waitlisted").count() == 450
    assert sum(m.delta for m in await StockMovement.filter(item_id=item.id)) == 50
