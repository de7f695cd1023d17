"""ESC/POS bytes for laid-out receipts: Big5 framing, QR, cut, drawer, raster."""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices import escpos_render
from devices.escpos_render import (
    CJKFontNotFound,
    draw_receipt,
    render,
    render_raster_png,
)
from devices.receipt import (
    Payment,
    ReceiptLine,
    Text,
    clean_text,
    layout_receipt,
)
from tests.receipts import a_receipt, framed_lines, needs_cjk_font

ROOT = Path(__file__).resolve().parent.parent

INIT = b"\x1b@"
PARTIAL_CUT = b"\x1dV\x01"
FEED_AND_PARTIAL_CUT = b"\x1bd\x06" + PARTIAL_CUT
DRAWER_PIN_2 = b"\x1bp\x00\x32\x32"


def raster_headers(job: bytes) -> list[tuple[int, int]]:
    """(width in bytes, rows) of each GS v 0 image in the job."""
    return [
        (int.from_bytes(m[0:2], "little"), int.from_bytes(m[2:4], "little"))
        for m in re.findall(rb"\x1dv0\x00(.{4})", job, re.DOTALL)
    ]


def test_a_big5_receipt_frames_each_line_and_carries_items_and_total():
    job = render(layout_receipt(a_receipt(), 32), "big5", width_cols=32)

    lines = framed_lines(job, "cp950")

    assert job.startswith(INIT)
    assert lines[0] == "小花團購"
    assert "A1 蛋黃酥                 2 $700" in lines
    assert "B2 鳳梨酥                 1 $480" in lines
    assert "C3 保冷袋 (加購)          1 $170" in lines
    assert "合計      $1,350" in lines
    assert "轉帳                      $1,350" in lines
    assert "已付清" in lines


def test_big5_is_the_default_encoding():
    ops = layout_receipt(a_receipt(), 32)

    assert render(ops, width_cols=32) == render(ops, "big5", width_cols=32)


def test_a_reprint_prints_the_copy_banner():
    job = render(layout_receipt(a_receipt(copy=True), 48), width_cols=48)

    assert "重印 / COPY" in framed_lines(job, "cp950")
    assert "重印 / COPY".encode("cp950") == b"\xad\xab\xa6L / COPY"


def test_the_pickup_token_is_printed_as_a_native_qr_code():
    job = render(layout_receipt(a_receipt(), 32), width_cols=32)

    token = b"tok_pickup_123"
    store = b"\x1d(k" + (len(token) + 3).to_bytes(2, "little") + b"1P0" + token
    assert store in job
    assert b"\x1d(k\x03\x001Q0" in job  # print the stored symbol
    assert b"\x1dv0" not in job


def test_the_qr_image_fallback_prints_a_bit_image_instead():
    job = render(layout_receipt(a_receipt(), 32), width_cols=32, qr="image")

    assert b"\x1d(k" not in job
    [(width_bytes, rows)] = raster_headers(job)
    assert width_bytes == 48
    assert rows == (21 + 2 * 4) * 6  # version 1 symbol plus quiet zone, 6 dots a module


def test_the_job_ends_with_a_partial_cut():
    job = render(layout_receipt(a_receipt(), 32), width_cols=32)

    assert job.endswith(FEED_AND_PARTIAL_CUT)
    assert DRAWER_PIN_2 not in job


def test_a_cash_payment_kicks_the_drawer_after_the_cut():
    data = a_receipt(payments=[Payment(method="cash", amount=1350, tendered=2000, change=650)])

    job = render(layout_receipt(data, 32), width_cols=32)

    assert job.endswith(FEED_AND_PARTIAL_CUT + DRAWER_PIN_2)


def test_a_gb18030_receipt_uses_the_same_framing_with_gb18030_bytes():
    job = render(layout_receipt(a_receipt(), 32), "gb18030", width_cols=32)

    lines = framed_lines(job, "gb18030")

    assert "A1 蛋黃酥                 2 $700" in lines
    assert "合計      $1,350" in lines
    assert "蛋黃酥".encode("gb18030") in job
    assert "蛋黃酥".encode("cp950") not in job


def test_a_utf8_receipt_sends_raw_utf8_without_kanji_framing():
    job = render(layout_receipt(a_receipt(), 48), "utf-8", width_cols=48)

    assert b"\x1c&" not in job
    assert "A1 蛋黃酥                            2 $350 $700\n".encode() in job
    assert "合計              $1,350\n".encode() in job


def test_a_character_big5_lacks_prints_as_a_question_mark():
    data = a_receipt(
        lines=[ReceiptLine(label="A1", name="𠀀餅🍰", qty=1, unit_price=50, line_total=50)]
    )

    job = render(layout_receipt(data, 32), "big5", width_cols=32)

    assert any(line.startswith("A1 ?餅? ") for line in framed_lines(job, "cp950"))


