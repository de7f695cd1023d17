"""Issue #14, through `bot.handlers.handle` on a real database: orders as buyers type them,
and the campaign they mean when several are open in one group."""
from commerce.campaigns import ItemSpec, close_campaign
from commerce.members import upsert_member
from commerce.models import CampaignGroup, Member, Notification, Order, OrderLine, Payment
from commerce.ordering import Wanted, reserve
from tests.bot_helpers import FakeProfiles, context, say, texts_of
from tests.factories import a_campaign


async def row_counts():
    return (await Member.all().count(), await Order.all().count(), await OrderLine.all().count(),
            await Notification.all().count(), await Payment.all().count())


async def booked():
    return [(l.item.campaign_id, l.item.label, l.qty, l.note or None)
            for l in await OrderLine.filter(status__in=("reserved", "waitlisted"))
            .prefetch_related("item").order_by("id")]


async def two_campaigns(now):
    sweets = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130), title="大福")
    snacks = await a_campaign(now, ItemSpec(label="A", name="芒果乾", price=200), ItemSpec(label="D", name="鳳梨酥", price=300),
                              title="果乾")
    return sweets, snacks


async def test_a_label_only_one_open_campaign_has_picks_that_campaign(db, now):
    _, snacks = await two_campaigns(now)
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "D+1")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nD 鳳梨酥 ×1 已保留\n目前合計 $300"]
    assert await booked() == [(snacks.id, "D", 1, None)]


async def test_a_label_every_open_campaign_has_asks_which_and_books_nothing(db, now):
    sweets, snacks = await two_campaigns(now)
    before = await row_counts()

    replies = await say(context(now), "A+1")

    assert texts_of(replies) == [
        f"這個群組有幾團同時進行：\n・{sweets.code} 大福\n・{snacks.code} 果乾\n"
        f"請回覆這則訊息輸入團號（例如 {sweets.code}），或長按該團的公告，選「回覆」後再輸入。"]
    assert await row_counts() == before


async def test_the_campaign_code_before_the_order_picks_that_campaign(db, now):
    sweets, _ = await two_campaigns(now)

    await say(context(now), f"{sweets.code} A+2")

    assert await booked() == [(sweets.id, "A", 2, None)]


async def test_the_campaign_code_after_the_order_picks_that_campaign(db, now):
    _, snacks = await two_campaigns(now)

    await say(context(now), f"A+1 {snacks.code}")

    assert await booked() == [(snacks.id, "A", 1, None)]


async def test_a_code_no_campaign_of_the_group_has_is_a_word_so_with_two_open_the_bot_asks_which(db, now):
    sweets, snacks = await two_campaigns(now)
    unknown = next(c for c in ("ZZZZ", "YYYY") if c not in (sweets.code, snacks.code))
    before = await row_counts()

    replies = await say(context(now), f"{unknown} +1")

    assert texts_of(replies)[0].startswith(
        f"這個群組有幾團同時進行：\n・{sweets.code} 大福\n・{snacks.code} 果乾\n")
    assert await row_counts() == before


async def test_a_variant_word_shaped_like_a_code_is_the_variant_not_a_campaign(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="帽T", price=590), title="帽T")
    assert campaign.code not in ("BLUE", "PINK")

    await say(context(now), "+1 BLUE")
    await say(context(now, profiles=FakeProfiles({"Ubuyer2": "阿華"})), "A+1 PINK", user="Ubuyer2")

    assert await booked() == [(campaign.id, "A", 1, "BLUE"), (campaign.id, "A", 1, "PINK")]


async def test_a_cancel_with_a_code_cancels_in_that_campaign_only_and_an_unknown_code_cancels_nothing(db, now):
    sweets, snacks = await two_campaigns(now)
    buyer = await upsert_member("Ubuyer1", "小明")
    for campaign in (sweets, snacks):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)
    unknown = next(c for c in ("ZZZZ", "YYYY") if c not in (sweets.code, snacks.code))

    refused = await say(context(now), f"取消 {unknown}")
    assert texts_of(refused)[0].startswith(f"這個群組沒有團號 {unknown} 的團購")
    await say(context(now), f"{snacks.code} A-1")
    await say(context(now), f"{sweets.code} 取消")

    assert await booked() == [(snacks.id, "A", 1, None)]


