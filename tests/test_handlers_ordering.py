"""Group "+1" conversations through `bot.handlers.handle`, on a real database, each event run
inside an outer transaction as the webhook runs it (tests.bot_helpers.run)."""
from datetime import timedelta

from tortoise.transactions import in_transaction

from bot.handlers import handle
from commerce.campaigns import ItemSpec, close_campaign
from commerce.models import CampaignGroup, Item, Member, Notification, Order, OrderLine
from commerce.ordering import Wanted, reserve
from commerce.members import upsert_member
from tests.bot_helpers import FakeProfiles, context, event, run, said, say, texts_of
from tests.factories import a_campaign


async def row_counts():
    return (await Member.all().count(), await Order.all().count(), await OrderLine.all().count(),
            await Notification.all().count())


async def active_lines():
    return [(l.item.label, l.qty, l.status, l.source_message_id)
            for l in await OrderLine.filter(status__in=("reserved", "waitlisted"))
            .prefetch_related("item").order_by("id")]


async def test_plus_one_books_the_only_item_and_replies_with_the_order(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=50))
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "王小明"}))

    replies = await run(said("+1", message_id="m100", quote_token="qt1"), ctx)

    assert replies == [{"type": "text", "quote_token": "qt1",
                        "text": "✅ 王小明的訂單 #1\nA 原味 ×1 已保留\n目前合計 $120"}]
    assert await active_lines() == [("A", 1, "reserved", "m100")]
    assert (await Member.get(line_user_id="Ubuyer1")).display_name == "王小明"


async def test_labelled_lines_book_each_item_and_the_total_counts_reserved_lines(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "a +2 b+1", message_id="m7")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA 原味 ×2 已保留\nB 抹茶 ×1 已保留\n目前合計 $370"]
    assert await active_lines() == [("A", 2, "reserved", "m7"), ("B", 1, "reserved", "m7")]


async def test_full_width_plus_one_with_words_picks_the_item_whose_name_holds_them(db, now):
    await a_campaign(now, ItemSpec(label="A", name="紅色 M", price=300), ItemSpec(label="B", name="藍色 L", price=300))
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "＋１ 藍色")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nB 藍色 L ×1 已保留\n目前合計 $300"]


async def test_words_after_a_label_are_kept_as_a_note_and_shown(db, now):
    await a_campaign(now, ItemSpec(label="A", name="T恤", price=300), ItemSpec(label="B", name="帽子", price=200))
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "A+1 黑 XL")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA T恤（黑 XL） ×1 已保留\n目前合計 $300"]
    assert (await OrderLine.get()).note == "黑 XL"


async def test_plus_one_with_several_items_asks_which_and_books_nothing(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    before = await row_counts()

    replies = await say(context(now), "+1")

    assert texts_of(replies) == ["要哪一項呢？請回覆這則訊息輸入代號，或重新輸入，例如 A+1\nA 原味 $120\nB 抹茶 $130"]
    assert await row_counts() == before


async def test_an_unknown_label_gets_the_menu_and_books_nothing(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))

    replies = await say(context(now), "C+1")

    assert texts_of(replies) == ["這團沒有 C 喔，可選：\nA 原味 $120\nB 抹茶 $130"]
    assert await OrderLine.all().count() == 0


async def test_a_sold_out_item_is_waitlisted_with_the_buyers_place_in_line(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=1))
    first = await upsert_member("Ufirst", "先來")
    await reserve(campaign_id=campaign.id, member_id=first.id, wanted=[Wanted("A", 1)], now=now)
    second = await upsert_member("Usecond", "次來")
    await reserve(campaign_id=campaign.id, member_id=second.id, wanted=[Wanted("A", 1)], now=now)
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "+2")

    assert texts_of(replies) == [
        "✅ 小明的訂單 #3\nA 原味 ×2 候補第 2 位\n目前合計 $0\n"
        "有人取消時會依序遞補並私訊通知（請先加我好友）。"]


async def test_an_order_quoting_an_announcement_books_that_campaign_though_several_are_open(db, now):
    first = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), title="草莓大福")
    second = await a_campaign(now, ItemSpec(label="A", name="布丁", price=80), title="布丁")
    await CampaignGroup.filter(campaign_id=second.id).update(announce_message_id="ann2")
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "+1", quoted="ann2")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA 布丁 ×1 已保留\n目前合計 $80"]
    assert await Order.filter(campaign_id=second.id).count() == 1
    assert await Order.filter(campaign_id=first.id).count() == 0


