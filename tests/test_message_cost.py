"""What pushes cost, counted as LINE counts them (issue #17): group sizes read from LINE, the
month's budget with held pushes a manager sends or drops, LINE's monthly limit, LINE's quota
on every staff page, announcing for free by a host's reply. The app runs in LINE mode against
the fake Messaging API, whose own count (``quota_used``) is the bill."""
from datetime import timedelta

from commerce import outbox
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import add_host, upsert_member
from commerce.models import LineGroup, Member, Notification, PushMonth
from plusone.app import BOT
from plusone.settings import Settings, SettingsError
from tests.api_helpers import bearer, campaign_body, signed_in
from tests.factories import a_campaign
from tests.fake_line import (
    GROUP_ID, follow_event, join_event, member_joined_event, member_left_event, text_event,
)
from tests.line_app import eventually, line_app, post_events, settled, ticks_pass

HOST = "Uhost0001"


def to(fake_line, recipient):
    return [p for p in fake_line.pushes if p.body["to"] == recipient]


async def announce(client, *, group=GROUP_ID, title="草莓大福"):
    resp = await client.post("/api/campaigns", json=campaign_body(group_ids=[group], title=title),
                             headers=await bearer("manager"))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def report(client):
    resp = await client.get("/api/reports/pushes", headers=await bearer("manager"))
    assert resp.status == 200
    return await resp.json()


async def test_a_group_push_is_billed_once_per_member_read_from_line_and_the_report_equals_lines_count(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 200)

    await announce(client)
    await settled()

    assert len(to(fake_line, GROUP_ID)) == 1
    assert fake_line.quota_used == 200
    assert (await report(client))["billed"] == 200
    group = await LineGroup.get(line_group_id=GROUP_ID)
    assert group.member_count == 200 and group.member_count_at is not None
    assert (await PushMonth.get()).billed == 200


async def test_members_joining_or_leaving_make_the_bot_read_the_count_again(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 120)
    await post_events(client, [join_event(GROUP_ID)])
    await settled()
    assert (await LineGroup.get(line_group_id=GROUP_ID)).member_count == 120

    fake_line.set_group_size(GROUP_ID, 123)
    await post_events(client, [member_joined_event(["Unew1", "Unew2", "Unew3"])])
    await settled()
    assert (await LineGroup.get(line_group_id=GROUP_ID)).member_count == 123
    fake_line.set_group_size(GROUP_ID, 122)
    await post_events(client, [member_left_event(["Unew1"])])
    await settled()
    await announce(client)
    await settled()

    assert (await LineGroup.get(line_group_id=GROUP_ID)).member_count == 122
    assert fake_line.quota_used == 122 == (await report(client))["billed"]


async def test_the_announcement_cost_is_shown_before_opening_and_a_host_announces_for_free_by_reply(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 200)
    await post_events(client, [join_event(GROUP_ID)])
    await settled()
    await add_host(HOST, "團主")

    cost = await client.get(f"/api/announcement-cost?group_ids={GROUP_ID},Cunknown", headers=await bearer("manager"))
    assert await cost.json() == {"groups": [{"group_id": GROUP_ID, "members": 200},
                                            {"group_id": "Cunknown", "members": None}],
                                 "billed": 200, "unknown": ["Cunknown"]}
    await signed_in(client, "manager", page="/manager/campaigns")
    page = await (await client.get("/manager/campaigns")).text()
    assert f'value="{GROUP_ID}" data-members="200"' in page and 'id="announce-free"' in page

    resp = await client.post("/api/campaigns", json={**campaign_body(group_ids=[GROUP_ID]), "announce": False},
                             headers=await bearer("manager"))
    assert resp.status == 201
    command = text_event("公告", user_id=HOST)
    await post_events(client, [command])
    await settled()
    [answer] = [r for r in fake_line.replies if r.body["replyToken"] == command["replyToken"]]
    assert "草莓大福" in answer.messages[0]["text"]
    order = text_event("A+1", user_id="Ubuyer01", quoted_message_id=answer.sent_ids[0])
    await post_events(client, [order])
    await settled()

    assert fake_line.pushes == [] and fake_line.quota_used == 0
    [placed] = (await (await client.get(f"/api/campaigns/{(await resp.json())['id']}/orders",
                                        headers=await bearer("manager"))).json())["orders"]
    assert placed["member"]["line_user_id"] == "Ubuyer01"


