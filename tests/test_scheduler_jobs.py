"""The scheduled jobs through the services on a real database, with the clock in the test's hand.

`now` (conftest) is 2026-11-24 04:00 UTC, 12:00 in Taipei.
"""
import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.messages import render_notification
from commerce import reminders
from commerce.campaigns import CampaignSpec, ItemSpec, close_campaign, open_campaign
from commerce.errors import CampaignClosed
from commerce.idempotency import begin
from commerce.members import upsert_member
from commerce.models import BankStatementLine, Campaign, IdempotencyKey, InboundEvent, Item, Notification
from commerce.ordering import Wanted, reserve
from commerce.commands import ItemRef, NewPayment
from commerce.payments import record_payment, report_transfer
from commerce.pickup import hand_over
from commerce.sales import add_on
from scheduler.jobs import close_due, closing_soon, low_stock, reconcile, remind_pickup, remind_unpaid, tidy

TAIPEI = ZoneInfo("Asia/Taipei")


def taipei(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TAIPEI)


async def campaign_closing_at(closes_at: datetime, *items: ItemSpec, now: datetime, title: str = "草莓大福",
                              groups=("Cgroup1",), host: str | None = "Uhost", pickup: tuple | None = None) -> Campaign:
    pickup_from, pickup_until = pickup or (None, None)
    return await open_campaign(
        CampaignSpec(title=title, items=items or (ItemSpec(label="A", name="原味", price=120, stock=50),), closes_at=closes_at,
                     group_ids=groups, host_user_id=host, announce=False, pickup_from=pickup_from,
                     pickup_until=pickup_until, pickup_place="本店" if pickup else ""),
        now=now,
    )


async def buy(campaign: Campaign, user: str, qty: int, now: datetime, label: str = "A", name: str | None = None) -> int:
    member = await upsert_member(user, name or f"買家{user[-2:]}")
    booking = await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted(label, qty)], now=now)
    return booking.order_id


async def pushes(template: str) -> list[Notification]:
    return await Notification.filter(template=template).order_by("id")


# --- closing at the deadline ----------------------------------------------------------------

async def test_a_campaign_closes_at_its_deadline_with_one_pick_list_and_each_group_told_by_its_next_reply(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now, groups=("Cgroup1", "Cgroup2"))

    queued = await close_due(deadline)
    again = await close_due(deadline + timedelta(minutes=1))

    assert (queued, again) == (1, 0)
    assert [n.recipient for n in await pushes("pick_list")] == ["Uhost"]
    assert (await pushes("pick_list"))[0].params == {"campaign_id": campaign.id, "closed_on_schedule": True,
                                                     "groups_told": "reply"}
    assert await pushes("campaign_closed_group") == []
    assert await reminders.take_close_notices("Cgroup1") == [campaign.id]
    assert await reminders.take_close_notices("Cgroup1") == []  # told once
    assert await reminders.take_close_notices("Cgroup2") == [campaign.id]


async def test_a_campaign_closes_at_its_deadline_with_one_pick_list_and_one_notice_push_per_group(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now, groups=("Cgroup1", "Cgroup2"))

    before = await close_due(deadline - timedelta(seconds=1), close_notice="push")
    assert before == 0
    assert (await Campaign.get(id=campaign.id)).status == "open"

    queued = await close_due(deadline, close_notice="push")
    again = await close_due(deadline + timedelta(minutes=1), close_notice="push")

    assert (queued, again) == (3, 0)
    closed = await Campaign.get(id=campaign.id)
    assert (closed.status, closed.closed_at) == ("closed", deadline)
    assert [(n.recipient, n.dedupe_key) for n in await pushes("pick_list")] == [("Uhost", f"picklist:{campaign.id}")]
    assert [(n.recipient, n.dedupe_key) for n in await pushes("campaign_closed_group")] == [
        ("Cgroup1", f"closed:{campaign.id}:Cgroup1"), ("Cgroup2", f"closed:{campaign.id}:Cgroup2")]
    assert await reminders.take_close_notices("Cgroup1") == []  # told by the push: no reply too


