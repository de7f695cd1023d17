"""A host's commands in a group: 開團, 結單, 名單, 揀貨單, and a lone 截止 / 取貨 that moves a campaign."""
from datetime import date, datetime, timedelta, timezone

from commerce.campaigns import ItemSpec, cancel_campaign, close_campaign
from commerce.members import add_host, upsert_member
from commerce.models import Campaign, CampaignGroup, Item, Notification
from commerce.ordering import Wanted, reserve
from tests.bot_helpers import TAIPEI, context, say, texts_of
from tests.factories import a_campaign

OPEN = "開團 草莓大福\nA 原味 120 限50\nB 抹茶 130 每人限2\n截止 11/30 20:00\n取貨 12/2-12/5 本店"


async def test_a_host_opening_a_campaign_creates_it_with_items_and_replies_the_announcement(db, now):
    await add_host("Uhost", "團媽")

    replies = await say(context(now), OPEN, user="Uhost")

    campaign = await Campaign.get().prefetch_related("host")
    items = [(i.label, i.name, i.price, i.cap, i.limit_per_buyer)
             for i in await Item.filter(campaign_id=campaign.id).order_by("position")]
    assert items == [("A", "原味", 120, 50, None), ("B", "抹茶", 130, None, 2)]
    assert (campaign.title, campaign.status, campaign.host.line_user_id) == ("草莓大福", "open", "Uhost")
    assert campaign.closes_at == datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert (campaign.pickup_from, campaign.pickup_until, campaign.pickup_place) == \
        (date(2026, 12, 2), date(2026, 12, 5), "本店")
    assert await CampaignGroup.filter(campaign_id=campaign.id, group__line_group_id="Cgroup1").exists()
    assert replies == [{
        "type": "text",
        "text": f"🛒 開團：草莓大福（團號 {campaign.code}）\nA 原味 $120（限量 50）\nB 抹茶 $130（每人限 2）\n"
                "截止：11/30（一）20:00\n取貨：12/2（三）–12/5（六） 本店\n"
                "下單請回覆代號＋數量，例如「A+1」或「A+1 B+2」；取消請回覆「A-1」或「取消」。",
        "_announces": campaign.id,
    }]
    assert await Notification.all().count() == 0  # the reply is the announcement: no push


async def test_buyers_can_order_from_a_campaign_a_host_just_opened(db, now):
    await add_host("Uhost", "團媽")
    ctx = context(now)
    await say(ctx, OPEN, user="Uhost")

    replies = await say(ctx, "B+2")

    assert texts_of(replies)[0].splitlines()[1:] == ["B 抹茶 ×2 已保留", "目前合計 $260"]


async def test_a_host_command_that_cannot_be_read_names_the_problem_and_opens_nothing(db, now):
    await add_host("Uhost", "團媽")

    replies = await say(context(now), "開團 草莓大福\nA 原味 120\n截止 11/20 20:00", user="Uhost")

    assert texts_of(replies)[0].splitlines()[0] == "開團資料有問題：截止時間已經過了（這一行：截止 11/20 20:00）"
    assert await Campaign.all().count() == 0


async def test_a_non_host_typing_a_host_command_is_ignored(db, now):
    await upsert_member("Ubuyer1", "小明")
    campaign = await a_campaign(now)

    for text in (OPEN, "結單", "名單", "揀貨單"):
        assert await say(context(now), text) == [], text

    assert await Campaign.all().count() == 1
    assert (await Campaign.get(id=campaign.id)).status == "open"
    assert await Notification.all().count() == 0


async def test_a_host_closing_the_groups_campaign_closes_it_and_queues_the_pick_list_once(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福", host="Uhost")
    buyer = await upsert_member("Ubuyer1", "小明")
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)

    replies = await say(context(now), "結單", user="Uhost")

    assert texts_of(replies) == [f"🔒 已結單：草莓大福（團號 {campaign.code}），共 1 筆訂單。揀貨單會私訊給團主。"]
    assert (await Campaign.get(id=campaign.id)).status == "closed"
    assert [(n.recipient, n.template) for n in await Notification.all()] == [("Uhost", "pick_list")]


