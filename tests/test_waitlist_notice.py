"""Buyers still waitlisted when a campaign closes (#18): with PLUSONE_WAITLIST_NOTICE=push each
gets exactly one push through the outbox (the fake LINE API receives it); with it off, none —
their 我的訂單 says "not filled" instead."""
from datetime import timedelta

import pytest

from commerce.db import utcnow
from commerce.models import Notification
from plusone.settings import Settings, SettingsError
from scheduler.jobs import close_due
from tests.api_helpers import bearer
from tests.bot_helpers import context, say, texts_of
from tests.line_app import line_app, settled
from tests.test_scheduler_line import HOST, a_campaign_closing_at, buy, to


async def a_sold_out_campaign():
    """Stock 1: Ufirst holds it; Usecond (×2) and Uthird (×1) are waitlisted."""
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=1), stock=1)
    for user, qty in (("Ufirst", 1), ("Usecond", 2), ("Uthird", 1)):
        await buy(campaign, user, qty)
    return campaign


async def test_with_the_notice_on_each_waitlisted_buyer_gets_one_push_at_close(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, waitlist_notice="push"))
    campaign = await a_sold_out_campaign()
    manager = await bearer("manager")

    first = await client.post(f"/api/campaigns/{campaign.id}/close", headers=manager)
    again = await client.post(f"/api/campaigns/{campaign.id}/close", headers=manager)
    await close_due(utcnow() + timedelta(days=2))
    await settled()

    assert first.status == again.status == 200
    [second] = to(fake_line, "Usecond")
    [third] = to(fake_line, "Uthird")
    assert second.messages[0]["text"] == "很抱歉，「草莓大福」已結單，您候補的商品沒有補到：\n・A 原味 ×2\n這些不會收費。"
    assert third.messages[0]["text"].endswith("・A 原味 ×1\n這些不會收費。")
    assert to(fake_line, "Ufirst") == []
    assert len(to(fake_line, HOST)) == 1  # the pick list, as before
    assert await Notification.filter(template="waitlist_unfilled", status="sent").count() == 2
    assert all(n.billed == 1 for n in await Notification.filter(template="waitlist_unfilled"))


async def test_with_the_notice_off_no_waitlisted_buyer_is_pushed(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_sold_out_campaign()

    resp = await client.post(f"/api/campaigns/{campaign.id}/close", headers=await bearer("manager"))
    await settled()

    assert resp.status == 200
    assert [p.body["to"] for p in fake_line.pushes] == [HOST]
    assert await Notification.filter(template="waitlist_unfilled").count() == 0


async def test_my_orders_says_waitlisted_while_open_and_not_filled_once_closed(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_sold_out_campaign()
    ctx = context(utcnow())

    before = texts_of(await say(ctx, "我的訂單", user="Usecond", group=None))
    await client.post(f"/api/campaigns/{campaign.id}/close", headers=await bearer("manager"))
    after = texts_of(await say(ctx, "我的訂單", user="Usecond", group=None))
    english = texts_of(await say(context(utcnow(), locale="en"), "my orders", user="Usecond", group=None))
    holder = texts_of(await say(ctx, "我的訂單", user="Ufirst", group=None))

    assert "A 原味 ×2 候補中" in before[0].split("\n")
    assert "A 原味 ×2 未補到（已結單）" in after[0].split("\n") and "候補中" not in after[0]
    assert "A 原味 ×2 not filled (closed)" in english[0].split("\n")
    assert "A 原味 ×1 已保留" in holder[0].split("\n")


def test_the_setting_is_off_or_push():
    assert Settings.from_env({}).waitlist_notice == "off"
    assert Settings.from_env({"PLUSONE_WAITLIST_NOTICE": "PUSH"}).waitlist_notice == "push"
    with pytest.raises(SettingsError, match="PLUSONE_WAITLIST_NOTICE"):
        Settings.from_env({"PLUSONE_WAITLIST_NOTICE": "sms"})


async def test_a_scheduled_close_tells_each_waitlisted_buyer_once_too(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line, waitlist_notice="push"))
    deadline = utcnow() - timedelta(minutes=1)
    campaign = await a_campaign_closing_at(deadline, stock=1)
    await buy(campaign, "Ufirst", 1)
    await buy(campaign, "Usecond", 3)

    runs = [await close_due(deadline), await close_due(deadline + timedelta(seconds=30))]
    await settled()

    assert runs[1] == 0
    [told] = to(fake_line, "Usecond")
    assert told.messages[0]["text"].split("\n")[1] == "・A 原味 ×3"
    assert to(fake_line, "Ufirst") == []
