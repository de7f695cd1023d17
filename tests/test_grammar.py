"""The buyers' chat grammar (DESIGN.md, "Chat grammar"): pure rules, no database."""

import pytest
from hypothesis import given, strategies as st

from bot.grammar import (
    pick_answer,
    AMOUNT_NOT_POSITIVE, LAST5_NOT_FIVE_DIGITS, MISSING_QUANTITY, ONE_CHANGE_PER_MESSAGE,
    PHONE_MISSING, QUANTITY_NOT_WHOLE, QUANTITY_OUT_OF_RANGE, TRANSFER_INCOMPLETE, Bind, Cancel,
    Help, ItemRef, Malformed, Mention, MyOrders, Order, OrderLine, PickupCode, Resolution,
    ResolvedLine, TransferReport, UnknownLabel, WhichItem, format_order, format_transfer,
    is_plain_word, parse_direct, parse_group, resolve_items,
)


def order(*lines):
    """order(("A", 1), (None, 2, "紅色", "M")) → Order."""
    return Order(tuple(OrderLine(label, qty, tuple(words)) for label, qty, *words in lines))


# --- every row of the grammar table, and its full-width twins --------------------------------

@pytest.mark.parametrize("text, expected", [
    # `+1`, `+3`, `＋２`: that many of the campaign's only item
    ("+1", order((None, 1))),
    ("+3", order((None, 3))),
    ("＋２", order((None, 2))),
    ("＋１", order((None, 1))),
    ("+ 1", order((None, 1))),
    ("+99", order((None, 99))),
    ("+01", order((None, 1))),
    ("  +1  ", order((None, 1))),
    ("+1!", order((None, 1))),
    ("+1～", order((None, 1))),
    ("+1。", order((None, 1))),
    ("+1 +1", order((None, 1), (None, 1))),
    # `A+1`, `a +2 b+1`, `A+1, C+2`: per label
    ("A+1", order(("A", 1))),
    ("a+1", order(("A", 1))),
    ("Ａ＋１", order(("A", 1))),
    ("ａ＋１", order(("A", 1))),
    ("A + 1", order(("A", 1))),
    ("A +1", order(("A", 1))),
    ("A+ 1", order(("A", 1))),
    ("a +2 b+1", order(("A", 2), ("B", 1))),
    ("A+1 B+2", order(("A", 1), ("B", 2))),
    ("A+1, C+2", order(("A", 1), ("C", 2))),
    ("A+1,C+2", order(("A", 1), ("C", 2))),
    ("A+1，C+2", order(("A", 1), ("C", 2))),
    ("A+1、B+1", order(("A", 1), ("B", 1))),
    ("A+1; B+1", order(("A", 1), ("B", 1))),
    ("A+1\nB+2", order(("A", 1), ("B", 2))),
    ("Ａ＋１　Ｂ＋２", order(("A", 1), ("B", 2))),
    ("A+1 A+2", order(("A", 1), ("A", 2))),
    # `+1 紅色 M`, `B+1 大`: words after the quantity pick the item or variant
    ("+1 紅色 M", order((None, 1, "紅色", "M"))),
    ("+1 紅色 m", order((None, 1, "紅色", "m"))),
    ("＋１ 紅色 Ｍ", order((None, 1, "紅色", "M"))),
    ("B+1 大", order(("B", 1, "大"))),
    ("A+1 紅色 B+2 藍色", order(("A", 1, "紅色"), ("B", 2, "藍色"))),
    ("+2 抹茶, +1 原味", order((None, 2, "抹茶"), (None, 1, "原味"))),
    ("+1 謝謝團媽", order((None, 1))),  # thanks are no variant
    # `-1`, `A-1`, `取消`, `取消 A`: cancel that quantity, that label, or the whole order
    ("-1", Cancel(None, 1)),
    ("-2", Cancel(None, 2)),
    ("－１", Cancel(None, 1)),
    ("−1", Cancel(None, 1)),
    ("A-1", Cancel("A", 1)),
    ("a - 1", Cancel("A", 1)),
    ("Ａ－２", Cancel("A", 2)),
    ("取消", Cancel(None, None)),
    ("取消訂單", Cancel(None, None)),
    ("全部取消", Cancel(None, None)),
    ("取消 A", Cancel("A", None)),
    ("取消a", Cancel("A", None)),
    ("取消 Ａ", Cancel("A", None)),
    ("cancel", Cancel(None, None)),
    ("Cancel", Cancel(None, None)),
    ("cancel A", Cancel("A", None)),
    ("cancel b", Cancel("B", None)),
    # transfer reports: last five digits, amount
    ("已匯款 12345 $350", TransferReport("12345", 350)),
    ("已轉帳 後五碼12345 350元", TransferReport("12345", 350)),
    ("paid 12345 350", TransferReport("12345", 350)),
])
def test_each_row_of_the_grammar_table_reads_as_designed(text, expected):
    assert parse_group(text) == expected