async def test_closing_an_already_closed_campaign_says_so(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")
    await close_campaign(campaign.id, now=now)

    replies = await say(context(now), "結單", user="Uhost")

    # The group's first message since the close also carries the close notice, once (free).
    assert texts_of(replies)[0].startswith("🔔「草莓大福」已結單，謝謝大家跟團！")
    assert texts_of(replies)[1:] == ["「草莓大福」先前已結單。"]


async def test_closing_with_several_open_asks_the_host_to_quote_one(db, now):
    await add_host("Uhost", "團媽")
    first = await a_campaign(now, title="草莓大福")
    second = await a_campaign(now, title="布丁")

    replies = await say(context(now), "結單", user="Uhost")

    assert texts_of(replies) == [f"有幾團同時進行：\n・{first.code} 草莓大福\n・{second.code} 布丁\n"
                                 "請長按要處理那團的公告，選「回覆」再輸入「結單」。"]
    assert await Campaign.filter(status="open").count() == 2


async def test_closing_the_quoted_campaign_leaves_the_other_open(db, now):
    await add_host("Uhost", "團媽")
    first = await a_campaign(now, title="草莓大福")
    second = await a_campaign(now, title="布丁")
    await CampaignGroup.filter(campaign_id=second.id).update(announce_message_id="ann2")

    await say(context(now), "結單", user="Uhost", quoted="ann2")

    assert [(c.id, c.status) for c in await Campaign.all().order_by("id")] == \
        [(first.id, "open"), (second.id, "closed")]


async def test_the_orders_list_shows_names_and_quantities_but_no_phones(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2), ItemSpec(label="B", name="抹茶", price=130))
    a = await upsert_member("Ua", "阿美")
    b = await upsert_member("Ub", "<b>阿明</b>\x1b[31m")
    from commerce.members import bind_phone
    await bind_phone(a.id, "0912345678")
    await reserve(campaign_id=campaign.id, member_id=a.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)
    await reserve(campaign_id=campaign.id, member_id=b.id, wanted=[Wanted("A", 1)], now=now)

    replies = await say(context(now), "名單", user="Uhost")

    assert texts_of(replies) == [f"📋 名單：草莓大福（團號 {campaign.code}）共 2 筆\n"
                                 "#1 阿美：A×2 B×1\n#2 <b>阿明</b>[31m：A×1(候補)"]


async def test_a_long_orders_list_is_split_within_five_messages(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120))
    for i in range(300):
        member = await upsert_member(f"U{i:04d}", f"買家{i:03d}" + "長" * 25)
        await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", 1)], now=now)

    replies = await say(context(now), "名單", user="Uhost")

    assert 1 < len(replies) <= 5
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 5000 for m in replies)
    assert sum(m["text"].count("\n#") + m["text"].startswith("#") for m in replies) == 300


async def test_the_pick_list_command_queues_one_notification_to_the_hosts_chat(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, host="Uother")

    replies = await say(context(now), "揀貨單", user="Uhost")

    assert texts_of(replies) == ["📦 揀貨單已私訊給您（請先加我好友才收得到）。"]
    notes = await Notification.all()
    assert [(n.recipient_kind, n.recipient, n.template, n.params, n.campaign_id, n.dedupe_key)
            for n in notes] == [("host", "Uhost", "pick_list", {"campaign_id": campaign.id}, campaign.id, None)]


async def test_host_commands_in_one_to_one_chat_point_to_the_group(db, now):
    await add_host("Uhost", "團媽")

    assert texts_of(await say(context(now), "結單", user="Uhost", group=None)) == ["團主指令請在團購群組裡輸入。"]


async def test_a_host_closing_in_one_group_tells_the_campaigns_other_groups_by_their_next_reply(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福", host="Uhost", groups=("Cgroup1", "Cgroup2"))

    await say(context(now), "結單", user="Uhost", group="Cgroup1")  # answered there and then

    here = await say(context(now), "今天好冷", group="Cgroup1")
    there = await say(context(now), "今天好冷", group="Cgroup2")
    again = await say(context(now), "今天好冷", group="Cgroup2")
    assert here == [] and again == []  # chat stays silent; told once
    assert texts_of(there)[0].startswith("🔔「草莓大福」已結單，謝謝大家跟團！")
    assert (await Campaign.get(id=campaign.id)).status == "closed"
    assert [n.template for n in await Notification.filter(channel="push")] == ["pick_list"]  # no group push


async def test_a_host_announcing_a_campaign_past_its_deadline_is_told_it_is_closed_even_before_the_close_job(db, now):
    # Given a campaign whose deadline passed a minute ago, not yet marked closed.
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)
    later = campaign.closes_at.replace(second=0) + timedelta(minutes=1)

    replies = await say(context(later), "公告", user="Uhost")

    assert texts_of(replies) == ["「草莓大福」先前已結單。"]
    assert (await Campaign.get(id=campaign.id)).status == "open"



# --- the note of a 開團, and moving a campaign's deadline or pickup ------------------------------

WEEKDAYS = "一二三四五六日"