async def test_a_plus_one_after_the_deadline_is_refused_and_books_nothing(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now)
    await close_due(deadline)
    member = await upsert_member("Ulate", "遲到")

    with pytest.raises(CampaignClosed):
        await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", 1)], now=deadline)
    assert await Notification.filter(template="pick_list").count() == 1
    assert (await campaign.items.all())[0].sold == 0


async def test_two_runs_racing_close_the_campaign_once(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now)

    results = await asyncio.gather(close_due(deadline + timedelta(seconds=1), close_notice="push"),
                                   close_due(deadline + timedelta(seconds=2), close_notice="push"))

    assert sorted(results) == [0, 2]
    assert await Notification.filter(campaign_id=campaign.id).count() == 2


async def test_a_close_run_that_dies_midway_is_finished_by_the_next_run_without_repeats(db, now, monkeypatch):
    deadline = now + timedelta(hours=8)
    first = await campaign_closing_at(deadline, now=now, title="一")
    second = await campaign_closing_at(deadline + timedelta(minutes=1), now=now, title="二")
    calls = []

    async def dies_on_the_second(campaign_id, **kwargs):
        calls.append(campaign_id)
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return await close_campaign(campaign_id, **kwargs)

    monkeypatch.setattr(reminders, "close_campaign", dies_on_the_second)
    with pytest.raises(RuntimeError):
        await close_due(deadline + timedelta(minutes=2), close_notice="push")
    monkeypatch.undo()
    assert [c.status for c in await Campaign.filter(id__in=[first.id, second.id]).order_by("id")] == ["closed", "open"]

    assert await close_due(deadline + timedelta(minutes=3), close_notice="push") == 2
    assert await close_due(deadline + timedelta(minutes=4), close_notice="push") == 0
    assert sorted(await Notification.all().values_list("dedupe_key", flat=True)) == [
        f"closed:{first.id}:Cgroup1", f"closed:{second.id}:Cgroup1", f"picklist:{first.id}", f"picklist:{second.id}"]


async def test_a_campaign_the_host_closed_early_gets_no_scheduled_notice(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now)
    await close_campaign(campaign.id, now=now + timedelta(hours=1))

    assert await close_due(deadline) == 0
    assert [n.template for n in await Notification.all()] == ["pick_list"]


async def test_closing_soon_goes_to_each_group_once_an_hour_before_and_only_when_it_was_not_short_notice(db, now):
    deadline = now + timedelta(hours=8)
    campaign = await campaign_closing_at(deadline, now=now, groups=("Cgroup1", "Cgroup2"))
    short = await campaign_closing_at(now + timedelta(minutes=40), now=now, title="快閃")
    await Campaign.filter(id__in=[campaign.id, short.id]).update(created_at=now)  # opened "now", not by the wall clock

    early = await closing_soon(deadline - timedelta(minutes=61))
    first = await closing_soon(deadline - timedelta(minutes=59))
    second = await closing_soon(deadline - timedelta(minutes=30))

    assert (early, first, second) == (0, 2, 0)
    assert sorted(n.dedupe_key for n in await pushes("closing_soon_group")) == [
        f"closing:{campaign.id}:Cgroup1", f"closing:{campaign.id}:Cgroup2"]
    assert not await Notification.filter(campaign_id=short.id).exists()


# --- reminders to buyers --------------------------------------------------------------------

