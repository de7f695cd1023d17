"""1:1 conversations (phone, my orders, pickup code, help), privacy in groups, greetings."""
from datetime import date, datetime, timezone

from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.members import upsert_member
from commerce.models import LineGroup, Member
from commerce.ordering import Wanted, reserve
from commerce.commands import NewPayment
from commerce.payments import record_payment, report_transfer
from tests.bot_helpers import FakeProfiles, context, event, run, say, texts_of


async def test_binding_a_phone_in_one_to_one_chat_stores_it_normalised(db, now):
    ctx = context(now, profiles=FakeProfiles({"Ubuyer1": "小明"}))

    replies = await say(ctx, "綁定 0912-345-678", group=None)

    assert texts_of(replies) == ["📱 已綁定手機 0912-345-678。到店取貨報手機末三碼就可以。"]
    member = await Member.get(line_user_id="Ubuyer1")
    assert (member.phone, member.display_name) == ("+886912345678", "小明")


async def test_binding_a_bad_phone_explains_the_format_and_stores_nothing(db, now):
    await upsert_member("Ubuyer1", "小明")

    replies = await say(context(now), "bind 12345", group=None)

    assert texts_of(replies) == ["這個手機號碼看起來不對。請輸入台灣手機號碼，例如：綁定 0912345678"]
    assert (await Member.get(line_user_id="Ubuyer1")).phone is None


async def test_bind_without_a_number_asks_for_it(db, now):
    assert texts_of(await say(context(now), "綁定", group=None)) == ["請在「綁定」後面加上手機號碼，例如：綁定 0912345678"]


async def test_my_orders_lists_open_orders_with_totals_paid_balance_and_pickup(db, now):
    campaign = await open_campaign(CampaignSpec(
        title="草莓大福", items=[ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130, stock=1)],
        closes_at=datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc), pickup_from=date(2026, 12, 2),
        pickup_until=date(2026, 12, 5), pickup_place="本店", group_ids=["Cgroup1"], announce=False), now=now)
    other = await upsert_member("Uother", "別人")
    await reserve(campaign_id=campaign.id, member_id=other.id, wanted=[Wanted("B", 1)], now=now)
    me = await upsert_member("Ubuyer1", "小明")
    booking = await reserve(campaign_id=campaign.id, member_id=me.id,
                            wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)
    await record_payment(booking.order_id, NewPayment(method="cash", amount=100), actor="c", now=now)
    await report_transfer(order_id=booking.order_id, last5="12345", amount=140, actor="b", now=now)

    replies = await say(context(now), "我的訂單", group=None)

    assert texts_of(replies) == [
        "您的訂單（共 1 筆）：\n\n訂單 #2｜草莓大福\nA 原味 ×2 已保留\nB 抹茶 ×1 候補中\n"
        "合計 $240・已付 $100・待付 $140\n轉帳待確認 $140\n取貨：12/2（三）–12/5（六） 本店"]


async def test_my_orders_with_none_says_so(db, now):
    assert texts_of(await say(context(now), "my orders", group=None)) == ["您目前沒有未取貨的訂單。"]


async def test_pickup_code_replies_with_the_qr_image_and_the_token(db, now):
    member = await upsert_member("Ubuyer1", "小明")

    replies = await say(context(now, public_url="https://shop.example"), "取貨碼", group=None)

    url = f"https://shop.example/qr/{member.pickup_token}.png"
    assert replies == [
        {"type": "image", "url": url, "preview_url": url},
        {"type": "text", "text": f"您的取貨碼：{member.pickup_token}\n到櫃台出示上面的 QR 碼，或報手機號碼即可取貨。"},
    ]


async def test_pickup_code_without_a_public_url_is_the_token_as_text(db, now):
    replies = await say(context(now, public_url=""), "pickup code", group=None)

    token = (await Member.get(line_user_id="Ubuyer1")).pickup_token
    assert replies == [{"type": "text", "text": f"您的取貨碼：{token}\n到櫃台報這組代碼或手機號碼即可取貨。"}]


async def test_private_requests_in_a_group_are_refused_without_private_data(db, now):
    member = await upsert_member("Ubuyer1", "小明")

    for text in ("我的訂單", "取貨碼"):
        replies = await say(context(now), f"@PlusOne {text}", mentions_bot=True)
        assert texts_of(replies) == ["這是個人資料，請私訊我查詢喔（點我的頭像 → 聊天）。"]
        assert all(m["type"] == "text" and member.pickup_token not in m["text"] for m in replies)


async def test_help_in_one_to_one_chat_lists_what_the_bot_understands(db, now):
    replies = await say(context(now), "說明", group=None)

    assert texts_of(replies)[0].startswith("📖 私訊我可以：\n・綁定 0912345678")


async def test_help_in_a_group_needs_a_mention(db, now):
    assert await say(context(now), "說明") == []
    assert texts_of(await say(context(now), "@PlusOne 說明", mentions_bot=True))[0].startswith("📖 在群組裡：")
    assert texts_of(await say(context(now), "@PlusOne 你好", mentions_bot=True)) == \
        ["嗨！下單請回覆 +1，輸入「@我 說明」看用法。"]


async def test_an_order_typed_in_one_to_one_chat_is_sent_to_the_group(db, now):
    assert texts_of(await say(context(now), "+1", group=None)) == ["下單請在團購群組裡回覆 +1 喔。"]


async def test_unknown_one_to_one_text_gets_a_hint(db, now):
    assert texts_of(await say(context(now), "你好", group=None)) == ["我看不懂這句話。輸入「說明」看看我能做什麼。"]


async def test_joining_a_group_records_it_and_greets_with_help(db, now):
    replies = await run(event("join", user=None, group="Cnew"), context(now))

    assert texts_of(replies)[0].startswith("大家好，我是團購 +1 小幫手！\n\n📖 在群組裡：")
    assert await LineGroup.exists(line_group_id="Cnew")


async def test_a_new_friend_is_greeted_with_one_to_one_help(db, now):
    replies = await run(event("follow", group=None), context(now))

    assert texts_of(replies)[0].startswith("謝謝加我好友！\n\n📖 私訊我可以：")


async def test_a_new_group_member_is_not_greeted(db, now):
    assert await run(event("member_joined"), context(now)) == []


async def test_english_locale_in_one_to_one_chat(db, now):
    ctx = context(now, locale="en")

    assert texts_of(await say(ctx, "bind 0912345678", group=None)) == \
        ["📱 Phone 0912-345-678 is bound. At the counter, give its last three digits."]
    assert texts_of(await say(ctx, "my orders", group=None)) == ["You have no open orders."]