# --- chat stays silent -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "\n", "好", "謝謝團媽", "哈哈哈", "我也要吃", "請問什麼時候到貨?",
    "我+1天就到", "明天+1度", "1+1=2", "2+2", "1 + 1 = 2", "3+4",
    "https://example.com/a+1", "http://x.tw/?q=A+1", "www.example.com/+1",
    "A+B", "a+b=c", "C++", "++", "+-", "+1天就到", "+1紅色", "B+1大",
    "UTC+8", "GMT +8", "+886 912 345 678", "+886912345678", "+1000", "+2026",
    "A+ 好評", "這個品質A+", "A-", "-", "B-", "-1 我不同意", "-5 度好冷", "-3°C",
    "匯款要匯到哪裡?", "已匯款了嗎", "已匯入", "轉帳 還是現金?", "paid 2 dollars",
    "I paid", "取消了嗎", "活動取消", "我要取消嗎?", "cancel all of it", "說明", "help",
    "我的訂單", "取貨碼", "綁定 0912345678", "@someone +1", "12345 350", "...", "!!!",
])
def test_ordinary_chat_returns_none(text):
    assert parse_group(text) is None


# --- orders that cannot be read get a helpful answer -----------------------------------------

@pytest.mark.parametrize("text, reason", [
    ("+0", QUANTITY_OUT_OF_RANGE),
    ("+00", QUANTITY_OUT_OF_RANGE),
    ("+100", QUANTITY_OUT_OF_RANGE),
    ("A+0", QUANTITY_OUT_OF_RANGE),
    ("＋１００", QUANTITY_OUT_OF_RANGE),
    ("A+1 B+100", QUANTITY_OUT_OF_RANGE),
    ("+100 紅色", QUANTITY_OUT_OF_RANGE),
    ("-0", QUANTITY_OUT_OF_RANGE),
    ("A-100", QUANTITY_OUT_OF_RANGE),
    ("+1.5", QUANTITY_NOT_WHOLE),
    ("A+0.5", QUANTITY_NOT_WHOLE),
    ("+.5", QUANTITY_NOT_WHOLE),
    ("+1.5 紅色", QUANTITY_NOT_WHOLE),
    ("-1.5", QUANTITY_NOT_WHOLE),
    ("A+", MISSING_QUANTITY),
    ("a+", MISSING_QUANTITY),
    ("+", MISSING_QUANTITY),
    ("A+ B+1", MISSING_QUANTITY),
    ("A+1 B+", MISSING_QUANTITY),
    ("A+1 紅色 B+", MISSING_QUANTITY),
    ("A-1 B-1", ONE_CHANGE_PER_MESSAGE),
    ("A+1 B-1", ONE_CHANGE_PER_MESSAGE),
    ("-1 -1", ONE_CHANGE_PER_MESSAGE),
])
def test_broken_orders_are_malformed_with_a_reason(text, reason):
    assert parse_group(text) == Malformed(reason)


