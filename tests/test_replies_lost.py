"""When a reply can no longer reach the buyer (LINE was down past the token's life, or the
token was refused), the buyer still learns the order was taken: a 1:1 push to a friend of
the bot, else the answer is listed for staff. Names missed while LINE was away are fetched later."""
import asyncio
import contextlib
import sqlite3

import asyncpg

from commerce import outbox
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.models import Member, Notification, OrderLine
from plusone.app import BOT
from tests.api_helpers import signed_in
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, follow_event, new_reply_token, text_event
from tests.line_app import eventually, line_app, post_events, settled


def ms(at) -> int:
    return int(at.timestamp() * 1000)


async def test_replies_that_lapse_while_line_is_down_reach_friends_by_push_and_staff_for_the_rest(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    await post_events(client, [follow_event("Ufriend")])
    await eventually(lambda: Member.exists(line_user_id="Ufriend", follows=True), bool)
    await settled()
    fake_line.set_profile("Ufriend", "小美")
    fake_line.set_profile("Ustranger", "阿明")

    await fake_line.down()
    # Stamped 58 s ago: their reply tokens lapse two seconds from now, while LINE is still down.
    stamp = ms(utcnow()) - 58_000
    await post_events(client, [text_event("+1", user_id="Ufriend", timestamp=stamp),
                               text_event("+2", user_id="Ustranger", timestamp=stamp + 1)])
    await eventually(lambda: OrderLine.all().count(), lambda n: n == 2)
    await eventually(lambda: Notification.filter(channel="reply", status="failed").count(), lambda n: n == 2,
                     timeout=30)
    await fake_line.up()
    await settled(timeout=60)

    assert len(fake_line.replies) == 1  # the greeting on follow; both order replies lapsed
    late = [p for p in fake_line.pushes if p.body["to"] == "Ufriend"]
    assert len(late) == 1
    assert "稍早的回覆沒能即時送出" in late[0].messages[0]["text"]
    assert "草莓大福" in late[0].messages[0]["text"]
    assert not [p for p in fake_line.pushes if p.body["to"] in ("Ustranger", GROUP_ID)]
    pushed = await Notification.get(template="late_reply")
    assert (pushed.status, pushed.billed) == ("sent", 1)
    untold = await outbox.untold()
    assert [u["user_id"] for u in untold] == ["Ustranger"]
    assert "草莓大福" in untold[0]["text"]
    await signed_in(client, "manager", page="/manager/replies")
    page = await (await client.get("/manager/replies")).text()
    shown = page[page.index('id="untold"'):]
    assert shown.count('class="untold-reply"') == 1 and "Ustranger" in shown and "草莓大福" in shown
    assert "Ufriend" not in shown  # told by the late push


async def test_a_refused_reply_token_tells_the_friend_by_push_once(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    await post_events(client, [follow_event("Ufriend")])
    await settled()
    token = new_reply_token()
    fake_line.spend_reply_token(token)

    await post_events(client, [text_event("+1", user_id="Ufriend", reply_token=token)])
    await settled()

    assert len([p for p in fake_line.pushes if p.body["to"] == "Ufriend"]) == 1
    assert await outbox.untold() == []
    await signed_in(client, "manager", page="/manager/replies")
    assert 'id="untold-none"' in await (await client.get("/manager/replies")).text()


async def test_after_unfollowing_a_buyer_is_no_longer_pushed(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    await post_events(client, [follow_event("Ufriend")])
    await settled()
    unfollow = follow_event("Ufriend")
    unfollow["type"] = "unfollow"
    del unfollow["replyToken"]
    await post_events(client, [unfollow])
    await eventually(lambda: Member.exists(line_user_id="Ufriend", follows=False), bool)
    token = new_reply_token()
    fake_line.spend_reply_token(token)

    await post_events(client, [text_event("+1", user_id="Ufriend", reply_token=token)])
    await settled()

    assert not [p for p in fake_line.pushes if p.body["to"] == "Ufriend"]
    assert [u["user_id"] for u in await outbox.untold()] == ["Ufriend"]


async def test_a_buyer_first_seen_while_profiles_fail_is_named_by_a_later_sweep(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    fake_line.set_profile("Unew", None)  # the profile API answers 404 for now
    await post_events(client, [text_event("+1", user_id="Unew")])
    await settled()
    assert (await Member.get(line_user_id="Unew")).display_name == ""

    fake_line.set_profile("Unew", "小芳")
    found = await client.app[BOT].refresh_names()

    assert found == 2  # the host (created by the campaign, never seen in chat) gets a name too
    assert (await Member.get(line_user_id="Unew")).display_name == "小芳"


@contextlib.asynccontextmanager
async def database_away(db_url: str):
    """While inside, the app's writes wait: another connection holds the database's write
    lock (SQLite) or the queue tables' exclusive lock (PostgreSQL)."""
    if db_url.startswith("sqlite://"):
        conn = sqlite3.connect(db_url[len("sqlite://"):].split("?")[0], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    conn = await asyncpg.connect(db_url)
    tx = conn.transaction()
    await tx.start()
    await conn.execute("LOCK TABLE inbound_events, notifications IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        await tx.rollback()
        await conn.close()


async def test_replies_of_events_taken_just_before_the_database_went_away_reach_every_buyer_once(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    events = [text_event("+1", user_id=f"Ubuyer{i:02d}") for i in range(20)]

    assert (await post_events(client, events)).status == 200  # stored; applied after the reorder window
    async with database_away(db_url):
        await asyncio.sleep(8)
    await eventually(lambda: len(fake_line.replies), lambda n: n >= 20, timeout=30)
    await settled()

    assert sorted(r.body["replyToken"] for r in fake_line.replies) == sorted(e["replyToken"] for e in events)
    assert fake_line.pushes == []  # no late pushes: every token was still good
    assert await OrderLine.all().count() == 20
    replies = await Notification.filter(channel="reply").values_list("status", flat=True)
    assert replies == ["sent"] * 20