async def test_quoting_another_buyers_plus_one_books_the_same_campaign(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), title="草莓大福")
    second = await a_campaign(now, ItemSpec(label="A", name="布丁", price=80), title="布丁")
    other = await upsert_member("Uother", "別人")
    await reserve(campaign_id=second.id, member_id=other.id, wanted=[Wanted("A", 1)], now=now,
                  source_message_id="theirs")

    await say(context(now), "+1", quoted="theirs")

    assert await Order.filter(campaign_id=second.id).count() == 2


async def test_with_several_open_campaigns_and_no_quote_the_bot_asks_which_listing_codes(db, now):
    first = await a_campaign(now, title="草莓大福")
    second = await a_campaign(now, title="布丁")
    before = await row_counts()

    replies = await say(context(now), "+1")

    assert texts_of(replies) == [
        f"這個群組有幾團同時進行：\n・{first.code} 草莓大福\n・{second.code} 布丁\n"
        f"請回覆這則訊息輸入團號（例如 {first.code}），或長按該團的公告，選「回覆」後再輸入。"]
    assert await row_counts() == before


async def test_an_order_after_the_campaign_closed_is_told_it_is_closed_and_nothing_is_booked(db, now):
    campaign = await a_campaign(now, title="草莓大福")
    await close_campaign(campaign.id, now=now)
    lines_before = await OrderLine.all().count()

    replies = await say(context(now), "+1")

    # The group's first message since the close also carries the close notice, once (free).
    assert texts_of(replies)[0].startswith("🔔「草莓大福」已結單，謝謝大家跟團！")
    assert texts_of(replies)[1:] == ["「草莓大福」已結單，無法再下單或更改囉。"]
    assert await OrderLine.all().count() == lines_before == 0
    assert await Order.all().count() == 0


async def test_an_order_quoting_a_closed_campaign_is_refused_by_the_core_and_nothing_is_booked(db, now):
    closed = await a_campaign(now, title="草莓大福")
    await a_campaign(now, title="布丁")
    await CampaignGroup.filter(campaign_id=closed.id).update(announce_message_id="ann1")
    await close_campaign(closed.id, now=now)

    replies = await say(context(now), "+1", quoted="ann1")

    # The group's first message since the close also carries the close notice, once (free).
    assert texts_of(replies)[0].startswith("🔔「草莓大福」已結單，謝謝大家跟團！")
    assert texts_of(replies)[1:] == ["「草莓大福」已結單，無法再下單或更改囉。"]
    assert await Order.all().count() == 0 and await OrderLine.all().count() == 0


async def test_an_order_in_a_group_with_no_campaign_gets_a_short_reply(db, now):
    replies = await say(context(now), "+1", group="Cnothing")

    assert texts_of(replies) == ["這個群組目前沒有進行中的團購。"]
    assert await Member.all().count() == 0


async def test_an_order_over_the_per_buyer_limit_is_refused_and_says_so(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=50, limit_per_buyer=2))
    ctx = context(now)
    await say(ctx, "+1", message_id="m1")

    replies = await say(ctx, "+2")

    assert texts_of(replies) == ["A 原味 每人限購 2 份（您已訂 1 份），這次沒有登記。"]
    assert await active_lines() == [("A", 1, "reserved", "m1")]


async def test_a_malformed_order_gets_an_example_and_books_nothing(db, now):
    await a_campaign(now)
    before = await row_counts()

    assert texts_of(await say(context(now), "+0")) == ["數量請填 1–99，例如 +2"]
    assert texts_of(await say(context(now), "A+")) == ["要訂幾份呢？例如 +1 或 A+2"]
    assert texts_of(await say(context(now), "+1.5")) == ["數量請填整數，例如 +2"]
    assert await row_counts() == before


async def test_a_malformed_order_in_a_group_without_campaigns_is_not_answered(db, now):
    assert await say(context(now), "+0", group="Cnothing") == []


async def test_ordinary_chat_is_never_answered_and_writes_nothing(db, now):
    await a_campaign(now)
    profiles = FakeProfiles()
    ctx = context(now, profiles=profiles)
    before = await row_counts()

    for text in ("大家好", "我+1天就到", "1+1=2", "+886 912 345 678", "A+ 好評", "開團 草莓", "取消了嗎",
                 "-5 度好冷", "我的訂單"):
        assert await say(ctx, text) == [], text

    assert await row_counts() == before
    assert profiles.calls == []


