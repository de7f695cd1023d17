"""Messages as buyers really type them (issue #14), each with what the parser must make of it.

One table: the text, and the intent it must read as. `CHAT` means ordinary chat, which the
bot never answers; `ask(...)` means the bot replies with a question and books nothing.
"""
import random
import time

import pytest

from bot.grammar import (
    AMBIGUOUS_QUANTITY, LAST5_NOT_FIVE_DIGITS, MAX_CHARS, MISSING_QUANTITY, ONE_CHANGE_PER_MESSAGE,
    QUANTITY_NOT_WHOLE, QUANTITY_OUT_OF_RANGE, TRANSFER_INCOMPLETE, Cancel, Malformed, Mention,
    Order, OrderLine, TransferReport, parse_direct, parse_group,
)

CHAT = None


def o(*lines, code=None):
    """o("A1", "B2", (None, 1, "紅色")): "A1" is label A, quantity 1; "+3" has no label."""
    out = []
    for line in lines:
        if isinstance(line, str):
            label, qty = (None, line[1:]) if line[0] == "+" else (line[0], line[1:])
            out.append(OrderLine(label, int(qty)))
        else:
            label, qty, *words = line
            out.append(OrderLine(label, qty, tuple(words)))
    return Order(tuple(out), code=code)


def ask(*choices):
    return Malformed(AMBIGUOUS_QUANTITY, choices)


def paid(last5, amount):
    return TransferReport(last5, amount)


