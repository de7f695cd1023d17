"""A printer test page, the same for every shop: it shows at a glance whether the
printer's encoding, paper width, QR support and cutter are set up right.

It carries Traditional Chinese that both Big5 and GB18030 hold (including 許功蓋,
whose Big5 trail byte is a backslash: they print wrong when a printer is not in
double-byte mode), every printable ASCII character, a ruler exactly as wide as the
paper in single cells and in double cells, a QR code and a cut.
"""

from __future__ import annotations

from string import ascii_lowercase, ascii_uppercase, digits, punctuation

from devices.escpos_render import Encoding
from devices.i18n import LOCALES, Locale
from devices.receipt import PAPER_DOTS, QR, Cut, Op, Rule, Text

TEST_QR_DATA = "PLUSONE-PRINTER-TEST"

PAPER_MM = {32: 58, 48: 80}

_TITLES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "title": "印表機測試",
        "chinese": "繁體中文",
        "ascii": "英數字",
        "ruler": "每行寬度",
        "qr": "下方應有 QR 碼",
        "end": "測試結束，應自動切紙",
    },
    "en": {
        "title": "Printer test",
        "chinese": "Traditional Chinese",
        "ascii": "ASCII",
        "ruler": "Line width",
        "qr": "A QR code below",
        "end": "End of test: paper is cut",
    },
}

# Every character here is in cp950 (Big5) and in GB18030.
_CHINESE_SAMPLES = (
    "許功蓋 軟體 餐點 珍珠奶茶",
    "臺北市大安區 取貨收據",
    "合計 $1,350 元 找零 $150",
)
_CJK_RULER = "一二三四五六七八九十"


def _ascii_lines(width: int) -> list[str]:
    sample = " ".join([ascii_uppercase, ascii_lowercase, digits, punctuation])
    lines, cur = [], ""
    for word in sample.split(" "):
        while len(word) > width:
            if cur:
                lines.append(cur)
                cur = ""
            lines.append(word[:width])
            word = word[width:]
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = ""
        cur = f"{cur} {word}" if cur else word
    return lines + [cur] if cur else lines


def test_page_ops(width_cols: int, locale: Locale) -> list[Op]:
    """The test page laid out for paper `width_cols` columns wide (32 or 48).

    Raises ValueError for an unsupported width or an unknown locale.
    """
    if width_cols not in PAPER_DOTS:
        raise ValueError(f"width_cols must be one of {sorted(PAPER_DOTS)}, not {width_cols}")
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {LOCALES}, not {locale!r}")
    t = _TITLES[locale]
    ruler = "".join(str(i % 10) for i in range(1, width_cols + 1))
    cjk_ruler = (_CJK_RULER * width_cols)[: width_cols // 2]

    ops: list[Op] = [Text(t["title"], "center", bold=True, double=True), Rule()]
    ops.append(Text(f"{t['chinese']}:", bold=True))
    ops += [Text(line) for line in _CHINESE_SAMPLES]
    ops.append(Text(f"{t['ascii']}:", bold=True))
    ops += [Text(line) for line in _ascii_lines(width_cols)]
    ops.append(Text(f"{t['ruler']}: {width_cols}", bold=True))
    ops += [Text(ruler), Text(cjk_ruler), Rule()]
    ops += [Text(t["qr"], "center"), QR(TEST_QR_DATA), Text(t["end"], "center"), Cut()]
    return ops


# Its name starts with "test_": keep pytest from collecting it where it is imported.
test_page_ops.__test__ = False  # type: ignore[attr-defined]

_ENCODING_NAMES = {
    "big5": "Big5 (cp950) text",
    "gb18030": "GB18030 text",
    "utf-8": "UTF-8 text",
    "raster": "raster image (no printer code page needed)",
}


def describe_test_page(data: bytes, *, printer: str, encoding: Encoding, width_cols: int) -> str:
    """One line saying what was sent, for the `plusone printer test` command.

    `data` is the rendered page, `printer` the printer's spec or name.
    """
    paper = f"{width_cols} columns ({PAPER_MM.get(width_cols, '?')} mm paper)"
    kind = _ENCODING_NAMES.get(encoding, encoding)
    return f"Sent a test page to {printer}: {len(data):,} bytes, {kind}, {paper}, QR code and cut."