async def test_the_code_of_a_closed_campaign_is_told_it_is_closed(db, now):
    sweets, _ = await two_campaigns(now)
    await close_campaign(sweets.id, now=now)

    replies = await say(context(now), f"{sweets.code} A+1")

    # The group's first message since the close also carries the close notice, once (free).
    assert texts_of(replies)[0].startswith("🔔「大福」已結單，謝謝大家跟團！")
    assert texts_of(replies)[1:] == ["「大福」已結單，無法再下單或更改囉。"]
    assert await OrderLine.all().count() == 0


async def test_an_item_name_picks_the_campaign_and_the_item(db, now):
    _, snacks = await two_campaigns(now)
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "芒果乾+1")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA 芒果乾 ×1 已保留\n目前合計 $200"]
    assert await booked() == [(snacks.id, "A", 1, None)]


async def test_quoting_the_announcement_still_wins_over_labels(db, now):
    sweets, snacks = await two_campaigns(now)
    await CampaignGroup.filter(campaign_id=sweets.id).update(announce_message_id="ann1")

    await say(context(now), "A+1", quoted="ann1")

    assert await booked() == [(sweets.id, "A", 1, None)]


async def test_an_order_naming_items_of_two_campaigns_asks_which(db, now):
    await two_campaigns(now)
    before = await row_counts()

    replies = await say(context(now), "B+1 D+1")

    assert texts_of(replies)[0].startswith("這個群組有幾團同時進行")
    assert await row_counts() == before


async def test_plus_one_times_two_books_two(db, now):
    campaign = await a_campaign(now)

    await say(context(now), "+1 x2")

    assert await booked() == [(campaign.id, "A", 2, None)]


async def test_plus_one_for_a_friend_too_books_two(db, now):
    await a_campaign(now)

    await say(context(now), "+1 幫我朋友也+1")

    assert sum(qty for *_, qty, _ in await booked()) == 2


async def test_thanks_after_an_order_are_not_a_variant_note(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="T恤", price=300), ItemSpec(label="B", name="帽子", price=200))

    replies = await say(context(now, profiles=FakeProfiles({"Ubuyer1": "小明"})), "A+1 謝謝")

    assert texts_of(replies) == ["✅ 小明的訂單 #1\nA T恤 ×1 已保留\n目前合計 $300"]
    assert await booked() == [(campaign.id, "A", 1, None)]


async def test_words_before_the_token_pick_the_item(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="紅色 M", price=300), ItemSpec(label="B", name="紅色 L", price=300))

    await say(context(now), "紅色M +1")

    assert await booked() == [(campaign.id, "A", 1, None)]


async def test_two_quantities_in_one_order_are_asked_about_and_nothing_is_booked(db, now):
    await a_campaign(now)
    before = await row_counts()

    replies = await say(context(now), "+1（兩盒）")

    assert texts_of(replies) == ["要訂幾份呢？請回覆 +1 或 +2，這次沒有登記。"]
    assert await row_counts() == before


async def test_the_ambiguous_quantity_question_reads_in_english(db, now):
    await a_campaign(now)

    replies = await say(context(now, locale="en"), "+2 x3")

    assert texts_of(replies) == ["How many? Reply +2 or +3 or +6; nothing was booked yet."]


async def test_an_ambiguous_order_in_a_group_without_campaigns_is_not_answered(db, now):
    assert await say(context(now), "+1（兩盒）", group="Cfriends") == []