def local_day(now: datetime, days: int) -> date:
    """The shop's calendar day `days` after `now`."""
    return (now + timedelta(days=days)).astimezone(TAIPEI).date()


def md(day: date) -> str:
    return f"{day.month}/{day.day}"


def shown(day: date) -> str:
    return f"{day.month}/{day.day}（{WEEKDAYS[day.weekday()]}）"


def at_20(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 20, 0, tzinfo=TAIPEI).astimezone(timezone.utc)


async def test_the_lines_of_an_open_that_are_no_field_are_kept_and_shown_under_the_items(db, now):
    await add_host("Uhost", "團媽")
    closes = local_day(now, 6)

    replies = await say(context(now), f"開團 草莓大福\n要預付喔\u202e\nA 原味 120\n截止 {md(closes)} 20:00\n數量有限，售完為止",
                        user="Uhost")

    campaign = await Campaign.get()
    assert campaign.note == "要預付喔\u202e\n數量有限，售完為止"  # stored as typed; cleaned when shown
    assert texts_of(replies) == [
        f"🛒 開團：草莓大福（團號 {campaign.code}）\nA 原味 $120\n要預付喔\n數量有限，售完為止\n"
        f"截止：{shown(closes)}20:00\n下單請回覆「+1」（要幾份就 +幾），取消請回覆「-1」或「取消」。"]