async def test_a_push_over_the_budget_is_held_listed_for_a_manager_and_the_host_is_told_once(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, push_budget=250))
    fake_line.set_group_size(GROUP_ID, 200)

    first = await announce(client, title="一")
    await settled()
    second = await announce(client, title="二")
    await settled()
    third = await announce(client, title="三")
    await settled()

    assert len(to(fake_line, GROUP_ID)) == 1  # the first; the others would go over 250
    [told] = to(fake_line, HOST)
    assert "預算" in told.messages[0]["text"]
    assert fake_line.quota_used == 201 == (await report(client))["billed"]
    held = (await (await client.get("/api/pushes/held", headers=await bearer("manager"))).json())["held"]
    assert [(h["template"], h["recipient"]) for h in held] == [("campaign_announcement", GROUP_ID)] * 2
    assert (await report(client))["held"] == 2
    await signed_in(client, "manager", page="/manager/pushes")
    page = await (await client.get("/manager/pushes")).text()
    assert page.count('class="held-push"') == 2 and "保留 2 則" in page

    [send, drop] = [h["id"] for h in held]
    sent = await client.post(f"/api/pushes/{send}/send", headers=await bearer("manager"))
    dropped = await client.post(f"/api/pushes/{drop}/drop", headers=await bearer("manager"))
    again = await client.post(f"/api/pushes/{drop}/send", headers=await bearer("manager"))
    await settled()

    assert (sent.status, dropped.status, again.status) == (200, 200, 409)
    assert len(to(fake_line, GROUP_ID)) == 2 and len(to(fake_line, HOST)) == 1
    assert fake_line.quota_used == 401 == (await report(client))["billed"]
    assert await Notification.get(id=drop).values_list("status", flat=True) == "dropped"
    assert {first["id"], second["id"], third["id"]} == {n.campaign_id for n in
                                                        await Notification.filter(template="campaign_announcement")}


async def test_lines_monthly_limit_holds_the_push_once_and_it_is_not_retried(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, push_budget=10_000))  # LINE's limit is lower
    fake_line.set_group_size(GROUP_ID, 200)
    fake_line.set_quota(100)

    await announce(client)
    await eventually(lambda: Notification.filter(status="held").count(), lambda n: n == 1)
    await settled()
    await ticks_pass(3, 1.0)

    attempts = [(r.body["to"], r.status) for r in fake_line.requests if r.path == "/v2/bot/message/push"]
    assert attempts == [(GROUP_ID, 429), (HOST, 200)]  # once, never again; the host's notice still fits
    assert "額度已用完" in to(fake_line, HOST)[0].messages[0]["text"]
    summary = await report(client)
    assert (summary["billed"], summary["held"], summary["limit_reached"]) == (1, 1, True)
    assert (await PushMonth.get()).billed == 1 == fake_line.quota_used


async def test_lines_quota_and_count_are_shown_on_every_staff_page_beside_ours(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 40)
    fake_line.set_quota(500)
    await announce(client)
    await settled()
    assert await client.app[BOT].delivery.refresh_quota()

    await signed_in(client, "manager")
    counter = await (await client.get("/counter")).text()
    reports = await (await client.get("/manager/reports")).text()

    for page in (counter, reports):
        shown = page[page.index('id="month-cost"'):][:600]
        assert "本月計費 40 則" in shown and "LINE 計 40" in shown and "額度 500" in shown
    summary = await report(client)
    assert (summary["billed"], summary["used_by_line"], summary["quota"], summary["budget"]) == (40, 40, 500, 500)


async def test_with_lines_quota_as_the_budget_a_push_that_does_not_fit_is_held(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))  # no PLUSONE_PUSH_BUDGET: LINE's quota
    fake_line.set_group_size(GROUP_ID, 200)
    fake_line.set_quota(150)

    await announce(client)
    await eventually(lambda: Notification.filter(template="campaign_announcement", status="held").count(), bool)
    await settled()

    assert to(fake_line, GROUP_ID) == []  # never even tried: it would not fit
    assert not [r for r in fake_line.requests if r.path == "/v2/bot/message/push" and r.body["to"] == GROUP_ID]
    assert fake_line.quota_used == 1 == (await report(client))["billed"]  # the host's notice