async def test_orders_as_buyers_type_them_each_book_what_they_meant(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130),
                                ItemSpec(label="C", name="巧克力", price=140))
    typed = {"我要A一件": ("A", 1), "B 2": ("B", 2), "A*2": ("A", 2), "C x2": ("C", 2), "A1": ("A", 1),
             "A+1B+1": ("A", 1)}
    for n, (text, first) in enumerate(typed.items()):
        user = f"Ubuyer{n}"
        replies = await say(context(now), text, user=user)
        assert texts_of(replies)[0].startswith("✅ "), text
        line = await OrderLine.filter(order__member__line_user_id=user).prefetch_related("item").first()
        assert (line.item.label, line.qty) == first, text
    assert await Order.filter(campaign_id=campaign.id).count() == len(typed)


async def test_chat_that_looks_like_numbers_is_never_answered(db, now):
    await a_campaign(now)
    profiles = FakeProfiles()
    before = await row_counts()

    for text in ("我+1票贊成", "明天 +1 度", "今天氣溫+1度而已", "電話 0912345678", "UTC+8", "A4紙"):
        assert await say(context(now, profiles=profiles), text) == [], text

    assert await row_counts() == before
    assert profiles.calls == []


async def an_order(now, campaign, qty=1, user="Ubuyer1"):
    member = await upsert_member(user, "小明")
    return await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", qty)], now=now)


async def test_transfer_reports_as_buyers_type_them_are_recorded(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=350))
    await an_order(now, campaign)

    replies = await say(context(now), "轉帳完成 44556 350")

    assert texts_of(replies) == ["💰 收到轉帳回報 $350（帳號後五碼 44556），訂單 #1，待確認。"]
    payment = await Payment.get()
    assert (payment.last5, payment.amount, payment.status) == ("44556", 350, "reported")


async def test_a_report_with_the_total_written_as_gong_is_recorded(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=500))
    await an_order(now, campaign)

    await say(context(now), "匯款完成 帳號後5碼 67890 共500元")

    assert (await Payment.get()).last5 == "67890"


async def test_a_report_without_the_amount_gets_a_hint_and_records_nothing(db, now):
    await a_campaign(now)

    replies = await say(context(now), "匯款後五碼12345")

    assert texts_of(replies) == ["請寫上帳號後五碼和金額，例如：已匯款 12345 $350"]
    assert await Payment.all().count() == 0


async def test_a_code_shaped_like_two_order_tokens_still_picks_its_campaign(db, now):
    sweets, _ = await two_campaigns(now)
    await sweets.__class__.filter(id=sweets.id).update(code="Z9Z9")

    await say(context(now), "Z9Z9 A+1")

    assert await booked() == [(sweets.id, "A", 1, None)]


async def test_me_too_without_a_quantity_is_asked_how_many_only_where_a_campaign_is_open(db, now):
    assert await say(context(now), "我也要") == []  # no campaign: chat
    await a_campaign(now, ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130))
    before = await row_counts()

    asked = [texts_of(await say(context(now), text)) for text in ("我也要", "我要B")]

    assert asked == [["要訂幾份呢？例如 +1 或 A+2"]] * 2
    assert await row_counts() == before


async def test_with_two_open_a_cancel_picks_the_campaign_where_the_buyer_holds_that_item(db, now):
    sweets, snacks = await two_campaigns(now)
    buyer = await upsert_member("Ubuyer1", "小明")
    await reserve(campaign_id=sweets.id, member_id=buyer.id, wanted=[Wanted("A", 1), Wanted("B", 1)], now=now)
    await reserve(campaign_id=snacks.id, member_id=buyer.id, wanted=[Wanted("D", 2)], now=now)

    asked = await say(context(now), "取消 A")  # both campaigns have an A; the buyer holds only one
    await say(context(now), "D-1")
    ambiguous = await say(context(now), "取消")  # an order in each: which one?

    assert "已取消" in texts_of(asked)[0]
    assert texts_of(ambiguous)[0].startswith("這個群組有幾團同時進行")
    assert await booked() == [(sweets.id, "B", 1, None), (snacks.id, "D", 1, None)]