TABLE = [
    # --- the messages that got no reply -------------------------------------------
    ("我要+1", o("+1")),
    ("我也要 +1", o("+1")),
    ("團媽我+1", o("+1")),
    ("+1+1", o("+1", "+1")),
    ("++1", o("+1")),
    ("A+1B+1", o("A1", "B1")),
    ("B 2", o("B2")),
    ("A*2", o("A2")),
    ("A1", o("A1")),
    ("C x2", o("C2")),
    ("紅色M +1", o((None, 1, "紅色M"))),
    ("我要A一件", o("A1")),
    ("加一", o("+1")),
    ("＋1份", o("+1")),
    ("+1😀", o("+1")),
    ("+1（兩盒）", ask("+1", "+2")),
    ("1份", o("+1")),
    ("我要2盒", o("+2")),
    # --- the messages that booked the wrong amount or a wrong note ------------------
    ("+1 x2", o("+2")),
    ("+1 幫我朋友也+1", o("+1", "+1")),
    ("A+1 謝謝", o("A1")),
    # --- plain orders ---------------------------------------------------------------------
    ("+1", o("+1")),
    ("+2", o("+2")),
    ("+ 1", o("+1")),
    ("＋２", o("+2")),
    ("+1!", o("+1")),
    ("+1～", o("+1")),
    ("+1。", o("+1")),
    ("+1!!!", o("+1")),
    ("+1...", o("+1")),
    ("+1❤️", o("+1")),
    ("+1🙏🙏", o("+1")),
    ("+1 🙏", o("+1")),
    ("+1謝謝", o("+1")),
    ("+1 謝謝團媽", o("+1")),
    ("+1 感恩", o("+1")),
    ("+1 thx", o("+1")),
    ("+1 謝啦~", o("+1")),
    ("我也+1", o("+1")),
    ("我+1", o("+1")),
    ("我 +1", o("+1")),
    ("樓上+1", o("+1")),
    ("團媽 +1 謝謝", o("+1")),
    ("我也要+2", o("+2")),
    ("+3份", o("+3")),
    ("+2 盒", o("+2")),
    ("+2個", o("+2")),
    ("＋１０", o("+10")),
    ("+99", o("+99")),
    ("加1", o("+1")),
    ("加二", o("+2")),
    ("再加一份", o("+1")),
    ("追加一份", o("+1")),
    ("我要一份", o("+1")),
    ("我要兩盒", o("+2")),
    ("我要十二包", o("+12")),
    ("2盒", o("+2")),
    ("兩份", o("+2")),
    ("x2", o("+2")),
    ("×3", o("+3")),
    ("+2 x1", ask("+1", "+2")),
    ("+2 x3", ask("+2", "+3", "+6")),
    ("+2(2盒)", o("+2")),
    ("+1 3個", ask("+1", "+3")),
    ("A+1（兩盒）", ask("A+1", "A+2")),
    # --- labels ---------------------------------------------------------------------------
    ("A+1", o("A1")),
    ("a+1", o("A1")),
    ("Ａ＋１", o("A1")),
    ("A + 1", o("A1")),
    ("A +1", o("A1")),
    ("A+1 B+2", o("A1", "B2")),
    ("A+1,B+2", o("A1", "B2")),
    ("A+1，B+2", o("A1", "B2")),
    ("A+1、B+1", o("A1", "B1")),
    ("A+1\nB+2", o("A1", "B2")),
    ("A+1B+2C+3", o("A1", "B2", "C3")),
    ("a1", o("A1")),
    ("A 1", o("A1")),
    ("A2 B1", o("A2", "B1")),
    ("A1B2", o("A1", "B2")),
    ("Ax2", o("A2")),
    ("A x 2", o("A2")),
    ("A×2", o("A2")),
    ("A*2 B*1", o("A2", "B1")),
    ("A一件", o("A1")),
    ("A 2盒", o("A2")),
    ("B兩份", o("B2")),
    ("我要B 2", o("B2")),
    ("A+1 x3", o("A3")),
    ("A++1", o("A1")),
    ("團媽 A+1 B+1 謝謝", o("A1", "B1")),
    # --- variants and item names -------------------------------------------------------------
    ("+1 紅色 M", o((None, 1, "紅色", "M"))),
    ("+1 紅色M", o((None, 1, "紅色M"))),
    ("+1（黑色）", o((None, 1, "黑色"))),
    ("B+1 大", o(("B", 1, "大"))),
    ("A+1 黑 XL", o(("A", 1, "黑", "XL"))),
    ("A+1 紅色 B+2 藍色", o(("A", 1, "紅色"), ("B", 2, "藍色"))),
    ("芒果乾+1", o((None, 1, "芒果乾"))),
    ("芒果乾 +2", o((None, 2, "芒果乾"))),
    ("芒果乾x2", o((None, 2, "芒果乾"))),
    ("芒果乾+1 鳳梨酥+2", o((None, 1, "芒果乾"), (None, 2, "鳳梨酥"))),
    ("我要芒果乾+1", o((None, 1, "芒果乾"))),
    ("紅色 M +1", o((None, 1, "紅色", "M"))),
    ("紅色 XL x2", o((None, 2, "紅色", "XL"))),
    ("+1 紅色 x2", o((None, 2, "紅色"))),
    ("+2 抹茶, +1 原味", o((None, 2, "抹茶"), (None, 1, "原味"))),
    # --- campaign codes -----------------------------------------------------------------------
    ("XCSA +1", o("+1", code="XCSA")),
    ("RTFD A+1", o("A1", code="RTFD")),
    ("A+1 XCSA", o("A1", code="XCSA")),
    ("K7QX B+2", o("B2", code="K7QX")),
    ("XCSA 芒果乾+1", o((None, 1, "芒果乾"), code="XCSA")),
    # --- cancels ---------------------------------------------------------------------------
    ("-1", Cancel(None, 1)),
    ("A-1", Cancel("A", 1)),
    ("－１", Cancel(None, 1)),
    ("取消", Cancel(None, None)),
    ("取消 B", Cancel("B", None)),
    ("我也要", Malformed(MISSING_QUANTITY)),
    ("我要A", Malformed(MISSING_QUANTITY)),
    ("我也想要", Malformed(MISSING_QUANTITY)),
    ("我還要b", Malformed(MISSING_QUANTITY)),
    ("我要去", None),
    ("我也要吃", None),
    ("要", None),
    ("XCSA 取消", Cancel(None, None, "XCSA")),
    ("取消 RTFD", Cancel(None, None, "RTFD")),
    ("XCSA 取消 A", Cancel("A", None, "XCSA")),
    ("XCSA -1", Cancel(None, 1, "XCSA")),
    ("A-1 RTFD", Cancel("A", 1, "RTFD")),
    ("XCSA RTFD -1", Malformed(ONE_CHANGE_PER_MESSAGE)),
    ("cancel", Cancel(None, None)),
    # --- orders the bot asks about ------------------------------------------------------------
    ("+0", Malformed(QUANTITY_OUT_OF_RANGE)),
    ("+100", Malformed(QUANTITY_OUT_OF_RANGE)),
    ("A0", Malformed(QUANTITY_OUT_OF_RANGE)),
    ("+1.5", Malformed(QUANTITY_NOT_WHOLE)),
    ("A+", Malformed(MISSING_QUANTITY)),
    ("+", Malformed(MISSING_QUANTITY)),
    ("A+1 B-1", Malformed(ONE_CHANGE_PER_MESSAGE)),
    # --- transfer reports -----------------------------------------------------------------
    ("匯款後五碼12345", Malformed(TRANSFER_INCOMPLETE)),
    ("轉帳完成 44556 350", paid("44556", 350)),
    ("我匯了 33445 1090", paid("33445", 1090)),
    ("匯款完成 帳號後5碼 67890 共500元", paid("67890", 500)),
    ("已匯款 12345 $350", paid("12345", 350)),
    ("已轉帳 後五碼12345 350元", paid("12345", 350)),
    ("paid 12345 350", paid("12345", 350)),
    ("已匯款 12345 350 謝謝", paid("12345", 350)),
    ("團媽 已匯款 12345 350", paid("12345", 350)),
    ("我已匯款 後五碼 54321 金額 1,200", paid("54321", 1200)),
    ("匯好了 11223 480", paid("11223", 480)),
    ("轉好了 後五碼11223 $480", paid("11223", 480)),
    ("已付款 22334 600元", paid("22334", 600)),
    ("12345 350 已匯款", paid("12345", 350)),
    ("匯款 12345 350", paid("12345", 350)),
    ("轉帳 總共 350元 後5碼 99887", paid("99887", 350)),
    ("已匯款", Malformed(TRANSFER_INCOMPLETE)),
    ("轉帳完成", Malformed(TRANSFER_INCOMPLETE)),
    ("匯款 $350", Malformed(TRANSFER_INCOMPLETE)),
    ("已匯款 1234 350", Malformed(LAST5_NOT_FIVE_DIGITS)),
    # --- ordinary chat: never answered ------------------------------------------------------
    ("我+1票贊成", CHAT),
    ("明天 +1 度", CHAT),
    ("今天氣溫+1度而已", CHAT),
    ("電話 0912345678", CHAT),
    ("我+1天就到", CHAT),
    ("+1天就到", CHAT),
    ("明天+1度", CHAT),
    ("1+1=2", CHAT),
    ("2+2", CHAT),
    ("1 + 1 = 2", CHAT),
    ("UTC+8", CHAT),
    ("GMT +8", CHAT),
    ("C++", CHAT),
    ("++", CHAT),
    ("A+B", CHAT),
    ("A+ 好評", CHAT),
    ("這個品質A+", CHAT),
    ("-1 我不同意", CHAT),
    ("-5 度好冷", CHAT),
    ("-3°C", CHAT),
    ("+886 912 345 678", CHAT),
    ("+886912345678", CHAT),
    ("+2026", CHAT),
    ("https://example.com/a+1", CHAT),
    ("www.example.com/+1", CHAT),
    ("@someone +1", CHAT),
    ("A4紙", CHAT),
    ("B2B", CHAT),
    ("2樓", CHAT),
    ("3x2=6", CHAT),
    ("我今天買了2盒", CHAT),
    ("A1 停車場", CHAT),
    ("加一點糖", CHAT),
    ("要+1嗎?", CHAT),
    ("大家好", CHAT),
    ("謝謝團媽", CHAT),
    ("我也要去", CHAT),
    ("好", CHAT),
    ("2", CHAT),
    ("12345 350", CHAT),
    ("匯款要匯到哪裡?", CHAT),
    ("已匯入", CHAT),
    ("已匯款了嗎", CHAT),
    ("轉了", CHAT),
    ("轉帳 還是現金?", CHAT),
    ("paid 2 dollars", CHAT),
    ("I paid", CHAT),
    ("匯款 12345", CHAT),
    ("取消了嗎", CHAT),
    ("活動取消", CHAT),
    ("我的訂單", CHAT),
    ("綁定 0912345678", CHAT),
    ("XCSA", CHAT),
    ("+1" + "好" * 600, CHAT),
]


