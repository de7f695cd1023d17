"""Issue #18 through the running app: a host's 開團 with a note, and a lone 截止 quoting the
announcement, as signed webhooks in and the real SDK's replies out to the fake LINE API. The
server reads the real clock, so every date here is computed from it."""
from datetime import datetime, timedelta, timezone

from commerce.db import utcnow
from commerce.members import add_host
from commerce.models import Campaign
from tests.api_helpers import CAMPAIGN, TAIPEI, bearer
from tests.fake_line import GROUP_ID, text_event
from tests.line_app import line_app, post_events, settled

HOST = "U0000000000000000000000000000host"


async def exchange(client, fake_line, text: str, **kwargs) -> tuple[str, str]:
    """Post one group message; (the bot's reply text, its message id), once answered."""
    before = len(fake_line.replies)
    await post_events(client, [text_event(text, **kwargs)])
    await settled()
    assert len(fake_line.replies) == before + 1, f"no reply to {text!r}"
    answer = fake_line.replies[-1]
    return answer.messages[-1]["text"], answer.sent_ids[-1]


async def test_a_host_opens_with_a_note_and_moves_the_deadline_by_quoting_the_announcement(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await add_host(HOST, "團媽")
    today = utcnow().astimezone(TAIPEI).date()
    closes, moved = today + timedelta(days=5), today + timedelta(days=9)

    announced, announcement_id = await exchange(
        client, fake_line, f"開團 草莓大福\nA 原味 120\n截止 {closes.month}/{closes.day} 20:00\n要預付喔",
        user_id=HOST)
    assert announced.splitlines()[1:3] == ["A 原味 $120", "要預付喔"]

    confirmed, _ = await exchange(client, fake_line, f"截止 {moved.month}/{moved.day} 20:00", user_id=HOST,
                                  quoted_message_id=announcement_id)

    campaign = await Campaign.get()
    assert campaign.closes_at == datetime(moved.year, moved.month, moved.day, 20, 0, tzinfo=TAIPEI) \
        .astimezone(timezone.utc)
    assert confirmed.startswith(f"⏰ 已更改截止時間：草莓大福（團號 {campaign.code}）改為 {moved.month}/{moved.day}（")
    assert confirmed.endswith("20:00 截止。")


async def test_a_buyer_typing_a_deadline_is_not_answered_and_changes_nothing(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "group_ids": [GROUP_ID], "announce": False},
                             headers=await bearer("manager"))
    before = (await Campaign.get()).closes_at
    moved = utcnow().astimezone(TAIPEI).date() + timedelta(days=9)

    await post_events(client, [text_event(f"截止 {moved.month}/{moved.day} 20:00", user_id="Ubuyer0001")])
    await settled()

    assert resp.status == 201
    assert fake_line.replies == []
    assert (await Campaign.get()).closes_at == before


async def test_a_campaign_opened_by_the_api_with_a_note_is_announced_with_it(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))

    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "group_ids": [GROUP_ID],
                                                     "note": "要預付喔\n週五前匯款\u202e"},
                             headers=await bearer("manager"))
    await settled()

    assert resp.status == 201
    [push] = fake_line.pushes
    lines = push.messages[0]["text"].splitlines()
    assert lines[1:5] == ["A 原味 $120（限量 50）", "B 抹茶 $130（每人限 2）", "要預付喔", "週五前匯款"]
    assert lines[5].startswith("截止：")
