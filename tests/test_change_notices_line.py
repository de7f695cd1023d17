"""A host's changes reach the chat (#18), end to end: the app in LINE mode against the fake
Messaging API. A change or a cancel is told to each group once, by the free reply to its next
message (or, for a cancel, by one push per group when asked); a buyer whose units went back to
the waitlist is pushed once."""
from datetime import timedelta

from commerce.db import utcnow
from commerce.models import Item
from tests.api_helpers import bearer
from tests.fake_line import GROUP_ID, text_event
from tests.line_app import line_app, post_events, settled
from tests.test_scheduler_line import a_campaign_closing_at, buy, to


def answer_to(fake_line, event) -> list[str]:
    return [m["text"] for r in fake_line.replies if r.body["replyToken"] == event["replyToken"] for m in r.messages]


async def test_a_stock_raise_and_a_new_deadline_are_told_by_the_groups_next_reply_once(aiohttp_client, db_url,
                                                                                      fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=2), stock=1)
    await buy(campaign, "Ufirst", 1)
    item = await Item.get(campaign_id=campaign.id)
    manager = await bearer("manager")
    later = (campaign.closes_at + timedelta(days=1)).isoformat()

    edits = [await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 10}, headers=manager),
             await client.patch(f"/api/campaigns/{campaign.id}", json={"closes_at": later, "note": "要預付喔"},
                                headers=manager)]
    order, chat = text_event("+1", user_id="Usecond"), text_event("謝謝", user_id="Uthird")
    await post_events(client, [order])
    await settled()
    await post_events(client, [chat])
    await settled()

    assert [r.status for r in edits] == [200, 200]
    notice, booked = answer_to(fake_line, order)
    assert notice.startswith("📢「草莓大福」有更新，以這則為準：\n🛒 開團：草莓大福")
    assert "限量 10" in notice
    assert "A 原味 ×1 已保留" in booked  # the new stock took the "+1" that would have waited
    assert answer_to(fake_line, chat) == []  # told once; ordinary chat stays quiet
    assert fake_line.pushes == []  # nothing billed


async def test_a_cancel_is_told_with_its_reason_by_the_next_reply_and_a_late_plus_one_books_nothing(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=2))
    await buy(campaign, "Ufirst", 1)

    resp = await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "廠商<b>缺貨</b>"},
                             headers=await bearer("manager"))
    late = text_event("+1", user_id="Usecond")
    await post_events(client, [late])
    await settled()

    assert resp.status == 200
    texts = answer_to(fake_line, late)
    assert texts[0] == ("❌「草莓大福」已取消，所有訂購都不成立。\n原因：廠商<b>缺貨</b>\n"
                        "已付款的朋友，店家會和您聯絡退款。")
    assert (await Item.get(campaign_id=campaign.id)).sold == 0
    assert fake_line.pushes == []


async def test_a_cancel_told_by_push_is_one_push_per_group_billed_per_member(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 30)
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=2))

    resp = await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "颱風", "notify": "push"},
                             headers=await bearer("manager"))
    await settled()
    chat = text_event("好可惜", user_id="Ubuyer")
    await post_events(client, [chat])
    await settled()

    assert resp.status == 200
    [push] = to(fake_line, GROUP_ID)
    assert push.messages[0]["text"].startswith("❌「草莓大福」已取消")
    assert answer_to(fake_line, chat) == []  # already told
    assert fake_line.quota_used == 30


async def test_a_buyer_whose_units_are_cut_is_pushed_once_and_the_first_buyer_is_not(aiohttp_client, db_url,
                                                                                     fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=2), stock=5)
    await buy(campaign, "Ufirst", 2)
    await buy(campaign, "Usecond", 3)
    item = await Item.get(campaign_id=campaign.id)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 3},
                              headers=await bearer("manager"))
    await settled()

    assert resp.status == 200 and (await resp.json())["cut"] == 2
    [push] = to(fake_line, "Usecond")
    assert push.messages[0]["text"].startswith("很抱歉，A 原味 的數量調整了：您訂的 ×2 改為候補")
    assert to(fake_line, "Ufirst") == []


async def test_a_closed_campaigns_new_pickup_place_is_told_without_how_to_order(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(days=2))
    manager = await bearer("manager")
    await client.post(f"/api/campaigns/{campaign.id}/close", headers=manager)
    await post_events(client, [text_event("收到", user_id="Ubuyer")])  # takes the close notice
    await settled()

    resp = await client.patch(f"/api/campaigns/{campaign.id}", json={"pickup_place": "二樓櫃台"}, headers=manager)
    chat = text_event("請問在哪拿", user_id="Ubuyer")
    await post_events(client, [chat])
    await settled()

    assert resp.status == 200
    [notice] = answer_to(fake_line, chat)
    assert notice.startswith("📢「草莓大福」有更新，以這則為準：\n取貨：") and "二樓櫃台" in notice
    assert "+1" not in notice