async def test_minus_one_cancels_a_unit_and_the_reply_shows_what_is_left(db, now):
    await a_campaign(now)
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))
    await say(ctx, "+3")

    replies = await say(ctx, "-1")

    assert texts_of(replies) == ["已取消：\nA 原味 ×1\n訂單 #1 目前：\nA 原味 ×2 已保留\n目前合計 $240"]


async def test_cancel_by_label_cancels_that_item_only(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    ctx = context(now)
    await say(ctx, "A+1 B+2")

    replies = await say(ctx, "取消 B")

    assert texts_of(replies) == ["已取消：\nB 抹茶 ×2\n訂單 #1 目前：\nA 原味 ×1 已保留\n目前合計 $120"]


async def test_cancel_with_a_label_and_quantity_cancels_that_many(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    ctx = context(now)
    await say(ctx, "A+3 B+1")

    replies = await say(ctx, "A-2")

    assert texts_of(replies) == [
        "已取消：\nA 原味 ×2\n訂單 #1 目前：\nA 原味 ×1 已保留\nB 抹茶 ×1 已保留\n目前合計 $250"]


async def test_cancel_alone_cancels_the_whole_order_and_promotes_the_waitlist(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=1))
    ctx = context(now)
    await say(ctx, "+1")
    waiting = await upsert_member("Uwaiting", "等等")
    await reserve(campaign_id=campaign.id, member_id=waiting.id, wanted=[Wanted("A", 1)], now=now)

    replies = await say(ctx, "取消")

    assert texts_of(replies) == ["已取消：\nA 原味 ×1\n訂單 #1 已全部取消。"]
    assert (await Order.get(id=1)).status == "cancelled"
    promoted = await Notification.get(template="waitlist_promoted")
    assert promoted.recipient == "Uwaiting" and promoted.params["qty"] == 1


async def test_minus_one_with_several_items_held_asks_which(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    ctx = context(now)
    await say(ctx, "A+1 B+1")

    replies = await say(ctx, "-1")

    assert texts_of(replies) == ["您訂了好幾項，要取消哪一項呢？例如 A-1"]
    assert len(await active_lines()) == 2


async def test_cancel_without_an_order_says_there_is_nothing_to_cancel(db, now):
    await a_campaign(now)

    replies = await say(context(now), "-1")

    assert texts_of(replies) == ["您目前沒有可取消的訂購。"]


async def test_cancel_after_the_campaign_closed_is_refused_and_keeps_the_order(db, now):
    campaign = await a_campaign(now, title="草莓大福")
    ctx = context(now)
    await say(ctx, "+1")
    await close_campaign(campaign.id, now=now)

    replies = await say(ctx, "取消")

    # The group's first message since the close also carries the close notice, once (free).
    assert texts_of(replies)[0].startswith("🔔「草莓大福」已結單，謝謝大家跟團！")
    assert texts_of(replies)[1:] == ["「草莓大福」已結單，無法再下單或更改囉。"]
    assert len(await active_lines()) == 1


async def test_an_order_within_the_last_hour_is_told_the_closing_time(db, now):
    await a_campaign(now)
    soon = now + timedelta(days=3) - timedelta(minutes=40)  # closes at 12:00 Taipei

    replies = await say(context(soon, profiles=FakeProfiles({"Ubuyer1": "小明"})), "+1")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA 原味 ×1 已保留\n目前合計 $120\n⏰ 本團 12:00 結單"]


async def test_editing_plus_one_to_plus_three_keeps_the_first_unit_and_books_two_more(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2))
    ctx = context(now)
    await say(ctx, "+1", message_id="m1")

    replies = await run(said("+3", kind="edited", message_id="m1"), ctx)

    # The kept unit keeps its stock; of the two more, the one unit left is reserved and the
    # other waits its turn.
    assert texts_of(replies) == ["✏️ 已更新訂單 #1：\nA 原味 ×2 已保留\nA 原味 ×1 候補中\n目前合計 $240"]
    assert await active_lines() == [("A", 1, "reserved", "m1"), ("A", 1, "reserved", "m1"), ("A", 1, "waitlisted", "m1")]
    assert (await Item.get()).sold == 2


async def test_editing_a_message_to_fewer_units_and_another_label_keeps_the_rest(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    ctx = context(now)
    await say(ctx, "A+3", message_id="m1")

    replies = await run(said("A+1 B+1", kind="edited", message_id="m1"), ctx)

    assert texts_of(replies) == [
        "✏️ 已更新訂單 #1：\nA 原味 ×1 已保留\nB 抹茶 ×1 已保留\n目前合計 $250"]
    assert await active_lines() == [("A", 1, "reserved", "m1"), ("B", 1, "reserved", "m1")]
    assert [i.sold for i in await Item.all().order_by("label")] == [1, 1]


async def test_an_edit_that_goes_over_the_limit_changes_nothing(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, limit_per_buyer=2))
    ctx = context(now)
    await say(ctx, "+1", message_id="m1")

    replies = await run(said("+5", kind="edited", message_id="m1"), ctx)

    assert texts_of(replies) == ["A 原味 每人限購 2 份（您已訂 1 份），這次沒有登記。"]
    assert await active_lines() == [("A", 1, "reserved", "m1")]


async def test_editing_an_order_into_chat_cancels_its_lines(db, now):
    await a_campaign(now)
    ctx = context(now)
    await say(ctx, "+2", message_id="m1")

    replies = await run(said("算了不要了", kind="edited", message_id="m1"), ctx)

    assert texts_of(replies) == ["訂單 #1 已全部取消。"]
    assert await active_lines() == []


async def test_editing_chat_into_an_order_books_it(db, now):
    await a_campaign(now)

    replies = await run(said("+1", kind="edited", message_id="m9"), context(now))

    assert texts_of(replies)[0].startswith("✅ ")
    assert await active_lines() == [("A", 1, "reserved", "m9")]


async def test_unsending_an_order_message_cancels_its_lines_and_says_nothing(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=5))
    ctx = context(now)
    await say(ctx, "+2", message_id="m1")
    await say(ctx, "+1", message_id="m2")

    replies = await run(event("unsend", message_id="m1"), ctx)

    assert replies == []
    assert await active_lines() == [("A", 1, "reserved", "m2")]
    assert (await Item.get()).sold == 1