async def test_unpaid_reminders_go_at_eight_once_per_buyer_with_money_due(db, now):
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, ItemSpec(label="A", name="原味", price=120, stock=4), now=now)
    owes = await buy(campaign, "Ubuyer01", 2, now)
    paid = await buy(campaign, "Ubuyer02", 1, now)
    await record_payment(paid, NewPayment(method="cash", amount=120), actor="mei", now=now)
    reported = await buy(campaign, "Ubuyer03", 1, now)
    await report_transfer(order_id=reported, last5="12345", amount=120, actor="Ubuyer03", now=now)
    await buy(campaign, "Ubuyer04", 5, now)  # none left: all 5 are waitlisted, nothing is due
    await close_due(deadline)

    before_eight = await remind_unpaid(taipei(2026, 11, 24, 19, 59))
    first = await remind_unpaid(taipei(2026, 11, 24, 20, 0))
    second = await remind_unpaid(taipei(2026, 11, 24, 20, 1))

    assert (before_eight, first, second) == (0, 1, 0)
    [note] = await pushes("unpaid_reminder")
    assert note.recipient == "Ubuyer01"
    assert [(o["number"], o["due"]) for o in note.params["orders"]] == [(str(owes), 240)]


async def test_an_add_on_at_the_counter_after_eight_waits_for_the_next_evenings_reminder(db, now):
    # Given a buyer who paid in full, and another who owes, when the evening's job starts.
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, ItemSpec(label="A", name="原味", price=120, stock=9), now=now)
    at_counter = await buy(campaign, "Ubuyer01", 1, now)
    await record_payment(at_counter, NewPayment(method="cash", amount=120), actor="mei", now=now)
    owes = await buy(campaign, "Ubuyer02", 1, now)
    await close_due(deadline)
    assert await remind_unpaid(taipei(2026, 11, 24, 20, 0)) == 1

    # When the first buyer, at the counter at 20:30, takes one more, and the job runs again.
    await add_on(at_counter, ItemRef(item_id=(await Item.get(campaign=campaign)).id), actor="mei",
                 now=taipei(2026, 11, 24, 20, 30))
    later = await remind_unpaid(taipei(2026, 11, 24, 20, 31))
    next_evening = await remind_unpaid(taipei(2026, 11, 25, 20, 0))

    # Then no push reaches the buyer standing at the counter that evening; the next evening names it.
    assert (later, next_evening) == (0, 1)
    notes = await pushes("unpaid_reminder")
    assert [(n.recipient, [o["number"] for o in n.params["orders"]]) for n in notes] == [
        ("Ubuyer02", [str(owes)]), ("Ubuyer01", [str(at_counter)])]


async def test_one_unpaid_reminder_lists_all_of_a_buyers_campaigns_and_names_each_order_once(db, now):
    deadline = now + timedelta(hours=2)
    first = await campaign_closing_at(deadline, now=now, title="草莓大福")
    second = await campaign_closing_at(deadline, ItemSpec(label="A", name="芒果", price=300), now=now, title="芒果冰")
    third = await campaign_closing_at(deadline + timedelta(days=1), ItemSpec(label="A", name="栗子", price=90), now=now, title="栗子")
    orders = [await buy(c, "Ubuyer01", 1, now) for c in (first, second, third)]
    await close_due(deadline)

    day_one = await remind_unpaid(taipei(2026, 11, 24, 20, 0))
    await close_due(deadline + timedelta(days=1))
    day_two = await remind_unpaid(taipei(2026, 11, 25, 20, 0))
    day_three = await remind_unpaid(taipei(2026, 11, 26, 20, 0))

    assert (day_one, day_two, day_three) == (1, 1, 0)
    notes = await pushes("unpaid_reminder")
    assert [[(o["number"], o["title"], o["due"]) for o in n.params["orders"]] for n in notes] == [
        [(str(orders[0]), "草莓大福", 120), (str(orders[1]), "芒果冰", 300)], [(str(orders[2]), "栗子", 90)]]


