"""Receipt data and its layout into printer-neutral operations.

`layout_receipt(data, width_cols)` is pure: plain data in, a list of ops out, no I/O,
no clock. Columns are measured in printer cells: a CJK (East Asian Wide/Fullwidth)
character takes two, ASCII one. East Asian *ambiguous* characters (×, é, Greek, …) are
counted as two as well, because a Big5 printer prints any double-byte character two
cells wide; counting them wide can only leave a little room unused, never overflow.

Every string from the data is cleaned first (`clean_text`): C0/C1 control characters
(ESC, GS, FS, …), format characters (zero-width and bidi controls) and lone surrogates
are removed, tabs and line breaks become spaces. A buyer's name therefore cannot carry
printer commands.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from wcwidth import wcwidth

from devices.i18n import COPY_BANNER, LOCALES, Locale, label, payment_method
from commerce.states import PaymentMethod

PAPER_DOTS: dict[int, int] = {32: 384, 48: 576}
"""Supported widths in columns (58 mm and 80 mm paper) and their width in dots."""

Align = Literal["left", "center", "right"]


# --- ops -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """One printed line. `double` is double width and height: it takes two cells per column."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal rule across the paper."""


@dataclass(frozen=True, slots=True)
class QR:
    """A QR code holding `data`, centred."""

    data: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed and cut the paper (partial cut)."""


@dataclass(frozen=True, slots=True)
class Drawer:
    """Kick the cash drawer."""


Op = Text | Rule | QR | Cut | Drawer


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptLine:
    """An ordered item. Amounts are whole TWD; `line_total` is printed as given."""

    label: str
    name: str
    qty: int
    unit_price: int
    line_total: int
    addon: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """A payment. `tendered` and `change` are set for cash handed over at the counter."""

    method: str
    amount: int
    tendered: int | None = None
    change: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptSection:
    """One order of a multi-order checkout: its number, campaign, lines and their total."""

    order_no: str
    campaign_title: str
    lines: Sequence[ReceiptLine]
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptData:
    """Everything printed on one receipt.

    `balance` is what the buyer still owes (negative: paid too much). `printed_at` must be
    timezone-aware; it is shown in `zone`. Raises ValueError for a naive `printed_at`,
    an unknown `locale` or an unknown `zone`.
    """

    shop_name: str
    order_no: str
    lines: Sequence[ReceiptLine]
    total: int
    printed_at: datetime
    zone: str = "Asia/Taipei"
    shop_address: str = ""
    campaign_title: str = ""
    payments: Sequence[Payment] = field(default_factory=tuple)
    balance: int = 0
    discount: int = 0  # already taken off total: printed above it
    staff_name: str = ""
    pickup_token: str | None = None
    copy: bool = False
    locale: Locale = "zh-TW"
    # A checkout of several orders prints each order's lines under its number (``lines`` unused).
    sections: Sequence[ReceiptSection] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.printed_at.tzinfo is None or self.printed_at.utcoffset() is None:
            raise ValueError("printed_at must be timezone-aware")
        if self.locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}, not {self.locale!r}")
        _zone(self.zone)
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "payments", tuple(self.payments))
        object.__setattr__(self, "sections", tuple(self.sections))


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# --- text measuring --------------------------------------------------------------------

_SPACE_LIKE = frozenset("\t\n\v\f\r\x85\u2028\u2029")


def clean_text(s: str) -> str:
    """`s` made safe to print: NFC, no control/format characters, breaks as spaces."""
    if s.isascii() and s.isprintable():
        return s
    out = []
    for ch in unicodedata.normalize("NFC", s):
        if ch in _SPACE_LIKE:
            out.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs"):
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=4096)
def char_cols(ch: str) -> int:
    """Printer cells taken by one (cleaned) character: 1 or 2."""
    if ch < "\x7f":
        return 1
    if wcwidth(ch) == 2 or unicodedata.east_asian_width(ch) == "A":
        return 2
    # Combining marks and other zero-width characters still take a cell on a
    # code-page printer (they print as "?"), so never count fewer than one.
    return 1


def text_cols(s: str) -> int:
    """Printer cells taken by a (cleaned) string."""
    if s.isascii():
        return len(s)
    return sum(char_cols(ch) for ch in s)


def pad_right(s: str, width: int) -> str:
    return s + " " * (width - text_cols(s))


def pad_left(s: str, width: int) -> str:
    return " " * (width - text_cols(s)) + s


# Runs of spaces, runs of printable ASCII (words, kept whole when they fit), or any
# other single character (CJK text may break between any two characters).
_TOKENS = re.compile(r" +|[!-~]+|.", re.DOTALL)


def wrap(s: str, width: int) -> list[str]:
    """`s` broken into lines of at most `width` cells; always at least one line."""
    if width < 2:
        raise ValueError("width must be at least 2 cells")
    if text_cols(s) <= width:
        return [s]
    lines: list[str] = []
    cur, cur_w = "", 0
    for tok in _TOKENS.findall(s):
        w = text_cols(tok)
        if cur_w + w <= width:
            if cur or not tok.startswith(" "):
                cur, cur_w = cur + tok, cur_w + w
            continue
        if tok.startswith(" "):
            if cur:
                lines.append(cur)
            cur, cur_w = "", 0
            continue
        if cur.strip():
            lines.append(cur.rstrip())
        cur, cur_w = "", 0
        if w <= width:
            cur, cur_w = tok, w
            continue
        for ch in tok:
            cw = char_cols(ch)
            if cur_w + cw > width:
                lines.append(cur)
                cur, cur_w = "", 0
            cur, cur_w = cur + ch, cur_w + cw
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


def format_twd(amount: int) -> str:
    """Whole TWD with thousands separators: 1350 -> "$1,350", -50 -> "-$50"."""
    if amount < 0:
        return f"-${-amount:,}"
    return f"${amount:,}"


# --- layout ----------------------------------------------------------------------------

_MIN_NAME_COLS = 8


def _pair(left: str, right: str, width: int, *, bold: bool = False) -> list[Text]:
    """`left` flush left and `right` flush right on one line, or stacked if too wide."""
    gap = width - text_cols(left) - text_cols(right)
    if gap >= 1:
        return [Text(left + " " * gap + right, bold=bold)]
    ops = [Text(line, bold=bold) for line in wrap(left, width)]
    ops += [Text(pad_left(line, width), bold=bold) for line in wrap(right, width)]
    return ops


def _hanging_wrap(s: str, width: int, indent: int) -> list[str]:
    """Like wrap, with continuation lines indented by `indent` cells when room allows."""
    s = s.strip(" ")
    first, *_ = lines = wrap(s, width)
    if len(lines) == 1 or width - indent < _MIN_NAME_COLS:
        return lines
    rest = s[len(first):].lstrip(" ")
    return [first] + [" " * indent + line for line in wrap(rest, width - indent)]


def _unit_note(unit: str, width: int) -> list[str]:
    for note in (f"  @ {unit}", f"@ {unit}", f"@{unit}"):
        if text_cols(note) <= width:
            return [note]
    return wrap(f"@{unit}", width)


def _kv_block(rows: list[tuple[str, str]], width: int) -> list[Text]:
    """Label/value rows with the values aligned after the widest label."""
    rows = [(k, v) for k, v in rows if v]
    if not rows:
        return []
    key_w = max(text_cols(k) for k, _ in rows) + 1
    if width - key_w < _MIN_NAME_COLS:
        key_w = 0
    ops = []
    for key, value in rows:
        if key_w:
            first, *rest = wrap(value, width - key_w)
            ops.append(Text(pad_right(key, key_w) + first))
            ops += [Text(" " * key_w + line) for line in rest]
        else:
            ops += [Text(line) for line in wrap(f"{key} {value}", width)]
    return ops


def _centered(s: str, width: int, *, bold: bool = False, double: bool = False) -> list[Text]:
    cols = width // 2 if double else width
    return [Text(line, "center", bold, double) for line in wrap(s, cols) if line]


def _item_ops(data: ReceiptData, width: int) -> list[Text]:
    loc = data.locale
    wide = width >= 48
    names, indents = [], []
    for line in data.lines:
        code, name = clean_text(line.label).strip(), clean_text(line.name).strip()
        name = f"{code} {name}" if code else name
        if line.addon:
            name += " " + label(loc, "addon")
        names.append(name)
        indents.append(text_cols(code) + 1 if code else 0)
    qtys = [str(line.qty) for line in data.lines]
    units = [format_twd(line.unit_price) for line in data.lines]
    totals = [format_twd(line.line_total) for line in data.lines]

    h_item, h_qty = label(loc, "col_item"), label(loc, "col_qty")
    h_unit, h_amount = label(loc, "col_unit"), label(loc, "col_amount")
    qty_w = max(text_cols(s) for s in [h_qty, *qtys])
    amt_w = max(text_cols(s) for s in [h_amount, *totals])
    unit_w = max(text_cols(s) for s in [h_unit, *units]) if wide else 0
    name_w = width - (qty_w + 1) - (amt_w + 1) - (unit_w + 1 if wide else 0)

    ops: list[Text] = []
    if name_w < _MIN_NAME_COLS:
        # Amounts too long for columns: each item as its name, then "qty x unit  total".
        for name, qty, unit, total in zip(names, qtys, units, totals, strict=True):
            ops += [Text(line) for line in wrap(name, width)]
            ops += _pair(f"  {qty} x {unit}", total, width)
        return ops

    def row(name: str, qty: str, unit: str, amount: str) -> str:
        cells = [pad_right(name, name_w), pad_left(qty, qty_w)]
        if wide:
            cells.append(pad_left(unit, unit_w))
        cells.append(pad_left(amount, amt_w))
        return " ".join(cells).rstrip()

    ops.append(Text(row(h_item, h_qty, h_unit, h_amount)))
    for line, name, indent, qty, unit, total in zip(
        data.lines, names, indents, qtys, units, totals, strict=True
    ):
        first, *rest = _hanging_wrap(name, name_w, indent)
        if not wide and line.qty != 1:
            rest += _unit_note(unit, name_w)
        ops.append(Text(row(first, qty, unit, total)))
        ops += [Text(part) for part in rest]
    return ops


def _payment_ops(data: ReceiptData, width: int) -> list[Text]:
    loc = data.locale
    ops: list[Text] = []
    for p in data.payments:
        ops += _pair(clean_text(payment_method(loc, p.method)), format_twd(p.amount), width)
        if p.tendered is not None:
            ops += _pair("  " + label(loc, "tendered"), format_twd(p.tendered), width)
        if p.change is not None:
            ops += _pair("  " + label(loc, "change"), format_twd(p.change), width)
    if data.balance > 0:
        ops += _pair(label(loc, "balance_due"), format_twd(data.balance), width, bold=True)
    elif data.balance < 0:
        ops += _pair(label(loc, "overpaid"), format_twd(-data.balance), width, bold=True)
    else:
        ops.append(Text(label(loc, "paid_in_full"), "right", bold=True))
    return ops


def layout_receipt(data: ReceiptData, width_cols: int) -> list[Op]:
    """Lay `data` out for paper `width_cols` columns wide (32 or 48).

    Every Text op fits: its cell width (doubled for `double`) is at most `width_cols`.
    A cash payment adds a Drawer op, except on a reprint (`copy`), where no money moves.
    Raises ValueError for an unsupported width.
    """
    if width_cols not in PAPER_DOTS:
        raise ValueError(f"width_cols must be one of {sorted(PAPER_DOTS)}, not {width_cols}")
    width, loc = width_cols, data.locale
    ops: list[Op] = []

    ops += _centered(clean_text(data.shop_name), width, bold=True, double=True)
    ops += _centered(clean_text(data.shop_address), width)
    if data.copy:
        ops.append(Rule())
        ops += _centered(COPY_BANNER, width, bold=True, double=True)
    ops.append(Rule())

    local = data.printed_at.astimezone(_zone(data.zone))
    ops += _kv_block(
        [
            (label(loc, "order_no"), clean_text(data.order_no)),
            (label(loc, "campaign"), clean_text(data.campaign_title)),
            (label(loc, "printed_at"), local.strftime("%Y-%m-%d %H:%M")),
            (label(loc, "staff"), clean_text(data.staff_name)),
        ],
        width,
    )
    ops.append(Rule())

    if data.sections:
        for section in data.sections:
            head = f"#{clean_text(section.order_no)} {clean_text(section.campaign_title)}".strip()
            ops += [Text(line, bold=True) for line in wrap(head, width)]
            ops += _item_ops(replace(data, lines=tuple(section.lines)), width)
            ops += _pair(label(loc, "subtotal"), format_twd(section.total), width)
            ops.append(Rule())
    else:
        ops += _item_ops(data, width)
        ops.append(Rule())

    if data.discount:
        ops += _pair(label(loc, "discount"), format_twd(-data.discount), width)
    total_label, total = label(loc, "total"), format_twd(data.total)
    if text_cols(total_label) + 1 + text_cols(total) <= width // 2:
        halves = _pair(total_label, total, width // 2)
        ops += [Text(op.text, bold=True, double=True) for op in halves]
    else:
        ops += _pair(total_label, total, width, bold=True)
    ops += _payment_ops(data, width)
    ops.append(Rule())

    if data.pickup_token:
        ops.append(QR(data.pickup_token))
        ops += _centered(label(loc, "pickup_hint"), width)
    ops += _centered(label(loc, "thanks"), width)
    ops.append(Cut())
    if not data.copy and any(p.method == PaymentMethod.CASH for p in data.payments):
        ops.append(Drawer())
    return ops


def op_cols(op: Text) -> int:
    """Cells a Text op takes on paper (double-size text takes two per column)."""
    return text_cols(op.text) * (2 if op.double else 1)
