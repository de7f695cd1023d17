"""Reading receipts back: what a printer would print from ESC/POS bytes, and a receipt to lay out."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from devices.receipt import Payment, ReceiptData, ReceiptLine

_FRAMED = re.compile(rb"\x1c&(.*?)\x1c\.", re.DOTALL)  # FS & … FS . : one run of double-byte text

PRINTED_AT = datetime(2024, 9, 10, 6, 5, tzinfo=timezone.utc)  # 14:05 in Taipei


def framed_lines(job: bytes, codec: str = "cp950") -> list[str]:
    """Each run of text between FS & and FS ., decoded as the printer would (`cp950` is Big5)."""
    return [m.decode(codec) for m in _FRAMED.findall(job)]


def printed_lines(job: bytes) -> list[str]:
    """Each Big5 run of a job, decoded, with runs of spaces made one."""
    return [" ".join(line.split()) for line in framed_lines(job)]


def big5_text(job: bytes) -> str:
    """All the Chinese text a Big5 printer prints, one run a line."""
    return "\n".join(framed_lines(job))


def a_receipt(**changes) -> ReceiptData:
    """A three-line receipt (one line an add-on) of 1,350, paid by transfer."""
    data = ReceiptData(
        shop_name="小花團購",
        shop_address="台北市大安區和平東路一段 1 號",
        order_no="A-0042",
        campaign_title="中秋月餅團購",
        lines=[
            ReceiptLine(label="A1", name="蛋黃酥", qty=2, unit_price=350, line_total=700),
            ReceiptLine(label="B2", name="鳳梨酥", qty=1, unit_price=480, line_total=480),
            ReceiptLine(label="C3", name="保冷袋", qty=1, unit_price=170, line_total=170, addon=True),
        ],
        total=1350,
        printed_at=PRINTED_AT,
        payments=[Payment(method="transfer", amount=1350)],
        staff_name="小明",
        pickup_token="tok_pickup_123",
    )
    return replace(data, **changes)


def _has_cjk_font() -> bool:
    from devices.escpos_render import CJKFontNotFound, find_cjk_font

    try:
        find_cjk_font()
    except CJKFontNotFound:
        return False
    return True


needs_cjk_font = pytest.mark.skipif(not _has_cjk_font(), reason="raster receipts need a CJK font: apt-get install fonts-noto-cjk")
