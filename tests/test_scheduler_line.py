"""Scheduled messages end to end: the app in LINE mode against the fake Messaging API, jobs
run with a clock the test controls (and, in the last tests, by the app's own scheduler)."""
import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.messages import pick_list_texts
from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Campaign, Notification
from commerce.ordering import Wanted, reserve
from commerce.reports import pick_list
from scheduler.jobs import close_due, remind_unpaid
from tests.fake_line import GROUP_ID, text_event  # noqa: F401
from tests.api_helpers import bearer
from tests.line_app import eventually, line_app, post_events, settled, ticks_pass

HOST = "Uhost0000000000000000000000000001"
TAIPEI = ZoneInfo("Asia/Taipei")


async def a_campaign_closing_at(closes_at, *, stock=50, title="草莓大福"):
    """Opened an hour before its deadline, which may be in the past: the jobs' clock is the
    test's, but delivery sends what is due by the real clock, so the test's times are real past."""
    return await open_campaign(
        CampaignSpec(title=title, items=[ItemSpec(label="A", name="原味", price=120, stock=stock)], closes_at=closes_at,
                     group_ids=[GROUP_ID], host_user_id=HOST, announce=False),
        now=min(utcnow(), closes_at - timedelta(hours=1)),
    )


async def buy(campaign, user, qty, name=None):
    member = await upsert_member(user, name or user)
    await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", qty)],
                  now=campaign.closes_at - timedelta(minutes=30))


def last_eight_pm_in_taipei():
    now = utcnow().astimezone(TAIPEI)
    today = now.replace(hour=20, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


def to(fake_line, recipient):
    return [p for p in fake_line.pushes if p.body["to"] == recipient]


async def test_the_host_gets_the_pick_list_once_the_group_hears_once_by_reply_and_a_late_plus_one_is_refused(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    fake_line.set_group_size(GROUP_ID, 200)
    deadline = utcnow() - timedelta(minutes=1)
    campaign = await a_campaign_closing_at(deadline)
    await buy(campaign, "Ubuyer01", 2)
    await buy(campaign, "Ubuyer02", 1)

    runs = [await close_due(deadline), await close_due(deadline + timedelta(seconds=30))]
    await settled()
    late = text_event("+1", user_id="Ubuyer03")
    chat = text_event("謝謝團主", user_id="Ubuyer04")
    await post_events(client, [late])
    await settled()
    await post_events(client, [chat])
    await settled()

    assert runs == [1, 0]  # the pick list; the group is told for free
    [pick] = to(fake_line, HOST)
    assert pick.messages[0]["text"].split("\n")[:5] == [
        "⏰ 已到截止時間，已結單。群組裡下一則訊息會收到「已結單」的回覆（免費，不另推播）。",
        f"📦 揀貨單：草莓大福（團號 {campaign.code}）", "【總數】", "A 原味 ×3", "【每位買家】共 2 位"]
    assert to(fake_line, GROUP_ID) == []
    [answer] = [r for r in fake_line.replies if r.body["replyToken"] == late["replyToken"]]
    assert [m["text"] for m in answer.messages] == [
        "🔔「草莓大福」已結單，謝謝大家跟團！\n要看自己的訂單和金額，請私訊我「我的訂單」。",
        "「草莓大福」已結單，無法再下單或更改囉。"]
    assert not [r for r in fake_line.replies if r.body["replyToken"] == chat["replyToken"]]  # told once
    assert (await Campaign.get(id=campaign.id)).status == "closed"
    assert fake_line.quota_used == 1


async def test_with_close_notice_push_the_group_hears_by_one_push_billed_per_member(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, close_notice="push"))
    fake_line.set_group_size(GROUP_ID, 200)
    deadline = utcnow() - timedelta(minutes=1)
    campaign = await a_campaign_closing_at(deadline)
    await buy(campaign, "Ubuyer01", 2)

    runs = [await close_due(deadline, close_notice="push"), await close_due(deadline, close_notice="push")]
    await settled()
    chat = text_event("謝謝團主", user_id="Ubuyer04")
    await post_events(client, [chat])
    await settled()

    assert runs == [2, 0]
    [notice] = to(fake_line, GROUP_ID)
    assert notice.messages[0]["text"].startswith("🔔「草莓大福」已結單")
    assert to(fake_line, HOST)[0].messages[0]["text"].startswith("⏰ 已到截止時間，已結單，並已推播通知群組。")
    assert not [r for r in fake_line.replies if r.body["replyToken"] == chat["replyToken"]]
    assert fake_line.quota_used == 201
    report = await (await client.get("/api/reports/pushes", headers=await bearer("manager"))).json()
    assert (report["pushes"], report["billed"]) == (2, 201)


async def test_a_long_pick_list_arrives_in_several_pushes_each_within_lines_limits(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line))
    deadline = utcnow() - timedelta(minutes=1)
    campaign = await a_campaign_closing_at(deadline, stock=None)
    for n in range(1100):
        await buy(campaign, f"Ubuyer{n:04d}", 1 + n % 3, name=f"買家{n:03d}" + "名" * 16)
    expected = pick_list_texts(await pick_list(campaign.id), "zh-TW",
                               head="⏰ 已到截止時間，已結單。群組裡下一則訊息會收到「已結單」的回覆（免費，不另推播）。")

    await close_due(deadline)
    await settled()

    chunks = to(fake_line, HOST)
    assert len(expected) > 5 and [len(c.messages) for c in chunks] == [5] * (len(expected) // 5) + (
        [len(expected) % 5] if len(expected) % 5 else [])
    assert [m["text"] for c in chunks for m in c.messages] == expected
    assert max(len(m["text"].encode("utf-16-le")) // 2 for c in chunks for m in c.messages) <= 5000
    note = await Notification.get(template="pick_list")
    assert (note.status, note.billed) == ("sent", len(chunks))


async def test_unpaid_reminders_reach_each_buyer_once_however_often_the_job_runs(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line))
    evening = last_eight_pm_in_taipei()
    deadline = evening - timedelta(hours=1)
    campaign = await a_campaign_closing_at(deadline)
    buyers = [f"Ubuyer{n:02d}" for n in range(5)]
    for user in buyers:
        await buy(campaign, user, 1)
    await close_due(deadline)

    runs = await asyncio.gather(*[remind_unpaid(evening + timedelta(seconds=s)) for s in range(3)])
    await settled()

    assert sorted(runs) == [0, 0, 5]
    assert sorted(p.body["to"] for p in fake_line.pushes if p.body["to"].startswith("Ubuyer")) == buyers
    [reminder] = to(fake_line, "Ubuyer00")
    assert [m["text"].split("\n")[0] for m in reminder.messages] == ["💰 付款提醒："]


