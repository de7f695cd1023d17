"""When a campaign takes orders (commerce.rules): one rule, the same in Python, a query and SQL."""
from datetime import datetime, timedelta, timezone

from tortoise import connections

from commerce.db import fetch
from commerce.models import Campaign
from commerce.rules import OPEN_SQL, open_at, takes_orders
from tests.factories import a_campaign

DEADLINE = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_an_open_campaign_takes_orders_until_just_before_its_deadline_and_not_at_it():
    assert takes_orders("open", DEADLINE, DEADLINE - timedelta(microseconds=1))
    assert not takes_orders("open", DEADLINE, DEADLINE)
    assert not takes_orders("closed", DEADLINE, DEADLINE - timedelta(hours=1))
    assert takes_orders("open", DEADLINE.isoformat(), DEADLINE - timedelta(seconds=1))  # raw SQLite text


async def test_the_query_and_the_sql_shapes_of_the_rule_agree_with_it_at_the_deadline(db, now):
    campaign = await a_campaign(now)
    closed = await a_campaign(now, title="已結")
    await Campaign.filter(id=closed.id).update(status="closed")
    conn = connections.get("default")

    deadline = campaign.closes_at
    for at in (deadline - timedelta(seconds=1), deadline, deadline + timedelta(seconds=1)):
        by_query = set(await Campaign.filter(open_at(at)).values_list("id", flat=True))
        by_sql = {r["id"] for r in await fetch(conn, f"SELECT c.id FROM campaigns c WHERE {OPEN_SQL}", at)}
        by_python = {c.id for c in await Campaign.all() if takes_orders(c.status, c.closes_at, at)}
        assert by_query == by_sql == by_python == ({campaign.id} if at < campaign.closes_at else set())
