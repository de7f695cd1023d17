"""The pure receipt layout: columns, wrapping, money, locale, safety of buyer text."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcwidth

from devices.receipt import (
    QR,
    Cut,
    Drawer,
    Payment,
    ReceiptData,
    ReceiptLine,
    Rule,
    Text,
    clean_text,
    format_twd,
    layout_receipt,
    text_cols,
    wrap,
)
from tests.receipts import PRINTED_AT
from tests.receipts import a_receipt as receipt_base


def a_receipt(**changes) -> ReceiptData:
    """The shared receipt with a long mixed-width name and a cash payment with change."""
    lines = list(receipt_base().lines)
    lines[1] = replace(lines[1], name="鳳梨酥 Pineapple cake 家庭分享包")
    fields = dict(lines=lines, payments=[Payment(method="cash", amount=1350, tendered=1500, change=150)],
                  balance=0, pickup_token="tok123")
    return receipt_base(**(fields | changes))


def texts(ops) -> list[str]:
    return [op.text for op in ops if isinstance(op, Text)]


def display_cols(op: Text) -> int:
    widths = [wcwidth(ch) for ch in op.text]
    assert all(w >= 0 for w in widths), f"non-printable character in {op.text!r}"
    return sum(widths) * (2 if op.double else 1)


def test_money_is_whole_twd_with_thousands_separators():
    assert format_twd(1350) == "$1,350"
    assert format_twd(0) == "$0"
    assert format_twd(1234567) == "$1,234,567"
    assert format_twd(-50) == "-$50"


def test_a_cjk_character_takes_two_columns_and_ascii_one():
    assert text_cols("蛋黃酥") == 6
    assert text_cols("A1 蛋黃酥") == 9
    assert text_cols("（六入）") == 8


def test_a_58mm_receipt_is_laid_out_in_32_columns():
    ops = layout_receipt(a_receipt(), 32)

    assert ops == [
        Text("小花團購", "center", bold=True, double=True),
        Text("台北市大安區和平東路一段 1 號", "center"),
        Rule(),
        Text("訂單編號 A-0042"),
        Text("活動     中秋月餅團購"),
        Text("列印時間 2024-09-10 14:05"),
        Text("經手人   小明"),
        Rule(),
        Text("品名                   數量 小計"),
        Text("A1 蛋黃酥                 2 $700"),
        Text("  @ $350"),
        Text("B2 鳳梨酥 Pineapple       1 $480"),
        Text("   cake 家庭分享包"),
        Text("C3 保冷袋 (加購)          1 $170"),
        Rule(),
        Text("合計      $1,350", bold=True, double=True),
        Text("現金                      $1,350"),
        Text("  實收                    $1,500"),
        Text("  找零                      $150"),
        Text("已付清", "right", bold=True),
        Rule(),
        QR("tok123"),
        Text("取貨時請出示此 QR 碼", "center"),
        Text("謝謝惠顧", "center"),
        Cut(),
        Drawer(),
    ]


def test_an_80mm_receipt_shows_unit_prices_in_their_own_column():
    lines = texts(layout_receipt(a_receipt(), 48))

    assert lines[6:11] == [
        "品名                              數量 單價 小計",
        "A1 蛋黃酥                            2 $350 $700",
        "B2 鳳梨酥 Pineapple cake 家庭分享    1 $480 $480",
        "   包",
        "C3 保冷袋 (加購)                     1 $170 $170",
    ]


def test_a_long_item_name_wraps_and_its_amount_stays_right_aligned():
    long_name = "特級手工蛋黃酥禮盒十二入裝附提袋與賀卡"
    data = a_receipt(
        lines=[ReceiptLine(label="A1", name=long_name, qty=3, unit_price=1200, line_total=3600)]
    )

    lines = texts(layout_receipt(data, 32))

    assert lines[6:11] == [
        "品名                 數量   小計",
        "A1 特級手工蛋黃酥禮     3 $3,600",
        "   盒十二入裝附提袋",
        "   與賀卡",
        "  @ $1,200",
    ]


def test_huge_amounts_stack_under_the_name_instead_of_overflowing():
    data = a_receipt(
        lines=[
            ReceiptLine(
                label="A1", name="金條", qty=100_000, unit_price=10_000_000, line_total=10**12
            )
        ],
        total=10**12,
    )

    lines = texts(layout_receipt(data, 32))

    assert lines[6:8] == ["A1 金條", "  100000 x $10,000,000"]
    assert lines[8] == "              $1,000,000,000,000"
    assert lines[9] == "合計          $1,000,000,000,000"


def test_a_reprint_shows_the_copy_banner_and_does_not_open_the_drawer():
    ops = layout_receipt(a_receipt(copy=True), 32)

    assert ops[2:5] == [Rule(), Text("重印 / COPY", "center", bold=True, double=True), Rule()]
    assert Drawer() not in ops


def test_a_cash_payment_opens_the_drawer_after_the_cut():
    ops = layout_receipt(a_receipt(), 48)

    assert ops[-2:] == [Cut(), Drawer()]


def test_a_receipt_paid_by_transfer_does_not_open_the_drawer():
    data = a_receipt(payments=[Payment(method="transfer", amount=1000)], balance=350)

    ops = layout_receipt(data, 32)

    assert ops[-1] == Cut()
    assert Drawer() not in ops
    assert Text("轉帳                      $1,000") in ops
    assert Text("待付                        $350", bold=True) in ops


def test_control_characters_in_buyer_text_are_removed():
    data = a_receipt(
        staff_name="小明\x1b@\x1dV\x00",
        lines=[
            ReceiptLine(
                label="A1", name="蛋黃\x1c&酥\x1b\x70\x00", qty=1, unit_price=1, line_total=1
            )
        ],
        campaign_title="中秋\u202e團購\u200b\r\n第二波",
    )

    lines = texts(layout_receipt(data, 32))

    assert lines[3] == "活動     中秋團購  第二波"
    assert lines[5] == "經手人   小明@V"
    assert lines[7] == "A1 蛋黃&酥p" + " " * 15 + "1   $1"
    assert not any(ch < " " or "\x7f" <= ch < "\xa0" for line in lines for ch in line)


def test_clean_text_keeps_ordinary_text_and_turns_breaks_into_spaces():
    assert clean_text("A1 蛋黃酥 x2") == "A1 蛋黃酥 x2"
    assert clean_text("line\tone\nline two") == "line one line two"
    assert clean_text("e\u0301") == "é"


def test_wrapping_breaks_english_between_words_and_chinese_anywhere():
    assert wrap("Pineapple cake family pack", 12) == ["Pineapple", "cake family", "pack"]
    assert wrap("鳳梨酥家庭分享包", 6) == ["鳳梨酥", "家庭分", "享包"]
    assert wrap("", 6) == [""]


def test_printed_time_is_shown_in_the_shop_zone():
    in_tokyo = layout_receipt(a_receipt(zone="Asia/Tokyo"), 32)
    taipei_evening = PRINTED_AT.astimezone(timezone(timedelta(hours=-5)))

    assert Text("列印時間 2024-09-10 15:05") in in_tokyo
    assert Text("列印時間 2024-09-10 14:05") in layout_receipt(
        a_receipt(printed_at=taipei_evening), 32
    )


def test_a_naive_printed_at_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        a_receipt(printed_at=datetime(2024, 9, 10, 14, 5))


def test_an_unknown_zone_or_locale_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        a_receipt(zone="Mars/Olympus")
    with pytest.raises(ValueError, match="locale"):
        a_receipt(locale="fr")


def test_an_unsupported_paper_width_is_refused():
    with pytest.raises(ValueError, match="width_cols"):
        layout_receipt(a_receipt(), 40)


def test_an_english_receipt_uses_english_labels():
    lines = texts(layout_receipt(a_receipt(locale="en"), 48))

    assert lines[2:4] == ["Order    A-0042", "Campaign 中秋月餅團購"]
    assert "Item                             Qty Unit Amount" in lines
    assert "C3 保冷袋 (add-on)                 1 $170   $170" in lines
    assert "Total             $1,350" in lines
    assert "Paid in full" in lines


def test_a_receipt_without_a_pickup_token_has_no_qr():
    ops = layout_receipt(a_receipt(pickup_token=None), 32)

    assert not any(isinstance(op, QR) for op in ops)
    assert Text("取貨時請出示此 QR 碼", "center") not in ops


cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ascii_printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
awkward = st.sampled_from(
    ["\x1b", "\x1d", "\x1c", "\x00", "\n", "\t", "（", "×", "é", "\u0301", "🍰", "𠀀", "\u200b"]
)
names = st.text(st.one_of(cjk, ascii_printable, awkward), max_size=60)
item_lines = st.builds(
    ReceiptLine,
    label=st.text(st.one_of(ascii_printable, cjk), max_size=4),
    name=names,
    qty=st.integers(1, 10_000),
    unit_price=st.integers(0, 1_000_000),
    line_total=st.integers(0, 10**13),
    addon=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(item_lines, min_size=1, max_size=6),
    shop=names,
    staff=names,
    campaign=names,
    total=st.integers(0, 10**10),
    locale=st.sampled_from(["zh-TW", "en"]),
)
def test_no_laid_out_line_is_wider_than_the_paper(lines, shop, staff, campaign, total, locale):
    data = a_receipt(
        lines=lines,
        shop_name=shop,
        staff_name=staff,
        campaign_title=campaign,
        total=total,
        locale=locale,
        copy=True,
    )

    for width in (32, 48):
        for op in layout_receipt(data, width):
            if isinstance(op, Text):
                assert display_cols(op) <= width, (width, op)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.one_of(cjk, ascii_printable), max_size=80), width=st.integers(2, 48))
def test_wrapping_keeps_every_character_and_fits_the_width(text, width):
    lines = wrap(text, width)

    assert all(text_cols(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