async def test_pickup_reminders_go_on_the_first_day_and_the_day_before_the_last_once_each(db, now):
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, now=now, pickup=(date(2026, 11, 26), date(2026, 11, 29)))
    waiting = await buy(campaign, "Ubuyer01", 1, now)
    collected = await buy(campaign, "Ubuyer02", 1, now)
    await close_due(deadline)
    await record_payment(collected, NewPayment(method="cash", amount=120), actor="mei", now=now)
    await hand_over(order_id=collected, actor="mei", now=now)

    runs = [await remind_pickup(taipei(2026, 11, day, hour)) for day, hour in
            ((25, 10), (26, 9), (26, 10), (26, 15), (27, 10), (28, 10), (28, 11), (29, 10))]

    assert runs == [0, 0, 1, 0, 0, 1, 0, 0]
    notes = await pushes("pickup_reminder")
    assert [(n.recipient, n.dedupe_key) for n in notes] == [
        ("Ubuyer01", f"pickup:{(await upsert_member('Ubuyer01')).id}:2026-11-26"),
        ("Ubuyer01", f"pickup:{(await upsert_member('Ubuyer01')).id}:2026-11-28")]
    assert [[(o["number"], o["kinds"], o["due"]) for o in n.params["orders"]] for n in notes] == [
        [(str(waiting), ["first_day"], 120)], [(str(waiting), ["last_day"], 120)]]


async def test_a_buyer_gets_one_reminder_a_day_across_campaigns_and_kinds(db, now):
    deadline = now + timedelta(hours=2)
    pickup = await campaign_closing_at(deadline, now=now, title="草莓大福", pickup=(date(2026, 11, 26), date(2026, 11, 30)))
    other = await campaign_closing_at(deadline, ItemSpec(label="A", name="芒果", price=300), now=now, title="芒果冰")
    collect, owe = await buy(pickup, "Ubuyer01", 1, now), await buy(other, "Ubuyer01", 1, now)
    await close_due(deadline)

    morning = await remind_pickup(taipei(2026, 11, 26, 10))
    evening = await remind_unpaid(taipei(2026, 11, 26, 20))
    next_evening = await remind_unpaid(taipei(2026, 11, 27, 20))

    assert (morning, evening, next_evening) == (1, 0, 1)
    [note] = await pushes("pickup_reminder")
    assert [(o["number"], o["kinds"], o["due"]) for o in note.params["orders"]] == [
        (str(collect), ["first_day"], 120), (str(owe), ["unpaid_reminder"], 300)]
    text = render_notification("pickup_reminder", note.params, "zh-TW", campaign=None)[0]["text"]
    assert "💰 付款提醒：" in text and f"訂單 #{owe}｜芒果冰：待付 $300" in text
    [later] = await pushes("unpaid_reminder")  # the pickup order's money, named the next evening
    assert [(o["number"], o["due"]) for o in later.params["orders"]] == [(str(collect), 120)]


async def test_a_two_day_pickup_window_gets_one_reminder_saying_both(db, now):
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, now=now, pickup=(date(2026, 11, 26), date(2026, 11, 27)))
    await buy(campaign, "Ubuyer01", 1, now)
    await close_due(deadline)

    assert await remind_pickup(taipei(2026, 11, 26, 10)) == 1
    [note] = await pushes("pickup_reminder")
    assert note.params["orders"][0]["kinds"] == ["first_day", "last_day"]


# --- hosts ----------------------------------------------------------------------------------

async def test_the_low_stock_alert_goes_to_the_host_once_when_an_item_passes_ninety_percent(db, now):
    campaign = await campaign_closing_at(now + timedelta(days=1), ItemSpec(label="A", name="原味", price=120, stock=10),
                                         ItemSpec(label="B", name="抹茶", price=130), now=now)
    await buy(campaign, "Ubuyer01", 8, now)
    at_eighty = await low_stock(now)
    await buy(campaign, "Ubuyer02", 1, now)
    at_ninety = await low_stock(now + timedelta(minutes=1))
    await buy(campaign, "Ubuyer03", 1, now)
    sold_out = await low_stock(now + timedelta(minutes=2))

    assert (at_eighty, at_ninety, sold_out) == (0, 1, 0)
    [note] = await pushes("low_stock")
    assert (note.recipient, note.params["label"], note.params["sold"], note.params["cap"]) == ("Uhost", "A", 9, 10)