async def test_with_line_down_the_pick_list_waits_then_goes_out_once(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line))
    deadline = utcnow() - timedelta(minutes=1)
    await a_campaign_closing_at(deadline)
    await fake_line.down()

    await close_due(deadline)
    failed = await eventually(lambda: Notification.get(template="pick_list"), lambda n: n.attempts >= 1)
    await close_due(deadline + timedelta(seconds=30))
    await fake_line.up()
    await settled()

    assert failed.attempts >= 1 and failed.status == "pending"
    assert len(to(fake_line, HOST)) == 1 and to(fake_line, GROUP_ID) == []
    assert await Notification.filter(status="sent").count() == 1


async def test_the_apps_own_scheduler_closes_a_campaign_at_its_deadline(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line, scheduler=True, scheduler_tick_s=0.2, unpaid_reminder_at=None,
                                  pickup_reminder_at=None, reconciliation_at=None))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(seconds=1))

    await eventually(lambda: to(fake_line, HOST), bool)
    await ticks_pass(3, 0.2)  # three more ticks: nothing more may arrive

    assert len(to(fake_line, HOST)) == 1 and to(fake_line, GROUP_ID) == []
    closed = await Campaign.get(id=campaign.id)
    assert closed.status == "closed" and closed.closed_at - closed.closes_at < timedelta(seconds=1)


async def test_with_the_scheduler_off_nothing_closes_on_its_own(aiohttp_client, db_url, fake_line):
    await aiohttp_client(line_app(db_url, fake_line, scheduler=False, scheduler_tick_s=0.1))
    campaign = await a_campaign_closing_at(utcnow() + timedelta(seconds=0.3))

    await ticks_pass(10, 0.1)  # ten ticks after the deadline

    assert (await Campaign.get(id=campaign.id)).status == "open"
    assert fake_line.pushes == []