# --- transfer reports ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("已匯款 12345 $350", TransferReport("12345", 350)),
    ("已轉帳 後五碼12345 350元", TransferReport("12345", 350)),
    ("已匯 12345 350", TransferReport("12345", 350)),
    ("paid 12345 350", TransferReport("12345", 350)),
    ("Paid 12345 350", TransferReport("12345", 350)),
    ("匯款 末五碼 12345 金額 1,350", TransferReport("12345", 1350)),
    ("已匯款 12345 NT$1,350", TransferReport("12345", 1350)),
    ("已匯款 12345 NT$ 350", TransferReport("12345", 350)),
    ("已匯款 12345 NTD350", TransferReport("12345", 350)),
    ("已匯款12345 350", TransferReport("12345", 350)),
    ("已匯款：12345，350", TransferReport("12345", 350)),
    ("已匯款 12345/350", TransferReport("12345", 350)),
    ("已匯款 12345$350", TransferReport("12345", 350)),
    ("已匯款 後五碼:12345 金額:350", TransferReport("12345", 350)),
    ("已匯款 帳號後5碼 01234 350 元", TransferReport("01234", 350)),
    ("已匯款 12345 350.00", TransferReport("12345", 350)),
    ("已匯款 $350 12345", TransferReport("12345", 350)),
    ("已匯款 350元 後五碼12345", TransferReport("12345", 350)),
    ("已轉 12345 1000", TransferReport("12345", 1000)),
    ("轉帳 12345 350", TransferReport("12345", 350)),
    ("已匯款 １２３４５ ＄３５０", TransferReport("12345", 350)),
    ("已匯款 12345 $350 謝謝", TransferReport("12345", 350)),
    ("已匯款 12345 $350!", TransferReport("12345", 350)),
    ("transferred 12345 350", TransferReport("12345", 350)),
])
def test_transfer_reports_read_last_five_digits_and_amount(text, expected):
    assert parse_group(text) == expected
    assert parse_direct(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("已匯款", TRANSFER_INCOMPLETE),
    ("已匯款!", TRANSFER_INCOMPLETE),
    ("已匯款 $350", TRANSFER_INCOMPLETE),
    ("已匯款 12345", TRANSFER_INCOMPLETE),
    ("已匯款 12345 350 100", TRANSFER_INCOMPLETE),
    ("已匯款 1234 350", LAST5_NOT_FIVE_DIGITS),
    ("已匯款 123456 350", LAST5_NOT_FIVE_DIGITS),
    ("已匯款 後五碼123 $350", LAST5_NOT_FIVE_DIGITS),
    ("已匯款 12345 0", AMOUNT_NOT_POSITIVE),
    ("已匯款 12345 $0元", AMOUNT_NOT_POSITIVE),
])
def test_a_firm_transfer_report_that_cannot_be_read_is_malformed(text, reason):
    assert parse_group(text) == Malformed(reason)


@pytest.mark.parametrize("text", ["paid 1234 350", "匯款 12345", "轉帳 0", "paid 12345"])
def test_a_loose_transfer_keyword_without_a_full_report_is_chat(text):
    assert parse_group(text) is None


# --- mentions --------------------------------------------------------------------------------

def test_a_mention_that_is_no_command_is_a_mention():
    assert parse_group("@PlusOne 你好", mentions_bot=True) == Mention()
    assert parse_group("我+1天就到", mentions_bot=True) == Mention()


def test_a_mention_does_not_hide_a_command():
    assert parse_group("+1", mentions_bot=True) == order((None, 1))
    assert parse_group("@PlusOne A+1", mentions_bot=True) == order(("A", 1))
    assert parse_group("@PlusOne 取消", mentions_bot=True) == Cancel(None, None)


@pytest.mark.parametrize("text, expected", [
    ("@PlusOne 說明", Help()), ("@PlusOne help", Help()), ("說明", Help()),
    ("@PlusOne 我的訂單", MyOrders()), ("@PlusOne 取貨碼", PickupCode()),
])
def test_requests_in_a_group_count_only_when_the_bot_is_mentioned(text, expected):
    assert parse_group(text, mentions_bot=True) == expected
    assert parse_group(text) is None