async def shop_for_reconciliation(now):
    """Five buyers on one campaign, two on another, in every state the host needs to see."""
    deadline = now + timedelta(hours=2)
    cakes = await campaign_closing_at(deadline, ItemSpec(label="A", name="原味", price=120), now=now, title="草莓大福")
    done = await buy(cakes, "Ubuyer01", 2, now, name="小美")  # paid in cash and picked up
    await record_payment(done, NewPayment(method="cash", amount=240), actor="mei", now=now)
    await hand_over(order_id=done, actor="mei", now=now)
    found = await buy(cakes, "Ubuyer02", 1, now, name="阿明")  # reported, the bank shows it
    await report_transfer(order_id=found, last5="12345", amount=120, actor="Ubuyer02", now=now)
    missing = await buy(cakes, "Ubuyer03", 3, now, name="小華")  # reported, the bank shows 350, not 360
    await report_transfer(order_id=missing, last5="54321", amount=360, actor="Ubuyer03", now=now)
    unpaid = await buy(cakes, "Ubuyer04", 1, now, name="大雄")  # nothing
    partly = await buy(cakes, "Ubuyer05", 2, now, name="靜香")  # 100 of 240 in cash
    await record_payment(partly, NewPayment(method="cash", amount=100), actor="mei", now=now)
    mango = await campaign_closing_at(deadline, ItemSpec(label="A", name="芒果", price=300), now=now, title="芒果冰")
    late = await buy(mango, "Ubuyer06", 1, now, name="胖虎")  # reported too long before the bank line
    await report_transfer(order_id=late, last5="11111", amount=300, actor="Ubuyer06", now=now)
    nothing = await buy(mango, "Ubuyer07", 1, now, name="小夫")
    for n, (day, amount, last5) in enumerate([(date(2026, 11, 25), 120, "12345"), (date(2026, 11, 24), 350, "54321"),
                                              (date(2026, 11, 28), 300, "11111")]):
        await BankStatementLine.create(batch="b1", booked_on=day, amount=amount, last5=last5, fingerprint=f"f{n}",
                                       imported_at=now)
    await close_due(deadline)
    return cakes, mango, {"found": found, "missing": missing, "unpaid": unpaid, "partly": partly, "late": late,
                         "nothing": nothing}


async def test_the_reconciliation_counts_paid_reported_not_in_the_bank_unpaid_and_not_picked_up(db, now):
    cakes, mango, orders = await shop_for_reconciliation(now)

    first = await reconcile(taipei(2026, 11, 24, 21, 0))
    second = await reconcile(taipei(2026, 11, 24, 22, 0))

    assert (first, second) == (1, 0)
    [note] = await pushes("daily_reconciliation")
    host = await upsert_member("Uhost")
    assert (note.recipient, note.dedupe_key) == ("Uhost", f"reconcile:{host.id}:2026-11-24")
    report = note.params["report"]
    assert (report["date"], report["statement_through"]) == ("2026-11-24", "2026-11-28")
    c = report["campaigns"][0]
    assert (c["title"], c["orders"], c["total"]) == ("草莓大福", 5, 1080)
    assert (c["paid"], c["reported"]) == ({"count": 1, "amount": 340}, {"count": 2, "amount": 480})
    assert c["not_found"] == {"count": 1, "amount": 360, "entries": [
        {"number": str(orders["missing"]), "name": "小華", "last5": "54321", "amount": 360}]}
    assert c["unpaid"] == {"count": 2, "amount": 260, "entries": [
        {"number": str(orders["unpaid"]), "name": "大雄", "amount": 120},
        {"number": str(orders["partly"]), "name": "靜香", "amount": 140}]}
    assert c["not_picked_up"] == {"count": 4}
    m = report["campaigns"][1]
    assert (m["title"], m["orders"], m["total"], m["not_found"]["count"], m["unpaid"]["count"]) == ("芒果冰", 2, 600, 1, 1)
    totals = report["totals"]
    assert (totals["orders"], totals["total"], totals["paid"], totals["reported"], totals["not_found"],
            totals["unpaid"], totals["not_picked_up"]) == (
        7, 1680, {"count": 1, "amount": 340}, {"count": 3, "amount": 780}, {"count": 2, "amount": 660},
        {"count": 3, "amount": 560}, {"count": 6})


