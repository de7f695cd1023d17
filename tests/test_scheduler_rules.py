"""Pure rules behind the scheduled jobs: matching transfers to the bank statement, when a daily
job is due, and the messages the jobs send (no database)."""
import itertools
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages import render_notification
from commerce.reconciliation import StatementLine, Transfer, match_transfers
from plusone.settings import Settings, SettingsError
from scheduler.jobs import due_day, plan

TAIPEI = ZoneInfo("Asia/Taipei")
D = date(2026, 11, 24)


def test_a_transfer_is_found_by_a_line_with_the_same_last5_and_amount_within_three_days():
    transfers = [Transfer(1, "12345", 350, D)]

    assert match_transfers(transfers, [StatementLine(10, "12345", 350, D + timedelta(days=3))]) == {1: 10}
    assert match_transfers(transfers, [StatementLine(10, "12345", 350, D - timedelta(days=3))]) == {1: 10}


def test_a_line_four_days_away_another_amount_or_other_digits_does_not_show_the_transfer():
    transfers = [Transfer(1, "12345", 350, D)]
    lines = [StatementLine(10, "12345", 350, D + timedelta(days=4)), StatementLine(11, "12345", 351, D),
             StatementLine(12, "54321", 350, D)]

    assert match_transfers(transfers, lines) == {}


def test_one_bank_line_shows_only_one_of_two_identical_reports():
    transfers = [Transfer(1, "12345", 350, D), Transfer(2, "12345", 350, D)]

    assert match_transfers(transfers, [StatementLine(10, "12345", 350, D)]) == {1: 10}


def test_the_matching_finds_a_line_for_every_transfer_when_one_assignment_allows_it():
    # Greedy "closest line first" would give line 10 to transfer 1 and leave transfer 2 without one.
    transfers = [Transfer(1, "12345", 350, D), Transfer(2, "12345", 350, D + timedelta(days=3))]
    lines = [StatementLine(10, "12345", 350, D + timedelta(days=1)),
             StatementLine(11, "12345", 350, D - timedelta(days=2))]

    assert match_transfers(transfers, lines) == {1: 11, 2: 10}


def test_a_line_tied_to_a_payment_by_the_import_shows_that_payment_and_no_other():
    transfers = [Transfer(1, "12345", 350, D), Transfer(2, "12345", 350, D)]
    lines = [StatementLine(10, "12345", 350, D, payment_id=2)]

    assert match_transfers(transfers, lines) == {2: 10}


transfers_st = st.lists(st.tuples(st.sampled_from(["11111", "22222"]), st.sampled_from([100, 200]),
                                  st.integers(-5, 5)), max_size=5)
lines_st = st.lists(st.tuples(st.sampled_from(["11111", "22222"]), st.sampled_from([100, 200]),
                              st.integers(-5, 5)), max_size=5)


def _ok(t: Transfer, l: StatementLine) -> bool:
    return (t.last5, t.amount) == (l.last5, l.amount) and abs((l.booked_on - t.reported_on).days) <= 3


@settings(max_examples=300, deadline=None)
@given(transfers_st, lines_st)
def test_every_match_obeys_the_rule_uses_a_line_once_and_is_as_large_as_possible(raw_transfers, raw_lines):
    transfers = [Transfer(i + 1, l5, a, D + timedelta(days=d)) for i, (l5, a, d) in enumerate(raw_transfers)]
    lines = [StatementLine(100 + i, l5, a, D + timedelta(days=d)) for i, (l5, a, d) in enumerate(raw_lines)]
    by_t, by_l = {t.id: t for t in transfers}, {l.id: l for l in lines}

    matched = match_transfers(transfers, lines)

    assert all(_ok(by_t[t], by_l[l]) for t, l in matched.items())
    assert len(set(matched.values())) == len(matched)
    best = 0  # brute force: the largest set of transfers that can each get their own line
    for k in range(len(transfers), 0, -1):
        if any(any(all(_ok(t, l) for t, l in zip(subset, chosen)) for chosen in itertools.permutations(lines, k))
               for subset in itertools.combinations(transfers, k)):
            best = k
            break
    assert len(matched) == best


def test_a_daily_job_is_due_from_its_time_until_the_end_of_the_shop_day():
    at = time(20, 0)

    assert due_day(datetime(2026, 11, 24, 11, 59, tzinfo=timezone.utc), at, TAIPEI) is None  # 19:59 in Taipei
    assert due_day(datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc), at, TAIPEI) == date(2026, 11, 24)
    assert due_day(datetime(2026, 11, 24, 15, 59, tzinfo=timezone.utc), at, TAIPEI) == date(2026, 11, 24)
    assert due_day(datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc), at, TAIPEI) is None  # 00:00 the next day
    assert due_day(datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc), None, TAIPEI) is None  # turned off


CAMPAIGN = {
    "id": 7, "code": "K7QX", "title": "草莓大福", "status": "closed",
    "closes_at": "2026-11-30T12:00:00+00:00", "pickup_from": "2026-12-02", "pickup_until": "2026-12-05",
    "pickup_place": "本店", "host_user_id": "Uhost", "group_ids": ["Cgroup1"],
    "items": [{"id": 1, "label": "A", "name": "原味", "price": 120, "stock": 50, "limit_per_buyer": None,
               "barcode": None, "sold": 46, "waitlisted": 0}],
}


def _text(messages):
    assert len(messages) == 1 and messages[0]["type"] == "text"
    return messages[0]["text"]


