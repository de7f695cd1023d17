"""The host's chat commands (DESIGN.md, "Chat grammar"): pure rules, no database."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from bot.host_grammar import (
    CloseCampaign, HostError, ItemSpec, ListOrders, MoveDeadline, MovePickup, OpenCampaign, PickList,
    parse_host, pickup_after,
)

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)  # 12:00 in Taipei


def host(text, now=NOW):
    return parse_host(text, now=now, tz=TAIPEI)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_the_design_example_opens_a_campaign():
    text = "開團 草莓大福\nA 原味 120 限50\nB 抹茶 130\n截止 11/30 20:00\n取貨 12/2-12/5 本店"
    assert host(text) == OpenCampaign(
        title="草莓大福",
        items=(ItemSpec("A", "原味", 120, 50, None), ItemSpec("B", "抹茶", 130, None, None)),
        closes_at=utc(2026, 11, 30, 12, 0),
        pickup_from=date(2026, 12, 2),
        pickup_until=date(2026, 12, 5),
        pickup_place="本店",
    )


def test_full_width_text_opens_the_same_campaign():
    text = "開團　草莓大福\nＡ　原味　１２０　限５０\n截止：１１／３０（一）２０：００\n取貨：１２／２～１２／５　本店"
    assert host(text) == OpenCampaign(
        title="草莓大福", items=(ItemSpec("A", "原味", 120, 50, None),),
        closes_at=utc(2026, 11, 30, 12, 0), pickup_from=date(2026, 12, 2),
        pickup_until=date(2026, 12, 5), pickup_place="本店")


@pytest.mark.parametrize("line, item", [
    ("A 原味 120", ItemSpec("A", "原味", 120)),
    ("a 原味 120", ItemSpec("A", "原味", 120)),
    ("A 原味 120 限50", ItemSpec("A", "原味", 120, 50)),
    ("A 原味 120 每人限2", ItemSpec("A", "原味", 120, None, 2)),
    ("A 原味 120 限50 每人限2", ItemSpec("A", "原味", 120, 50, 2)),
    ("A 原味 120 每人限2 限50", ItemSpec("A", "原味", 120, 50, 2)),
    ("A 原味 120 限量50份 每人限購2", ItemSpec("A", "原味", 120, 50, 2)),
    ("A 原味 120 限購3", ItemSpec("A", "原味", 120, None, 3)),
    ("A 原味 120 限 50", ItemSpec("A", "原味", 120, 50)),
    ("A 草莓 大福 禮盒 6入 450", ItemSpec("A", "草莓 大福 禮盒 6入", 450)),
    ("A Matcha Latte 130", ItemSpec("A", "Matcha Latte", 130)),
    ("A 原味 $120", ItemSpec("A", "原味", 120)),
    ("A 原味 NT$1,200", ItemSpec("A", "原味", 1200)),
    ("A 原味 120元", ItemSpec("A", "原味", 120)),
    ("A 原味 120元/盒", ItemSpec("A", "原味", 120)),
    ("A原味120", ItemSpec("A", "原味", 120)),
    ("A. 原味 120", ItemSpec("A", "原味", 120)),
    ("A: 原味 120", ItemSpec("A", "原味", 120)),
    ("A、原味 120", ItemSpec("A", "原味", 120)),
    ("Ａ 原味 １２０ 限５０", ItemSpec("A", "原味", 120, 50)),
])
def test_an_item_line_reads_label_name_price_stock_and_limit(line, item):
    result = host(f"開團 測試\n{line}\n截止 11/30 20:00")
    assert isinstance(result, OpenCampaign)
    assert result.items == (item,)


@pytest.mark.parametrize("deadline, closes_at", [
    ("截止 11/30 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30", utc(2026, 11, 30, 15, 59)),
    ("截止：11/30 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止時間 11/30 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30(一) 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30（週一）20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11月30日 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30 晚上8點", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30 下午3點半", utc(2026, 11, 30, 7, 30)),
    ("截止 11/30 8:00 pm", utc(2026, 11, 30, 12, 0)),
    ("截止 11/30 20:00前", utc(2026, 11, 30, 12, 0)),
    ("截止 2026/11/30 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 2026-11-30 20:00", utc(2026, 11, 30, 12, 0)),
    ("deadline 11/30 20:00", utc(2026, 11, 30, 12, 0)),
    ("截止 11/24 13:00", utc(2026, 11, 24, 5, 0)),
    # a month/day long gone this year is next year's
    ("截止 1/5 20:00", utc(2027, 1, 5, 12, 0)),
    ("截止 5/20", utc(2027, 5, 20, 15, 59)),
])
def test_the_deadline_is_the_next_occurrence_in_the_shops_zone_stored_in_utc(deadline, closes_at):
    result = host(f"開團\nA 原味 120\n{deadline}")
    assert isinstance(result, OpenCampaign)
    assert result.closes_at == closes_at
    assert result.closes_at.tzinfo == timezone.utc


def test_a_leap_day_deadline_waits_for_a_leap_year():
    result = host("開團\nA 原味 120\n截止 2/29 20:00")
    assert result.closes_at == utc(2028, 2, 29, 12, 0)


@pytest.mark.parametrize("pickup, expected", [
    ("取貨 12/2-12/5 本店", (date(2026, 12, 2), date(2026, 12, 5), "本店")),
    ("取貨 12/2~12/5 本店", (date(2026, 12, 2), date(2026, 12, 5), "本店")),
    ("取貨 12/2 至 12/5 本店 一樓櫃檯", (date(2026, 12, 2), date(2026, 12, 5), "本店 一樓櫃檯")),
    ("取貨 12/2-5 本店", (date(2026, 12, 2), date(2026, 12, 5), "本店")),
    ("取貨 12/2(三)-12/5(六) 本店", (date(2026, 12, 2), date(2026, 12, 5), "本店")),
    ("取貨 12/2 本店", (date(2026, 12, 2), date(2026, 12, 2), "本店")),
    ("取貨 12/2-12/5", (date(2026, 12, 2), date(2026, 12, 5), None)),
    ("取貨 12/30-1/3 本店", (date(2026, 12, 30), date(2027, 1, 3), "本店")),
    ("取貨地點 本店", (None, None, "本店")),
    ("取貨：12/2-12/5 本店", (date(2026, 12, 2), date(2026, 12, 5), "本店")),
])
def test_the_pickup_window_runs_from_the_first_to_the_last_day(pickup, expected):
    result = host(f"開團\nA 原味 120\n截止 11/30 20:00\n{pickup}")
    assert isinstance(result, OpenCampaign)
    assert (result.pickup_from, result.pickup_until, result.pickup_place) == expected


def test_pickup_dates_follow_the_deadline_across_the_new_year():
    result = host("開團\nA 原味 120\n截止 12/28 20:00\n取貨 1/2-1/4 本店")
    assert (result.closes_at, result.pickup_from, result.pickup_until) == (
        utc(2026, 12, 28, 12, 0), date(2027, 1, 2), date(2027, 1, 4))


def test_a_pickup_line_may_come_before_the_deadline():
    result = host("開團\n取貨 1/2-1/4 本店\nA 原味 120\n截止 12/28 20:00")
    assert (result.pickup_from, result.pickup_until) == (date(2027, 1, 2), date(2027, 1, 4))


def test_a_title_line_overrides_the_first_line_and_other_lines_are_notes():
    result = host("開團 週末團\n今年最後一團!\nA 原味 120\n截止 11/30\n標題 草莓大福\n數量有限")
    assert (result.title, result.notes) == ("草莓大福", ("今年最後一團!", "數量有限"))


def test_notes_keep_the_hosts_own_characters():
    result = host("開團\n數量有限，售完為止！\nA 原味 120\n截止 11/30\n  ①請先匯款  ")
    assert result.notes == ("數量有限，售完為止！", "①請先匯款")


def test_without_a_title_the_item_names_make_one():
    assert host("開團\nA 原味 120\nB 抹茶 130\n截止 11/30").title == "原味、抹茶"


def test_a_bracketed_open_keyword_with_its_title_glued_on_opens_a_campaign():
    assert host("【開團】草莓大福\nA 原味 120\n截止 11/30").title == "草莓大福"


def test_english_aliases_open_a_campaign():
    result = host("open Mochi\nA Plain 120 限50\ndeadline 11/30 20:00\npickup 12/2-12/5 Shop")
    assert result == OpenCampaign(
        "Mochi", (ItemSpec("A", "Plain", 120, 50),), utc(2026, 11, 30, 12, 0),
        date(2026, 12, 2), date(2026, 12, 5), "Shop")


@pytest.mark.parametrize("text, command", [
    ("結單", CloseCampaign()), ("收單", CloseCampaign()), ("close", CloseCampaign()),
    ("名單", ListOrders()), ("orders", ListOrders()), ("Orders", ListOrders()),
    ("揀貨單", PickList()), ("撿貨單", PickList()), ("picklist", PickList()),
    (" 結單! ", CloseCampaign()),
])
def test_short_commands_are_whole_messages(text, command):
    assert host(text) == command


@pytest.mark.parametrize("text", [
    "", "\n\n", "+1", "A+1", "大家好", "結單了嗎", "名單在哪", "要開團嗎?", "opening soon",
    "closed", "揀貨", "明天開團",
])
def test_anything_else_is_no_host_command(text):
    assert host(text) is None


@pytest.mark.parametrize("text, error", [
    ("開團 草莓大福",
     HostError("items", "no items: add lines like 'A 原味 120 限50'", "no_items")),
    ("開團\n截止 11/30",
     HostError("items", "no items: add lines like 'A 原味 120 限50'", "no_items")),
    ("開團\nA 原味 abc\n截止 11/30",
     HostError("items", "item A: the price is not a number", "bad_price", "A 原味 abc")),
    ("開團\nA 原味\n截止 11/30",
     HostError("items", "item A: the price is not a number", "bad_price", "A 原味")),
    ("開團\nA 原味 0\n截止 11/30",
     HostError("items", "item A: the price must be at least 1", "bad_price", "A 原味 0")),
    ("開團\nA 120\n截止 11/30",
     HostError("items", "item A has no name", "missing_name", "A 120")),
    ("開團\nA 原味 120\nB 抹茶 130\na 巧克力 140\n截止 11/30",
     HostError("items", "label A is used twice", "duplicate_label", "a 巧克力 140")),
    ("開團\nA 原味 120 限0\n截止 11/30",
     HostError("items", "item A: stock cap must be at least 1", "bad_stock", "A 原味 120 限0")),
    ("開團\nA 原味 120 每人限0\n截止 11/30",
     HostError("items", "item A: per-buyer limit must be at least 1", "bad_limit",
               "A 原味 120 每人限0")),
    ("開團\nA 原味 120 限5 限6\n截止 11/30",
     HostError("items", "item A: stock cap given twice", "duplicate_option",
               "A 原味 120 限5 限6")),
    ("開團\nA 原味 120",
     HostError("closes_at", "no deadline: add a line like '截止 11/30 20:00'",
               "missing_deadline")),
    ("開團\nA 原味 120\n截止 明天",
     HostError("closes_at", "write the deadline like '截止 11/30 20:00'", "bad_deadline",
               "截止 明天")),
    ("開團\nA 原味 120\n截止 11/30 25:00",
     HostError("closes_at", "25:00 is not a time of day", "bad_deadline", "截止 11/30 25:00")),
    ("開團\nA 原味 120\n截止 2/30",
     HostError("closes_at", "2/30 is not a date", "bad_deadline", "截止 2/30")),
    ("開團\nA 原味 120\n截止 13/1",
     HostError("closes_at", "13/1 is not a date", "bad_deadline", "截止 13/1")),
    ("開團\nA 原味 120\n截止 11/20 20:00",
     HostError("closes_at", "the deadline is in the past", "deadline_past",
               "截止 11/20 20:00")),
    ("開團\nA 原味 120\n截止 11/24 11:00",
     HostError("closes_at", "the deadline is in the past", "deadline_past",
               "截止 11/24 11:00")),
    ("開團\nA 原味 120\n截止 2025/12/1",
     HostError("closes_at", "the deadline is in the past", "deadline_past",
               "截止 2025/12/1")),
    ("開團\nA 原味 120\n截止 11/30\n取貨",
     HostError("pickup", "write the pickup like '取貨 12/2-12/5 本店'", "missing_pickup",
               "取貨")),
    ("開團\nA 原味 120\n截止 11/30\n取貨 12/32 本店",
     HostError("pickup", "the pickup dates are not real dates", "bad_pickup",
               "取貨 12/32 本店")),
    ("開團\nA 原味 120\n截止 11/30\n取貨 2026/11/25 本店",
     HostError("pickup", "pickup starts before the deadline", "pickup_before_deadline",
               "取貨 2026/11/25 本店")),
    ("開團\nA 原味 120\n截止 11/30\n取貨 2026/12/5-2026/12/2 本店",
     HostError("pickup", "pickup ends before it starts", "pickup_reversed",
               "取貨 2026/12/5-2026/12/2 本店")),
])
def test_a_malformed_open_names_the_problem(text, error):
    assert host(text) == error


def test_the_first_problem_in_line_order_is_reported():
    error = host("開團\nA 原味 abc\nB 抹茶 xyz\n截止 11/30")
    assert (error.field, error.line) == ("items", "A 原味 abc")


def test_a_naive_now_is_taken_as_utc():
    result = parse_host("開團\nA 原味 120\n截止 11/30 20:00",
                        now=datetime(2026, 11, 24, 4, 0), tz=TAIPEI)
    assert result.closes_at == utc(2026, 11, 30, 12, 0)


@pytest.mark.parametrize("text, closes_at", [
    ("截止 12/11 20:00", utc(2026, 12, 11, 12, 0)),
    ("截止：12/11(五) 晚上8點", utc(2026, 12, 11, 12, 0)),
    ("截止時間 12/11", utc(2026, 12, 11, 15, 59)),
    ("截止12/11 20:00", utc(2026, 12, 11, 12, 0)),
    ("deadline 12/11 20:00", utc(2026, 12, 11, 12, 0)),
    ("Deadline: 2027/1/5 8:00 pm", utc(2027, 1, 5, 12, 0)),
    ("截止 1/5 20:00", utc(2027, 1, 5, 12, 0)),
])
def test_a_deadline_line_alone_moves_the_deadline(text, closes_at):
    assert host(text) == MoveDeadline(closes_at, text.replace("：", ":").replace("（", "(").replace("）", ")"))


@pytest.mark.parametrize("text, value", [
    ("取貨 12/12-12/14 本店", "12/12-12/14 本店"),
    ("取貨：12/12(六)~12/14(一) 本店 一樓", "12/12~12/14 本店 一樓"),
    ("取貨時間 12/12", "12/12"),
    ("取貨12/12-14", "12/12-14"),
    ("pickup 12/12-12/14 Shop", "12/12-12/14 Shop"),
])
def test_a_pickup_line_alone_moves_the_pickup_window(text, value):
    result = host(text)
    assert result == MovePickup(value, text.replace("：", ":"))


@pytest.mark.parametrize("text, closes_on, expected", [
    ("取貨 12/12-12/14 本店", date(2026, 12, 11), (date(2026, 12, 12), date(2026, 12, 14), "本店")),
    ("取貨 12/12", date(2026, 12, 11), (date(2026, 12, 12), date(2026, 12, 12), None)),
    ("取貨 12/12-14 本店", date(2026, 12, 1), (date(2026, 12, 12), date(2026, 12, 14), "本店")),
    # the year follows the campaign's deadline, as in a 開團
    ("取貨 1/2-1/4 本店", date(2026, 12, 28), (date(2027, 1, 2), date(2027, 1, 4), "本店")),
    ("取貨 12/30-1/3 本店", date(2026, 12, 28), (date(2026, 12, 30), date(2027, 1, 3), "本店")),
    ("取貨 1/2-1/4 本店", date(2027, 1, 1), (date(2027, 1, 2), date(2027, 1, 4), "本店")),
    ("取貨 2027/12/10 本店", date(2026, 12, 11), (date(2027, 12, 10), date(2027, 12, 10), "本店")),  # a year given
])
def test_a_pickup_move_reads_its_dates_against_the_campaigns_deadline(text, closes_on, expected):
    assert pickup_after(host(text), closes_on) == expected


@pytest.mark.parametrize("text, closes_on, error", [
    ("取貨 2026/12/10 本店", date(2026, 12, 11),
     HostError("pickup", "pickup starts before the deadline", "pickup_before_deadline", "取貨 2026/12/10 本店",
               "pickup")),
    ("取貨 2026/12/14-2026/12/12", date(2026, 12, 11),
     HostError("pickup", "pickup ends before it starts", "pickup_reversed", "取貨 2026/12/14-2026/12/12",
               "pickup")),
    ("取貨 12/32 本店", date(2026, 12, 11),
     HostError("pickup", "the pickup dates are not real dates", "bad_pickup", "取貨 12/32 本店", "pickup")),
    # without a year, a day just before the deadline would be next year's: a slip, refused
    ("取貨 12/10-12/12 本店", date(2026, 12, 11),
     HostError("pickup", "pickup starts before the deadline", "pickup_before_deadline", "取貨 12/10-12/12 本店",
               "pickup")),
])
def test_a_pickup_move_that_cannot_fit_the_campaign_names_the_problem(text, closes_on, error):
    assert pickup_after(host(text), closes_on) == error


def test_a_pickup_move_without_dates_is_a_problem_even_when_built_by_hand():
    assert pickup_after(MovePickup("本店", "取貨 本店"), date(2026, 12, 11)).code == "bad_pickup"


@pytest.mark.parametrize("text, error", [
    ("截止 明天", HostError("closes_at", "write the deadline like '截止 11/30 20:00'", "bad_deadline",
                          "截止 明天", "deadline")),
    ("截止 11/20 20:00", HostError("closes_at", "the deadline is in the past", "deadline_past",
                                 "截止 11/20 20:00", "deadline")),
    ("deadline 13/1", HostError("closes_at", "13/1 is not a date", "bad_deadline", "deadline 13/1", "deadline")),
    ("取貨 明天 本店", HostError("pickup", "write the pickup like '取貨 12/2-12/5 本店'", "bad_pickup",
                            "取貨 明天 本店", "pickup")),
    ("取貨 本店", HostError("pickup", "write the pickup like '取貨 12/2-12/5 本店'", "bad_pickup",
                        "取貨 本店", "pickup")),
])
def test_a_malformed_move_names_the_problem_and_the_move(text, error):
    assert host(text) == error


@pytest.mark.parametrize("text", [
    "截止了嗎", "截止時間是幾點?", "截止", "取貨", "取貨地點在哪", "取貨要帶什麼", "deadlines", "pickups 12/12",
    # the buyer's own request for a pickup code, whoever types it
    "取貨碼", "取貨 QR", "pickup code", "Pickup QR",
    # a deadline with more lines is no move (only a 開團 has several lines)
    "截止 12/11 20:00\n大家快下單", "大家快下單\n截止 12/11 20:00",
])
def test_chat_that_only_mentions_a_deadline_or_pickup_is_no_host_command(text):
    assert host(text) is None


def test_a_deadline_line_inside_an_open_stays_part_of_the_open():
    result = host("開團 草莓大福\nA 原味 120\n截止 12/11 20:00")
    assert isinstance(result, OpenCampaign) and result.closes_at == utc(2026, 12, 11, 12, 0)


def test_a_malformed_open_is_reported_as_an_open():
    assert host("開團\nA 原味 120\n截止 明天").command == "open"


@given(st.text(), st.datetimes(timezones=st.just(timezone.utc)))
def test_parse_host_never_raises(text, now):
    parse_host(text, now=now, tz=TAIPEI)


@given(st.text(alphabet="開團截止取貨標題限每人 ABab0123456789/:-~()\n元$,.一六點晚上", max_size=60),
       st.datetimes(timezones=st.just(timezone.utc)))
def test_parse_host_never_raises_on_command_soup(text, now):
    parse_host("開團\n" + text, now=now, tz=ZoneInfo("America/Los_Angeles"))
    parse_host("開團\n" + text, now=now, tz=TAIPEI)


@given(st.sampled_from(["截止 ", "取貨 ", "deadline ", "pickup "]),
       st.text(alphabet="ABab0123456789/:-~() 元$,.一六點晚上本店年月日號", max_size=40),
       st.datetimes(timezones=st.just(timezone.utc)), st.dates())
def test_a_move_never_raises_and_a_pickup_move_reads_against_any_deadline(keyword, text, now, closes_on):
    result = parse_host(keyword + text, now=now, tz=TAIPEI)
    if isinstance(result, MovePickup):
        pickup_after(result, closes_on)