async def test_a_host_moves_the_groups_only_campaigns_deadline(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")
    new = local_day(now, 10)

    replies = await say(context(now), f"截止 {md(new)} 20:00", user="Uhost")

    assert (await Campaign.get(id=campaign.id)).closes_at == at_20(new)
    assert texts_of(replies) == [f"⏰ 已更改截止時間：草莓大福（團號 {campaign.code}）改為 {shown(new)}20:00 截止。"]


async def test_a_host_moves_the_deadline_in_english(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="Mochi")
    new = local_day(now, 10)

    replies = await say(context(now, locale="en"), f"deadline {md(new)} 20:00", user="Uhost")

    assert (await Campaign.get(id=campaign.id)).closes_at == at_20(new)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[new.weekday()]
    assert texts_of(replies) == [f"⏰ New deadline: Mochi (code {campaign.code}) now closes {weekday} {md(new)} 20:00."]


async def test_a_host_moves_the_pickup_window_and_place(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")  # closes in 3 days
    first, last = local_day(now, 5), local_day(now, 7)

    replies = await say(context(now), f"取貨 {md(first)}-{md(last)} 二樓櫃檯", user="Uhost")

    stored = await Campaign.get(id=campaign.id)
    assert (stored.pickup_from, stored.pickup_until, stored.pickup_place) == (first, last, "二樓櫃檯")
    assert stored.closes_at == campaign.closes_at
    assert texts_of(replies) == [
        f"📦 已更改取貨：草莓大福（團號 {campaign.code}）改為 {shown(first)}–{shown(last)} 二樓櫃檯。"]


async def test_a_pickup_move_without_a_place_keeps_the_place(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)
    await say(context(now), f"取貨 {md(local_day(now, 5))} 本店", user="Uhost")
    day = local_day(now, 6)

    await say(context(now), f"pickup {md(day)}", user="Uhost")

    stored = await Campaign.get(id=campaign.id)
    assert (stored.pickup_from, stored.pickup_until, stored.pickup_place) == (day, day, "本店")


async def test_a_closed_campaigns_pickup_can_still_move(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")
    await close_campaign(campaign.id, now=now)
    day = local_day(now, 8)

    replies = await say(context(now), f"取貨 {md(day)} 本店", user="Uhost")

    assert (await Campaign.get(id=campaign.id)).pickup_from == day
    assert texts_of(replies)[-1] == f"📦 已更改取貨：草莓大福（團號 {campaign.code}）改為 {shown(day)} 本店。"


async def test_a_pickup_before_the_deadline_names_the_problem_and_changes_nothing(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)  # closes in 3 days
    early = local_day(now, 2)
    line = f"取貨 {early.year}/{md(early)} 本店"

    replies = await say(context(now), line, user="Uhost")

    assert texts_of(replies) == [f"沒有更改：取貨日期在截止之前（這一行：{line}）\n範例：取貨 12/12-12/14 本店"]
    stored = await Campaign.get(id=campaign.id)
    assert (stored.pickup_from, stored.pickup_until, stored.pickup_place) == (None, None, "")


async def test_the_quoted_campaign_moves_when_two_are_open(db, now):
    await add_host("Uhost", "團媽")
    first = await a_campaign(now, title="草莓大福")
    second = await a_campaign(now, title="布丁")
    await CampaignGroup.filter(campaign_id=second.id).update(announce_message_id="ann2")
    new = local_day(now, 10)

    replies = await say(context(now), f"截止 {md(new)} 20:00", user="Uhost", quoted="ann2")

    assert [(c.id, c.closes_at) for c in await Campaign.all().order_by("id")] == \
        [(first.id, first.closes_at), (second.id, at_20(new))]
    assert texts_of(replies) == [f"⏰ 已更改截止時間：布丁（團號 {second.code}）改為 {shown(new)}20:00 截止。"]


async def test_a_move_with_two_open_and_no_quote_asks_which_and_changes_nothing(db, now):
    await add_host("Uhost", "團媽")
    first = await a_campaign(now, title="草莓大福")
    second = await a_campaign(now, title="布丁")
    line = f"取貨 {md(local_day(now, 5))} 本店"

    replies = await say(context(now), line, user="Uhost")

    assert texts_of(replies) == [f"有幾團同時進行：\n・{first.code} 草莓大福\n・{second.code} 布丁\n"
                                 f"請長按要處理那團的公告，選「回覆」再輸入「{line}」。"]
    assert [(c.pickup_from, c.pickup_place) for c in await Campaign.all()] == [(None, ""), (None, "")]


async def test_a_deadline_in_the_past_names_the_problem_and_changes_nothing(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)
    gone = local_day(now, -2)
    line = f"截止 {md(gone)} 20:00"

    replies = await say(context(now), line, user="Uhost")

    assert texts_of(replies) == [f"沒有更改：截止時間已經過了（這一行：{line}）\n範例：截止 12/11 20:00"]
    assert (await Campaign.get(id=campaign.id)).closes_at == campaign.closes_at


async def test_a_deadline_that_cannot_be_read_shows_how_to_write_it(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)

    replies = await say(context(now), "截止 明天", user="Uhost")

    assert texts_of(replies) == ["沒有更改：截止時間看不懂，請寫成「截止 11/30 20:00」（這一行：截止 明天）\n"
                                 "範例：截止 12/11 20:00"]
    assert (await Campaign.get(id=campaign.id)).closes_at == campaign.closes_at


async def test_a_closed_campaigns_deadline_does_not_move(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")
    await close_campaign(campaign.id, now=now)
    closed = await Campaign.get(id=campaign.id)

    replies = await say(context(now), f"截止 {md(local_day(now, 10))} 20:00", user="Uhost")

    assert texts_of(replies)[-1] == "「草莓大福」已結單，截止時間不能再改。"
    stored = await Campaign.get(id=campaign.id)
    assert (stored.status, stored.closes_at) == ("closed", closed.closes_at)


async def test_a_deadline_that_passed_before_the_close_job_ran_does_not_reopen_the_campaign(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")  # closes in 3 days; the close job has not run
    later = campaign.closes_at + timedelta(minutes=5)

    replies = await say(context(later), f"截止 {md(local_day(later, 3))} 20:00", user="Uhost")

    assert texts_of(replies)[-1] == "「草莓大福」已結單，截止時間不能再改。"
    assert (await Campaign.get(id=campaign.id)).closes_at == campaign.closes_at


async def test_a_cancelled_campaign_does_not_change(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now, title="草莓大福")
    await cancel_campaign(campaign.id, now=now)

    replies = await say(context(now), f"取貨 {md(local_day(now, 5))} 本店", user="Uhost")

    assert texts_of(replies)[-1] == "「草莓大福」已取消，不能再更改。"
    stored = await Campaign.get(id=campaign.id)
    assert (stored.pickup_from, stored.pickup_place) == (None, "")


async def test_a_non_host_moving_a_deadline_or_pickup_gets_no_answer_and_changes_nothing(db, now):
    await upsert_member("Ubuyer1", "小明")
    campaign = await a_campaign(now)

    for text in (f"截止 {md(local_day(now, 10))} 20:00", f"取貨 {md(local_day(now, 5))} 本店", "截止 明天"):
        assert await say(context(now), text) == [], text

    stored = await Campaign.get(id=campaign.id)
    assert (stored.closes_at, stored.pickup_from, stored.pickup_place) == (campaign.closes_at, None, "")


async def test_a_host_asking_for_the_pickup_code_is_not_moving_the_pickup(db, now):
    await add_host("Uhost", "團媽")
    campaign = await a_campaign(now)

    for text in ("取貨 qr", "取貨地點在哪", "截止了嗎"):
        assert "沒有更改" not in "".join(texts_of(await say(context(now), text, user="Uhost"))), text

    assert (await Campaign.get(id=campaign.id)).pickup_place == ""