def test_the_group_is_told_the_campaign_closed_with_the_pickup_window():
    text = _text(render_notification("campaign_closed_group", {"campaign_id": 7}, "zh-TW", campaign=CAMPAIGN))

    assert text == ("🔔「草莓大福」已結單，謝謝大家跟團！\n取貨：12/2（三）–12/5（六） 本店\n"
                    "要看自己的訂單和金額，請私訊我「我的訂單」。")


def test_the_closing_soon_push_says_the_time_in_the_shops_zone():
    text = _text(render_notification("closing_soon_group", {"campaign_id": 7}, "en", campaign=CAMPAIGN, tz=TAIPEI))

    assert text == "⏰ “草莓大福” closes at 20:00: reply +1 now if you want some!"


def test_an_unpaid_reminder_lists_each_order_with_what_is_due():
    orders = [{"id": 3, "number": "3", "title": "草莓大福", "code": "K7QX", "due": 240, "kinds": ["unpaid_reminder"]},
              {"id": 9, "number": "9", "title": "芒果冰", "code": "M9ZZ", "due": 1300, "kinds": ["unpaid_reminder"]}]

    text = _text(render_notification("unpaid_reminder", {"orders": orders}, "zh-TW", campaign=None))

    assert text == ("💰 付款提醒：\n訂單 #3｜草莓大福：待付 $240\n訂單 #9｜芒果冰：待付 $1,300\n"
                    "轉帳後請在群組回報「已匯款 後五碼 金額」，或到店付款。謝謝！")


def test_a_pickup_reminder_says_which_orders_open_today_and_which_end_tomorrow():
    orders = [{"id": 3, "number": "3", "title": "草莓大福", "due": 0, "kinds": ["first_day"],
               "pickup_from": "2026-12-02", "pickup_until": "2026-12-05", "pickup_place": "本店"},
              {"id": 9, "number": "9", "title": "芒果冰", "due": 130, "kinds": ["last_day"],
               "pickup_from": "2026-11-30", "pickup_until": "2026-12-03", "pickup_place": ""}]

    text = _text(render_notification("pickup_reminder", {"orders": orders}, "zh-TW", campaign=None))

    assert text == ("📦 取貨提醒：\n訂單 #3｜草莓大福：今天開始取貨，12/2（三）–12/5（六） 本店\n"
                    "訂單 #9｜芒果冰：明天 12/3（四） 是最後取貨日（取貨時待付 $130）\n"
                    "到店報手機末三碼，或私訊我「取貨碼」出示 QR 碼即可取貨。")


def test_the_low_stock_alert_shows_the_items_current_figures():
    params = {"campaign_id": 7, "label": "A", "name": "原味", "sold": 45, "cap": 50}

    text = _text(render_notification("low_stock", params, "zh-TW", campaign=CAMPAIGN))

    assert text == "📈「草莓大福」A 原味 已賣出 46/50（92%），快完售了。"


def test_the_scheduler_settings_default_to_eight_ten_and_nine_pm_with_group_pushes_off():
    config = Settings.from_env({})

    assert (config.scheduler, config.scheduler_tick_s, config.closing_soon_push, config.unpaid_reminder_at,
            config.pickup_reminder_at, config.reconciliation_at) == (True, 60.0, False, time(20, 0), time(10, 0),
                                                                         time(21, 0))


def test_the_times_of_day_are_read_as_hh_mm_or_off():
    config = Settings.from_env({"PLUSONE_UNPAID_REMINDER_AT": "19:30", "PLUSONE_PICKUP_REMINDER_AT": "off",
                                  "PLUSONE_RECONCILIATION_AT": "7:05", "PLUSONE_CLOSING_SOON_PUSH": "on",
                                  "PLUSONE_SCHEDULER_TICK_S": "0.5"})

    assert (config.unpaid_reminder_at, config.pickup_reminder_at, config.reconciliation_at,
            config.closing_soon_push, config.scheduler_tick_s) == (time(19, 30), None, time(7, 5), True, 0.5)


@pytest.mark.parametrize("env,variable", [
    ({"PLUSONE_UNPAID_REMINDER_AT": "25:00"}, "PLUSONE_UNPAID_REMINDER_AT"),
    ({"PLUSONE_RECONCILIATION_AT": "nine"}, "PLUSONE_RECONCILIATION_AT"),
    ({"PLUSONE_SCHEDULER_TICK_S": "0"}, "PLUSONE_SCHEDULER_TICK_S"),
    ({"PLUSONE_SCHEDULER_TICK_S": "soon"}, "PLUSONE_SCHEDULER_TICK_S"),
])
def test_a_bad_scheduler_setting_is_refused_naming_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


def test_the_plan_runs_what_the_shop_turned_on():
    every = plan(tz=TAIPEI)
    lean = plan(tz=TAIPEI, tick_s=30, unpaid_at=None, pickup_at=None, reconciliation_at=None)
    chatty = plan(tz=TAIPEI, closing_soon_push=True)

    assert [(j.name, j.every_s) for j in every] == [
        ("close_due", 60), ("low_stock", 60), ("remind_unpaid", 60), ("remind_pickup", 60), ("reconcile", 60),
        ("housekeeping", 3600)]
    assert [(j.name, j.every_s) for j in lean] == [("close_due", 30), ("low_stock", 30), ("housekeeping", 3600)]
    assert "closing_soon" in [j.name for j in chatty]