def test_the_table_is_large_and_has_no_duplicate_message():
    texts = [text for text, _ in TABLE]
    assert len(texts) >= 150
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("text, expected", TABLE, ids=[t[:20] for t, _ in TABLE])
def test_each_real_message_reads_as_the_buyer_meant(text, expected):
    assert parse_group(text) == expected


@pytest.mark.parametrize("text", [t for t, e in TABLE if isinstance(e, TransferReport)])
def test_a_transfer_report_reads_the_same_in_a_one_to_one_chat(text):
    assert parse_direct(text) == parse_group(text)


def test_a_message_over_the_cap_is_no_order_but_still_answers_a_mention():
    long = "+1 " + "紅" * MAX_CHARS
    assert parse_group(long) is None
    assert parse_group(long, mentions_bot=True) == Mention()
    assert parse_direct("已匯款 12345 350 " + "謝" * MAX_CHARS) is None


# --- cost: linear, bounded ---------------------------------------------------------------------

ADVERSARIAL = ["!" * 5000, "+1" + "!" * 4998, "~." * 2500, "+" * 5000, "1" * 5000, "A+1" * 1666,
               "我" * 5000, "+1 " * 1666, "已匯款 " + "1," * 2496, "a" * 5000, " " * 4999 + "+1"]


def _slowest(text: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        parse_group(text)
        parse_group(text, mentions_bot=True)
        parse_direct(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("text", ADVERSARIAL, ids=[t[:6] for t in ADVERSARIAL])
def test_a_5000_character_message_costs_next_to_nothing(text):
    # The best of five runs: a loose bound (the quadratic regex took 58 ms for one call).
    assert _slowest(text) < 0.02


@pytest.mark.parametrize("unit", ["!", "+1", "我", "A+1 ", "1,", "~."])
def test_a_message_just_under_the_cap_costs_next_to_nothing(unit):
    text = (unit * MAX_CHARS)[:MAX_CHARS]
    assert _slowest(text) < 0.02


# --- a seeded fuzz loop on top of the hypothesis properties in test_grammar.py ---------------

_SOUP = list("+-＋－*x×.,、;!~。 ABCabc0123456789一兩二十份盒個我要也團媽謝紅色已匯款後五碼元$😀（）") + \
    ["XCSA", "匯款完成", "轉帳", "paid ", "+1", "A+1", "芒果乾"]


def test_a_seeded_fuzz_of_token_soup_never_raises_and_asks_only_with_choices():
    rng = random.Random(14)
    for _ in range(5000):
        text = "".join(rng.choice(_SOUP) for _ in range(rng.randint(0, 14)))
        for intent in (parse_group(text), parse_group(text, mentions_bot=True), parse_direct(text)):
            if isinstance(intent, Order):
                assert intent.lines and all(1 <= line.qty <= 99 for line in intent.lines), text
            if isinstance(intent, Malformed) and intent.reason == AMBIGUOUS_QUANTITY:
                assert len(intent.choices) >= 2, text
            if isinstance(intent, TransferReport):
                assert len(intent.last5) == 5 and intent.amount > 0, text