# --- 1:1 chat --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("綁定 0912345678", Bind("0912345678")),
    ("綁定0912345678", Bind("0912345678")),
    ("綁定手機 0912-345-678", Bind("0912-345-678")),
    ("綁定：０９１２３４５６７８", Bind("0912345678")),
    ("bind 0912-345-678", Bind("0912-345-678")),
    ("BIND +886 912 345 678", Bind("+886 912 345 678")),
    ("綁定", Malformed(PHONE_MISSING)),
    ("bind", Malformed(PHONE_MISSING)),
    ("我的訂單", MyOrders()),
    ("my orders", MyOrders()),
    ("My  Orders", MyOrders()),
    ("取貨碼", PickupCode()),
    ("pickup code", PickupCode()),
    ("說明", Help()),
    ("help", Help()),
    ("HELP!", Help()),
    ("已匯款 12345 $350", TransferReport("12345", 350)),
])
def test_direct_chat_reads_each_row_of_its_table(text, expected):
    assert parse_direct(text) == expected


@pytest.mark.parametrize("text", ["+1", "A+1", "-1", "取消", "你好", "binding", "", "訂單"])
def test_direct_chat_takes_no_orders_and_ignores_the_rest(text):
    assert parse_direct(text) is None


# --- resolution ------------------------------------------------------------------------------

ONE = [ItemRef("A", "草莓大福")]
SHIRTS = [ItemRef("A", "T恤 紅色 M"), ItemRef("B", "T恤 紅色 L"), ItemRef("C", "T恤 藍色 M")]
CAKES = [ItemRef("A", "原味"), ItemRef("B", "抹茶 Matcha"), ItemRef("C", "巧克力")]


def test_an_unlabelled_line_is_the_only_item_and_its_words_are_a_note():
    assert resolve_items(order((None, 2)), ONE) == Resolution((ResolvedLine("A", 2, None),))
    assert resolve_items(order((None, 1, "紅色", "M")), ONE) == Resolution(
        (ResolvedLine("A", 1, "紅色 M"),))


def test_an_explicit_label_keeps_its_words_as_a_note():
    assert resolve_items(order(("B", 1, "大")), CAKES) == Resolution(
        (ResolvedLine("B", 1, "大"),))


def test_an_unknown_label_is_the_problem():
    resolution = resolve_items(order(("A", 1), ("D", 2)), CAKES)
    assert resolution == Resolution(problem=UnknownLabel("D"))
    assert not resolution.ok


def test_words_pick_the_one_item_whose_name_holds_them_all():
    assert resolve_items(order((None, 1, "紅色", "L")), SHIRTS) == Resolution(
        (ResolvedLine("B", 1, None),))
    assert resolve_items(order((None, 3, "matcha")), CAKES) == Resolution(
        (ResolvedLine("B", 3, None),))
    assert resolve_items(order((None, 1, "ＭＡＴＣＨＡ")), CAKES) == Resolution(
        (ResolvedLine("B", 1, None),))


def test_words_that_fit_several_items_ask_which_of_them():
    assert resolve_items(order((None, 1, "紅色")), SHIRTS) == Resolution(
        problem=WhichItem(("A", "B"), ("紅色",)))


def test_words_that_fit_no_item_ask_which_of_all():
    assert resolve_items(order((None, 1, "綠色")), SHIRTS) == Resolution(
        problem=WhichItem(("A", "B", "C"), ("綠色",)))


def test_no_label_and_no_words_with_several_items_asks_which():
    assert resolve_items(order((None, 1)), CAKES) == Resolution(
        problem=WhichItem(("A", "B", "C")))


def test_every_line_resolves_in_order():
    resolution = resolve_items(order(("a", 1), (None, 2, "巧克力"), ("B", 1, "大")), CAKES)
    assert resolution.ok
    assert resolution.lines == (ResolvedLine("A", 1, None), ResolvedLine("C", 2, None),
                                ResolvedLine("B", 1, "大"))


def test_the_first_problem_wins_and_no_line_is_returned():
    resolution = resolve_items(order(("A", 1), (None, 1), ("Z", 1)), CAKES)
    assert resolution == Resolution(problem=WhichItem(("A", "B", "C")))