async def test_the_reconciliation_message_reads_as_the_host_expects(db, now):
    _, _, orders = await shop_for_reconciliation(now)
    await reconcile(taipei(2026, 11, 24, 21, 0))
    [note] = await pushes("daily_reconciliation")

    [message] = render_notification("daily_reconciliation", note.params, "zh-TW", campaign=None, tz=TAIPEI)

    assert message["text"].split("\n") == [
        "🧾 11/24（二） 對帳", "銀行對帳單已匯入至 11/28（六）",
        "【草莓大福（團號 " + note.params["report"]["campaigns"][0]["code"] + "）】5 筆，合計 $1,080",
        "・已付清 1 筆，已收 $340", "・已回報轉帳待確認 2 筆 $480", "・其中對帳單查無 1 筆 $360：",
        f"　#{orders['missing']} 小華 後五碼 54321 $360", "・未付款 2 筆 $260：",
        f"　#{orders['unpaid']} 大雄 $120", f"　#{orders['partly']} 靜香 $140", "・未取貨 4 筆",
        "【芒果冰（團號 " + note.params["report"]["campaigns"][1]["code"] + "）】2 筆，合計 $600",
        "・已付清 0 筆，已收 $0", "・已回報轉帳待確認 1 筆 $300", "・其中對帳單查無 1 筆 $300：",
        f"　#{orders['late']} 胖虎 後五碼 11111 $300", "・未付款 1 筆 $300：",
        f"　#{orders['nothing']} 小夫 $300", "・未取貨 2 筆",
        "【總計】2 團 7 筆，合計 $1,680", "・已付清 1 筆，已收 $340", "・已回報轉帳待確認 3 筆 $780",
        "・其中對帳單查無 2 筆 $660：", "・未付款 3 筆 $560：", "・未取貨 6 筆",
    ]


async def test_a_host_with_everything_settled_and_collected_gets_no_reconciliation(db, now):
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, now=now)
    order = await buy(campaign, "Ubuyer01", 1, now)
    await close_due(deadline)
    await record_payment(order, NewPayment(method="cash", amount=120), actor="mei", now=now)
    await hand_over(order_id=order, actor="mei", now=now)

    assert await reconcile(taipei(2026, 11, 24, 21, 0)) == 0
    assert not await Notification.filter(template="daily_reconciliation").exists()


# --- housekeeping ---------------------------------------------------------------------------

async def test_housekeeping_forgets_day_old_idempotency_keys_and_week_old_applied_events(db, now):
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=23))):
        await begin("POST /api/x", key, "h", now=now - age)
    for n, (status, age) in enumerate((("done", timedelta(days=8)), ("done", timedelta(days=6)),
                                       ("pending", timedelta(days=8)), ("failed", timedelta(days=8)))):
        await InboundEvent.create(event_id=f"E{n}", payload="{}", status=status, received_at=now - age,
                                  processed_at=now - age if status == "done" else None)

    deleted = await tidy(now)

    assert deleted == 2
    assert await IdempotencyKey.all().values_list("key", flat=True) == ["fresh"]
    assert sorted(await InboundEvent.all().values_list("event_id", flat=True)) == ["E1", "E2", "E3"]


async def test_jobs_before_their_time_or_turned_off_do_nothing(db, now):
    deadline = now + timedelta(hours=2)
    campaign = await campaign_closing_at(deadline, now=now, pickup=(date(2026, 11, 24), date(2026, 11, 26)))
    await buy(campaign, "Ubuyer01", 1, now)
    await close_due(deadline)
    evening = taipei(2026, 11, 24, 22, 0)

    assert [await remind_unpaid(evening, at=None), await remind_pickup(evening, at=None),
            await reconcile(evening, at=None), await reconcile(evening, at=time(22, 30))] == [0, 0, 0, 0]
    assert [n.template for n in await Notification.all()] == ["pick_list"]

