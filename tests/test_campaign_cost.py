"""A whole campaign's life against the fake Messaging API, counting what LINE bills (#17).

A 200-member group; the host opens the campaign by chat (announced by a free reply); 100
buyers order, 10 cancel and 5 on the waitlist are promoted, 60 report a transfer; the campaign
closes on schedule; payment reminders, the pickup reminders and the daily reconciliation run;
90 orders are picked up at the counter. With the default settings it costs at most 130 billed
messages (before #17 it cost 528: the "已結單" push to the group and an announcement push
were 200 each), and our count (`billed`) is LINE's, to the message.

The jobs take a clock of their own: the reminder days are set in the past (the delivery
worker sends what is due by the real clock).
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


from commerce.db import utcnow
from commerce.members import add_host
from commerce.models import Campaign, Notification
from scheduler.jobs import close_due, reconcile, remind_pickup, remind_unpaid
from tests.api_helpers import bearer
from tests.fake_line import GROUP_ID, text_event
from tests.line_app import eventually, line_app, post_events, settled

TAIPEI = ZoneInfo("Asia/Taipei")
HOST = "Uhost0000000000000000000000000001"
MEMBERS = 200
BUYERS = [f"Ubuyer{n:03d}" for n in range(100)]


def at(day, hour) -> datetime:
    return datetime.combine(day, time(hour, 0), TAIPEI)


async def say(client, *events, batch=10):
    for i in range(0, len(events), batch):
        resp = await post_events(client, list(events[i:i + batch]))
        assert resp.status == 200
    await settled()


async def live_campaign(client, fake_line, *, close_notice: str):
    """The campaign's whole life; returns the push report of the month."""
    manager = await bearer("manager")
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(TAIPEI)
    opening = text_event(f"開團 草莓大福\nA 原味 120 限95\n截止 {tomorrow:%m/%d} 20:00\n取貨 {tomorrow:%m/%d} 本店",
                         user_id=HOST)
    await say(client, opening)
    campaign = await Campaign.get(title="草莓大福")

    await say(client, *[text_event("+1", user_id=u) for u in BUYERS])
    await say(client, *[text_event("取消", user_id=u) for u in BUYERS[:10]])  # the waitlisted 95-99 move up
    await say(client, *[text_event("已匯款 12345 $120", user_id=u) for u in BUYERS[10:70]])

    # The host moves the deadline to a moment from now, and the pickup window to days past
    # (the reminder jobs below run on those days).
    day = (utcnow().astimezone(TAIPEI) - timedelta(days=4)).date()
    deadline = utcnow() + timedelta(seconds=2)
    edit = await client.patch(f"/api/campaigns/{campaign.id}", headers=manager, json={
        "closes_at": deadline.isoformat(), "pickup_from": (day + timedelta(days=1)).isoformat(),
        "pickup_until": (day + timedelta(days=3)).isoformat()})
    assert edit.status == 200, await edit.text()
    await eventually(utcnow, lambda now: now > deadline + timedelta(seconds=1))
    assert await close_due(utcnow(), close_notice=close_notice) >= 1
    await settled()
    await say(client, text_event("謝謝團主！", user_id=BUYERS[50]))  # told "closed" here when not pushed

    await remind_unpaid(at(day, 20), tz=TAIPEI)
    await reconcile(at(day, 21), tz=TAIPEI)
    await settled()
    await remind_pickup(at(day + timedelta(days=1), 10), tz=TAIPEI)
    await settled()

    transfers = (await (await client.get("/api/transfers", headers=manager)).json())["transfers"]
    for transfer in transfers:
        assert (await client.post(f"/api/transfers/{transfer['id']}/confirm", headers=manager)).status == 200
    orders = (await (await client.get(f"/api/campaigns/{campaign.id}/orders", headers=manager)).json())["orders"]
    open_orders = [o for o in orders if o["status"] == "open"]
    for order in open_orders:
        if order["balance"]:
            paid = await client.post(f"/api/orders/{order['number']}/payments", headers=manager,
                                     json={"method": "cash", "amount": order["balance"], "tendered": 200})
            assert paid.status in (200, 201), await paid.text()
        handed = await client.post(f"/api/orders/{order['number']}/handover", headers=manager)
        assert handed.status in (200, 201), await handed.text()

    await reconcile(at(day + timedelta(days=1), 21), tz=TAIPEI)
    await remind_pickup(at(day + timedelta(days=2), 10), tz=TAIPEI)
    await reconcile(at(day + timedelta(days=2), 21), tz=TAIPEI)
    await settled()
    assert (len(transfers), len(open_orders)) == (60, 90)
    assert await Notification.filter(template="waitlist_promoted").count() == 5
    return await (await client.get("/api/reports/pushes", headers=manager)).json()


async def test_a_whole_campaign_in_a_200_member_group_costs_at_most_130_billed_messages(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, MEMBERS)
    await add_host(HOST, "團主")

    summary = await live_campaign(client, fake_line, close_notice="off")

    assert [p for p in fake_line.pushes if p.body["to"] == GROUP_ID] == []
    assert summary["billed"] == fake_line.quota_used
    assert summary["billed"] <= 130, summary["by_template"]
    closed = [r for r in fake_line.replies if "已結單，謝謝大家跟團" in r.messages[0]["text"]]
    assert len(closed) == 1  # the group heard it closed, once, by a free reply


async def test_when_the_shop_asks_for_the_close_push_it_is_billed_for_every_member(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, close_notice="push"))
    fake_line.set_group_size(GROUP_ID, MEMBERS)
    await add_host(HOST, "團主")

    summary = await live_campaign(client, fake_line, close_notice="push")

    assert len([p for p in fake_line.pushes if p.body["to"] == GROUP_ID]) == 1
    assert summary["billed"] == fake_line.quota_used
    assert summary["templates"]["campaign_closed_group"] == {"pushes": 1, "billed": MEMBERS}
