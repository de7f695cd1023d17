"""A flash sale through the real webhook: 300 buyers, 50 units, redeliveries, cancellations."""
import asyncio

from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.models import Item, OrderLine
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, text_event  # noqa: F401
from tests.line_app import line_app, post_events, settled


async def test_300_buyers_against_50_units_then_redeliveries_and_cancellations(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=50), groups=(GROUP_ID,))
    events = [text_event("+1", user_id=f"Ubuyer{i:04d}") for i in range(300)]

    responses = await asyncio.gather(*[post_events(client, [e]) for e in events])
    await settled()

    assert [r.status for r in responses] == [200] * 300
    item = await Item.get(campaign_id=campaign.id)
    assert item.sold == 50
    assert await OrderLine.filter(item_id=item.id, status="reserved").count() == 50
    assert await OrderLine.filter(item_id=item.id, status="waitlisted").count() == 250
    assert len(fake_line.replies) == 300
    assert sorted(r.body["replyToken"] for r in fake_line.replies) == sorted(e["replyToken"] for e in events)

    redelivered = [{**e, "deliveryContext": {"isRedelivery": True}} for e in events[:60]]
    again = await asyncio.gather(*[post_events(client, [e]) for e in redelivered])
    await settled()

    assert [r.status for r in again] == [200] * 60
    assert (await Item.get(id=item.id)).sold == 50
    assert await OrderLine.filter(item_id=item.id).count() == 300
    assert len(fake_line.replies) == 300

    reserved_users = [l.order.member.line_user_id
                      for l in await OrderLine.filter(item_id=item.id, status="reserved").prefetch_related("order__member")]
    cancels = [text_event("-1", user_id=u) for u in reserved_users[:10]]
    await asyncio.gather(*[post_events(client, [e]) for e in cancels])
    await settled()

    assert (await Item.get(id=item.id)).sold == 50
    promoted_pushes = [p for p in fake_line.pushes if p.body["to"].startswith("Ubuyer")]
    assert len(promoted_pushes) == 10
    assert len({p.body["to"] for p in promoted_pushes}) == 10
    assert not {p.body["to"] for p in promoted_pushes} & set(reserved_users[:10])
    assert len(fake_line.replies) == 310