def test_a_parsed_message_resolves_end_to_end():
    assert resolve_items(parse_group("＋２ 紅色 Ｌ"), SHIRTS) == Resolution(
        (ResolvedLine("B", 2, None),))


# --- formatting ------------------------------------------------------------------------------

def test_an_order_is_formatted_as_tokens_and_words():
    assert format_order(order(("A", 1, "紅色"), (None, 2), ("B", 3))) == "A+1 紅色, +2, B+3"


def test_a_one_letter_word_does_not_become_the_next_label():
    o = order((None, 1, "紅色", "M"), (None, 2, "藍色", "L"))
    assert parse_group(format_order(o)) == o


@pytest.mark.parametrize("bad", [
    Order(()), order(("a", 1)), order(("AB", 1)), order(("A", 0)), order(("A", 100)),
    order(("A", 1, "B+1")), order(("A", 1, "紅 色")), order(("A", 1, "好!")),
])
def test_an_order_that_would_not_read_back_is_refused(bad):
    with pytest.raises(ValueError):
        format_order(bad)


def test_a_transfer_is_formatted_with_separators():
    assert format_transfer(TransferReport("01234", 1350)) == "已匯款 01234 $1,350"


# --- properties ------------------------------------------------------------------------------

@given(st.text())
def test_parse_group_never_raises(text):
    parse_group(text)
    parse_group(text, mentions_bot=True)


@given(st.text(alphabet="+-.,、;!~。 AaBb0123456789已匯款後五碼金額元$NT取消cancel紅色"))
def test_parse_group_never_raises_on_token_soup(text):
    parse_group(text)
    parse_group(text, mentions_bot=True)


@given(st.text())
def test_parse_direct_never_raises(text):
    parse_direct(text)


# Letters and CJK that no rule reads as a token: no signs, digits alone, separators or
# decorations; a single ASCII letter is allowed and must not glue onto the next token.
word_st = st.text(alphabet="紅色藍大中小原味抹茶號MLSxlTabc恤", min_size=1, max_size=6).filter(is_plain_word)
line_st = st.builds(
    OrderLine,
    st.none() | st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.integers(1, 99),
    st.lists(word_st, max_size=3).map(tuple),
)
order_st = st.builds(Order, st.lists(line_st, min_size=1, max_size=6).map(tuple))


@given(order_st)
def test_every_valid_order_survives_a_round_trip(o):
    assert parse_group(format_order(o)) == o


@given(st.text(min_size=1, max_size=8))
def test_plain_words_survive_a_round_trip(word):
    o = order((None, 1, word))
    if is_plain_word(word):
        assert parse_group(format_order(o)) == o


@given(st.text(alphabet="0123456789", min_size=5, max_size=5), st.integers(1, 10**9))
def test_every_transfer_report_survives_a_round_trip(last5, amount):
    report = TransferReport(last5, amount)
    assert parse_group(format_transfer(report)) == report
    assert parse_direct(format_transfer(report)) == report


# --- answers to the bot's questions ---------------------------------------------------------

OPTIONS = [("XCSA", "草莓大福"), ("RTFD", "芒果乾"), ("B", "抹茶")]


@pytest.mark.parametrize("text, picked", [
    ("XCSA", 0), ("xcsa", 0), ("rtfd!", 1), ("2", 1), ("3", 2), ("4", None), ("0", None),
    ("芒果", 1), ("我要芒果乾", 1), ("草莓大福團", 0), ("b", 2), ("要B的", 2), ("抹茶謝謝", 2),
    ("大", None), ("都可以", None), ("", None), ("哈哈", None), ("a" * 31, None),
])
def test_an_answer_picks_by_place_key_or_the_one_name_it_names(text, picked):
    assert pick_answer(text, OPTIONS) == picked


@given(st.text(), st.lists(st.tuples(st.text(max_size=6), st.text(max_size=10)), max_size=6))
def test_picking_an_answer_never_raises_and_picks_a_listed_option(text, options):
    picked = pick_answer(text, options)
    assert picked is None or 0 <= picked < len(options)