async def test_a_reply_line_accepted_but_whose_answer_was_lost_is_not_pushed_again(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    await post_events(client, [follow_event("Ufriend")])
    await settled()
    fake_line.fail_next(500, after_accept=True)  # LINE takes the reply, then its answer is lost

    order = text_event("+1", user_id="Ufriend")
    await post_events(client, [order])
    await settled()

    assert len([r for r in fake_line.replies if r.body["replyToken"] == order["replyToken"]]) == 1
    assert to(fake_line, "Ufriend") == []  # no late_reply push: that would tell the buyer twice
    note = await Notification.get(channel="reply", reply_token=order["replyToken"])
    assert note.status == "sent" and "earlier attempt" in note.last_error
    assert await Notification.filter(template="late_reply").count() == 0


async def test_a_lost_reply_reads_whether_the_buyer_follows_in_its_own_transaction(db, now):
    friend = await upsert_member("Ufriend", "小美")
    await Member.filter(id=friend.id).update(follows=True)
    for user in ("Ufriend", "Ustranger"):
        await outbox.enqueue_claimed(outbox.Message(recipient_kind="group", recipient="Cg", template="reply",
                                                    params={"messages": [{"type": "text", "text": "好"}],
                                                            "user_id": user},
                                                    channel="reply", reply_token=f"rt-{user}"),
                                     "w1", now=now)
    friend_note, stranger_note = await Notification.filter(channel="reply").order_by("id")

    pushed = [await outbox.reply_lost(friend_note, "w1", "expired", now=now),
              await outbox.reply_lost(stranger_note, "w1", "expired", now=now)]

    assert pushed == [True, False]
    assert [n.recipient for n in await Notification.filter(template="late_reply")] == ["Ufriend"]
    assert [u["user_id"] for u in await outbox.untold()] == ["Ustranger"]


def test_the_budget_and_the_close_notice_are_read_from_the_environment_and_checked():
    assert Settings.from_env({}).push_budget is None
    assert Settings.from_env({}).close_notice == "off"
    settings = Settings.from_env({"PLUSONE_PUSH_BUDGET": "3000", "PLUSONE_CLOSE_NOTICE": "PUSH"})
    assert (settings.push_budget, settings.close_notice) == (3000, "push")
    for env in ({"PLUSONE_PUSH_BUDGET": "lots"}, {"PLUSONE_PUSH_BUDGET": "-1"}, {"PLUSONE_CLOSE_NOTICE": "loud"}):
        try:
            Settings.from_env(env)
        except SettingsError:
            continue
        raise AssertionError(f"{env} was accepted")


async def test_a_retried_push_keeps_its_first_reservation(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, push_budget=300))
    fake_line.set_group_size(GROUP_ID, 200)
    fake_line.fail_next(503, count=2)

    await announce(client)
    await settled(timeout=30)

    assert len(to(fake_line, GROUP_ID)) == 1
    assert (await PushMonth.get()).billed == 200 == fake_line.quota_used
    assert utcnow() - (await Notification.get(template="campaign_announcement")).sent_at < timedelta(minutes=1)


async def test_a_push_that_lines_own_count_leaves_no_room_for_is_not_reserved(db, now):
    # LINE counted 450 of its 500 (pushes sent from the LINE Official Account Manager too),
    # while ours is 0: a push of 100 would go past the quota, one of 50 still fits.
    from commerce import pushes

    await PushMonth.create(month="2026-11", line_quota=500, line_used=450)
    await outbox.enqueue(*[outbox.Message(recipient_kind="member", recipient=f"U{i}", template="t", params={},
                                          dedupe_key=f"k{i}") for i in (1, 2)], now=now)
    big, small = await Notification.all().order_by("id")

    assert await pushes.reserve(big, 100, month="2026-11", budget=None) is False
    assert await pushes.reserve(small, 50, month="2026-11", budget=None) is True
    assert ((await PushMonth.get(month="2026-11")).billed, big.billed, small.billed) == (50, 0, 50)
