"""Transfer reports in a group and in a 1:1 chat."""
from commerce.campaigns import ItemSpec
from commerce.members import upsert_member
from commerce.models import Payment
from commerce.ordering import Wanted, reserve
from commerce.commands import NewPayment
from commerce.payments import record_payment
from tests.bot_helpers import context, say, texts_of
from tests.factories import a_campaign


async def an_order(now, campaign, qty=1, user="Ubuyer1"):
    member = await upsert_member(user, "小明")
    return await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", qty)], now=now)


async def test_a_transfer_report_in_the_group_is_recorded_against_the_buyers_order(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120))
    booking = await an_order(now, campaign, qty=3)

    replies = await say(context(now), "已匯款 12345 $360")

    assert texts_of(replies) == ["💰 收到轉帳回報 $360（帳號後五碼 12345），訂單 #1，待確認。"]
    payment = await Payment.get()
    assert (payment.order_id, payment.method, payment.amount, payment.last5, payment.status) == \
        (booking.order_id, "transfer", 360, "12345", "reported")


async def test_a_report_larger_than_the_balance_is_flagged_to_the_buyer_and_on_the_transfers_page(db, now):
    from commerce.bank_import import list_transfers

    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120))
    await an_order(now, campaign, qty=2)

    replies = await say(context(now), "已匯款 12345 $350")

    assert texts_of(replies) == ["💰 收到轉帳回報 $350（帳號後五碼 12345），訂單 #1，待確認。\n"
                                 "回報的金額比這張訂單待付的 $240 多 $110，店家確認時會跟你聯絡。"]
    [transfer] = await list_transfers()
    assert (transfer["amount"], transfer["due"]) == (350, 240)  # the manager sees it too


async def test_the_same_report_twice_is_recorded_once(db, now):
    campaign = await a_campaign(now)
    await an_order(now, campaign)
    ctx = context(now)

    await say(ctx, "已轉帳 後五碼12345 120元")
    replies = await say(ctx, "paid 12345 120")

    assert texts_of(replies) == ["💰 收到轉帳回報 $120（帳號後五碼 12345），訂單 #1，待確認。"]
    assert await Payment.all().count() == 1


async def test_a_report_in_one_to_one_chat_goes_to_the_order_whose_amount_due_matches(db, now):
    first = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), groups=("Cgroup1",))
    second = await a_campaign(now, ItemSpec(label="A", name="布丁", price=80), groups=("Cgroup2",))
    matching = await an_order(now, first, qty=2)  # $240
    await an_order(now, second, qty=1)  # $80, more recent

    replies = await say(context(now), "已匯款 54321 240", group=None)

    assert texts_of(replies) == [f"💰 收到轉帳回報 $240（帳號後五碼 54321），訂單 #{matching.order_id}，待確認。"]
    assert (await Payment.get()).order_id == matching.order_id


async def test_a_report_matching_no_amount_goes_to_the_most_recent_order_with_a_balance(db, now):
    first = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), groups=("Cgroup1",))
    second = await a_campaign(now, ItemSpec(label="A", name="布丁", price=80), groups=("Cgroup2",))
    await an_order(now, first)
    latest = await an_order(now, second)

    await say(context(now), "已匯款 54321 500", group=None)

    assert (await Payment.get()).order_id == latest.order_id


async def test_a_report_in_a_group_only_considers_that_groups_campaigns(db, now):
    here = await a_campaign(now, ItemSpec(label="A", name="原味", price=120), groups=("Cgroup1",))
    elsewhere = await a_campaign(now, ItemSpec(label="A", name="布丁", price=80), groups=("Cgroup2",))
    mine = await an_order(now, here)
    await an_order(now, elsewhere)

    await say(context(now), "已匯款 54321 80", group="Cgroup1")

    assert (await Payment.get()).order_id == mine.order_id


async def test_a_report_without_any_order_due_gets_a_clear_reply_and_records_nothing(db, now):
    campaign = await a_campaign(now)
    booking = await an_order(now, campaign)
    await record_payment(booking.order_id, NewPayment(method="cash", amount=120), actor="counter", now=now)

    replies = await say(context(now), "已匯款 12345 120")

    assert texts_of(replies) == ["找不到需要付款的訂單。私訊我「我的訂單」可以查看。"]
    assert await Payment.filter(method="transfer").count() == 0


async def test_a_report_in_a_group_where_the_shop_never_sold_is_not_answered(db, now):
    assert await say(context(now), "已匯款 12345 $350", group="Cfriends") == []
    assert await say(context(now), "已匯款 $350", group="Cfriends") == []
    assert await Payment.all().count() == 0


async def test_an_incomplete_report_gets_an_example(db, now):
    await a_campaign(now)
    assert texts_of(await say(context(now), "已匯款 $350")) == ["請寫上帳號後五碼和金額，例如：已匯款 12345 $350"]
    assert texts_of(await say(context(now), "已匯款 1234 350", group=None)) == \
        ["帳號後五碼要剛好 5 位數字，例如：已匯款 12345 $350"]
    assert await Payment.all().count() == 0