async def test_unsending_someone_elses_message_id_cancels_nothing(db, now):
    await a_campaign(now)
    await say(context(now), "+1", message_id="m1")

    await run(event("unsend", user="Uintruder", message_id="m1"), context(now))

    assert len(await active_lines()) == 1


async def test_a_display_name_with_markup_and_control_characters_is_shown_as_plain_clean_text(db, now):
    await a_campaign(now)
    evil = "<script>alert(1)</script>\n\u202e\x07小明" + "很長" * 40
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": evil}))

    replies = await say(ctx, "+1")

    first_line = texts_of(replies)[0].split("\n")[0]
    assert first_line == "✅ <script>alert(1)</script> 小明很…的訂單 #1"
    assert (await Member.get(line_user_id="Ubuyer1")).display_name == evil[:200]


async def test_the_profile_is_fetched_once_per_new_buyer(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    profiles = FakeProfiles({"Ubuyer1": "小明"})
    ctx = context(now, profiles=profiles)

    await say(ctx, "A+1")
    await say(ctx, "B+1")

    assert profiles.calls == [("Ubuyer1", "Cgroup1")]


async def test_english_locale_replies_in_english(db, now):
    await a_campaign(now, ItemSpec(label="A", name="Plain", price=120), ItemSpec(label="B", name="Matcha", price=130))
    ctx = context(now, locale="en", profiles=FakeProfiles({"Ubuyer1": "Ming"}))

    assert texts_of(await say(ctx, "A+1")) == ["✅ Order #1 for Ming\nA Plain ×1 reserved\nTotal so far: $120"]
    assert texts_of(await say(ctx, "+1")) == ["Which item? Reply to this message with its label, or write e.g. A+1\nA Plain $120\nB Matcha $130"]


async def test_a_refusal_inside_the_callers_transaction_leaves_the_callers_writes_in_place(db, now):
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120, limit_per_buyer=1))
    ctx = context(now)
    await say(ctx, "+1")

    async with in_transaction():  # as the webhook does: the event is recorded in it too
        replies = await handle(said("+1"), ctx)  # refused by the core inside a savepoint
        await upsert_member("Ucaller", "the caller's own write")

    assert texts_of(replies) == ["A 原味 每人限購 1 份（您已訂 1 份），這次沒有登記。"]
    assert await Member.exists(line_user_id="Ucaller")
    assert len(await active_lines()) == 1