def test_control_bytes_in_a_buyer_name_never_reach_the_printer():
    data = a_receipt(staff_name="小明\x1b@\x1dV\x00\x1bp\x00", order_no="A-1\x1c.")

    job = render(layout_receipt(data, 32), width_cols=32)
    payloads = re.findall(rb"\x1c&(.*?)\x1c\.", job, re.DOTALL)

    assert "經手人   小明@Vp" in framed_lines(job, "cp950")
    assert "訂單編號 A-1." in framed_lines(job, "cp950")
    assert all(b >= 0x20 for payload in payloads for b in payload)
    assert job.count(INIT) == 1
    assert DRAWER_PIN_2 not in job


def test_ops_built_elsewhere_are_stripped_of_control_bytes_too():
    job = render([Text("A\x1bB\x1dC")], "utf-8", width_cols=32)

    assert job.endswith(b"\x1ba\x00ABC\n")  # left-aligned, then the bare text
    assert b"\x1bB" not in job
    assert b"\x1dC" not in job


@needs_cjk_font
@pytest.mark.parametrize(("width_cols", "width_bytes"), [(32, 48), (48, 72)])
def test_a_raster_receipt_is_printed_as_gs_v_0_images_the_width_of_the_paper(
    width_cols, width_bytes
):
    data = a_receipt(payments=[Payment(method="cash", amount=1350)])
    ops = layout_receipt(data, width_cols)

    job = render(ops, "raster", width_cols=width_cols)

    headers = raster_headers(job)
    image = draw_receipt(ops, width_cols)
    assert {width for width, _ in headers} == {width_bytes}
    assert sum(rows for _, rows in headers) == image.size[1]
    assert b"\x1c&" not in job
    assert b"\x1d(k" not in job
    assert job.endswith(FEED_AND_PARTIAL_CUT + DRAWER_PIN_2)


@needs_cjk_font
def test_raster_draws_different_chinese_characters_differently():
    zhong = draw_receipt([Text("中")], 32)
    guo = draw_receipt([Text("國")], 32)

    assert zhong.size == guo.size
    assert zhong.tobytes() != guo.tobytes()  # a missing glyph would draw the same box twice


@needs_cjk_font
def test_the_raster_preview_is_a_png_of_the_paper_width_and_is_saved_for_the_readme():
    data = a_receipt(
        copy=True,
        lines=[
            ReceiptLine(label="A1", name="蛋黃酥禮盒（六入）", qty=2, unit_price=350, line_total=700),
            ReceiptLine(
                label="B2",
                name="鳳梨酥 Pineapple cake 家庭分享包",
                qty=1,
                unit_price=480,
                line_total=480,
            ),
            ReceiptLine(
                label="C3", name="保冷袋", qty=1, unit_price=170, line_total=170, addon=True
            ),
        ],
        payments=[
            Payment(method="cash", amount=1000, tendered=1000, change=0),
            Payment(method="linepay", amount=200),
        ],
        balance=150,
    )

    png = render_raster_png(layout_receipt(data, 32), 32)

    image = Image.open(io.BytesIO(png))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.size[0] == 384
    for path in (ROOT / "tests/output/receipt_raster.png",):  # docs/ holds a copy made by hand for README
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)


def test_without_a_cjk_font_raster_raises_a_clear_error(tmp_path):
    not_a_font = tmp_path / "broken-cjk-font.ttc"
    not_a_font.write_bytes(b"not a font")

    with pytest.raises(CJKFontNotFound, match="fonts-noto-cjk"):
        escpos_render.pick_cjk_font([str(tmp_path / "missing.ttc"), str(not_a_font)])


def test_an_unknown_encoding_or_width_is_refused():
    ops = layout_receipt(a_receipt(), 32)

    with pytest.raises(ValueError, match="encoding"):
        render(ops, "latin-1", width_cols=32)
    with pytest.raises(ValueError, match="width_cols"):
        render(ops, width_cols=40)


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(
        st.one_of(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
            st.characters(min_codepoint=0, max_codepoint=0x7F),
            st.characters(codec="utf-8"),
        ),
        max_size=40,
    ),
    encoding=st.sampled_from(["big5", "gb18030", "utf-8"]),
)
def test_any_buyer_name_renders_without_error_or_control_bytes(name, encoding):
    def job_for(buyer: str) -> bytes:
        data = a_receipt(
            staff_name=buyer,
            lines=[ReceiptLine(label="A1", name=buyer, qty=1, unit_price=1, line_total=1)],
        )
        return render(layout_receipt(data, 32), encoding, width_cols=32)

    job = job_for(name)

    cleaned = clean_text(name)
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert job == job_for(cleaned)
    payloads = re.findall(rb"\x1c&(.*?)\x1c\.", job, re.DOTALL)
    assert all(b >= 0x20 for payload in payloads for b in payload)
