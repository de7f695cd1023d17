"""The buyers' chat grammar (DESIGN.md, "Chat grammar"): text in, an intent out.

Pure functions: no I/O, no database, no LINE SDK. Nothing here raises on any input text.

- `parse_group(text, mentions_bot=...)` reads a group message: an `Order`, a `Cancel`, a
  `TransferReport`, a `Malformed` order the bot should answer helpfully, a `Mention` (or a
  request such as `Help`) when the bot is mentioned, and `None` for ordinary chat, which the
  bot must never answer.
- `parse_direct(text)` reads a 1:1 message: `Bind`, `MyOrders`, `PickupCode`, `Help`,
  `TransferReport`, or `None`. Orders are not taken in a 1:1 chat.
- `resolve_items(order, items)` maps each order line to one of the campaign's labels.
- `format_order` / `format_transfer` write intents back as text that parses to the same value.

Text is normalised first: NFKC (full-width `＋１`, `Ａ`, `－` become ASCII), a few dashes and
zero-width characters folded, runs of white space collapsed to one space.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple, Sequence

__all__ = [
    "Bind", "Cancel", "Help", "Intent", "ItemRef", "Malformed", "Mention", "MyOrders",
    "Order", "OrderLine", "PickupCode", "Problem", "Resolution", "ResolvedLine",
    "TransferReport", "UnknownLabel", "WhichItem", "format_order", "format_transfer",
    "is_plain_word", "normalize", "parse_direct", "parse_group", "resolve_items",
    "MISSING_QUANTITY", "QUANTITY_OUT_OF_RANGE", "QUANTITY_NOT_WHOLE", "ONE_CHANGE_PER_MESSAGE",
    "TRANSFER_INCOMPLETE", "LAST5_NOT_FIVE_DIGITS", "AMOUNT_NOT_POSITIVE", "PHONE_MISSING",
]

MIN_QTY, MAX_QTY = 1, 99

# Stable reason codes carried by `Malformed`; the bot turns them into a reply in its locale.
MISSING_QUANTITY = "missing_quantity"            # `A+`, `+`
QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"  # `+0`, `+100`, `-0`
QUANTITY_NOT_WHOLE = "quantity_not_whole"        # `+1.5`
ONE_CHANGE_PER_MESSAGE = "one_change_per_message"  # `A-1 B-1`, `A+1 B-1`
TRANSFER_INCOMPLETE = "transfer_incomplete"      # `已匯款`, `已匯款 $350`
LAST5_NOT_FIVE_DIGITS = "last5_not_five_digits"  # `已匯款 1234 350`
AMOUNT_NOT_POSITIVE = "amount_not_positive"      # `已匯款 12345 0`
PHONE_MISSING = "phone_missing"                  # `綁定`


# --- intents -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OrderLine:
    label: str | None  # upper-case; None = "the item", to be resolved against the campaign
    qty: int
    words: tuple[str, ...] = ()  # words after the quantity: pick the item, or a variant note


@dataclass(frozen=True, slots=True)
class Order:
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True)
class Cancel:
    """`qty` None = the whole label; `label` and `qty` both None = the whole order."""

    label: str | None
    qty: int | None


@dataclass(frozen=True, slots=True)
class TransferReport:
    last5: str  # exactly five ASCII digits
    amount: int  # positive, in the currency's unit


@dataclass(frozen=True, slots=True)
class Bind:
    phone: str  # the (normalised) text after the keyword; phone rules live elsewhere


@dataclass(frozen=True, slots=True)
class MyOrders:
    pass


@dataclass(frozen=True, slots=True)
class PickupCode:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Mention:
    """The message mentions the bot but is not a command."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """The text clearly tries to order, cancel, report or bind, but cannot be read."""

    reason: str  # one of the reason codes above


Intent = (Order | Cancel | TransferReport | Bind | MyOrders | PickupCode | Help | Mention
          | Malformed)


# --- normalisation ---------------------------------------------------------------------------

# NFKC leaves these alone, yet phones and IMEs type them for "-".
_FOLD = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                       "\u2212": "-", "\u200b": None, "\u200c": None, "\u200d": None,
                       "\u2060": None, "\ufeff": None})
_SPACES = re.compile(r"\s+")
# Trailing "+1!", "+1～", "+1。" mean "+1".
_DECORATION = re.compile(r"[!~。.]+$")


def normalize(text: str) -> str:
    """NFKC, fold dashes and zero-width characters, collapse white space, strip."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _SPACES.sub(" ", text).strip()


def _undecorate(text: str) -> str:
    return _DECORATION.sub("", text).rstrip()


# --- group messages --------------------------------------------------------------------------

_SEP = " ,、;"
_SPLIT = re.compile(r"[ ,、;]+")
_GLUE_SIGN = re.compile(r"([+-]) +(?=[0-9])")  # "A + 1" -> "A +1"
_GLUE_LABEL = re.compile(r"(?<![^ ,、;])([A-Za-z]) +(?=[+-])")  # "A +1" -> "A+1"
_TOKEN = re.compile(r"([A-Za-z]?)([+-])([0-9]+)")
_FRACTION = re.compile(r"[A-Za-z]?([+-])(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_BARE_PLUS = re.compile(r"[A-Za-z]?\+")
_PHONE = re.compile(r"\+[0-9][0-9 -]*")

_CANCEL_ALL = re.compile(r"(?:取消(?:訂單|全部)?|全部取消|cancel(?: order| all)?)", re.I)
_CANCEL_LABEL = re.compile(r"(?:取消 ?|cancel )([A-Za-z])", re.I)

_HELP = {"說明", "使用說明", "幫助", "help"}
_MY_ORDERS = {"我的訂單", "查訂單", "查詢訂單", "my orders", "my order"}
_PICKUP_CODE = {"取貨碼", "取貨qr", "取貨 qr", "pickup code", "pickup qr"}
_MENTION_TOKEN = re.compile(r"@\S+")


def parse_group(text: str, *, mentions_bot: bool = False) -> Intent | None:
    """Read a group message; None means ordinary chat, which must get no answer.

    An order is only order tokens (`+1`, `A+2`, `b + 1`, separated by spaces, `,` or `、`),
    each optionally followed by words (`+1 紅色 M`). Anything before the first token makes
    the message chat (`我+1天就到`). When the bot is mentioned, the caller should cut the
    mention's own text (LINE gives its index and length); left-over `@name` words are ignored
    and a message that is no command is a `Mention`.
    """
    text = normalize(text)
    intent = _parse_group_text(text)
    if intent is not None or not mentions_bot:
        return intent
    text = normalize(_MENTION_TOKEN.sub(" ", text))
    return _parse_group_text(text) or _parse_request(text) or Mention()


def _parse_group_text(text: str) -> Intent | None:
    text = _undecorate(text)
    if not text:
        return None
    if _CANCEL_ALL.fullmatch(text):
        return Cancel(None, None)
    if m := _CANCEL_LABEL.fullmatch(text):
        return Cancel(m[1].upper(), None)
    transfer = _parse_transfer(text)
    if transfer is not None:
        return transfer
    return _parse_tokens(text)


def _parse_request(text: str) -> Help | MyOrders | PickupCode | None:
    key = _undecorate(text).casefold()
    if key in _HELP:
        return Help()
    if key in _MY_ORDERS:
        return MyOrders()
    if key in _PICKUP_CODE:
        return PickupCode()
    return None


class _Token(NamedTuple):
    sign: str  # "+" or "-"
    label: str | None
    qty: int | None  # None when the token is broken
    problem: str | None


def _classify(chunk: str) -> _Token | None:
    """An order-like token, or None for a plain word."""
    if m := _TOKEN.fullmatch(chunk):
        label = m[1].upper() or None
        digits = m[3]
        if len(digits) > 3:  # "+1000", "+886912345678": numbers nobody means as a quantity
            return None
        qty = int(digits)
        if not MIN_QTY <= qty <= MAX_QTY:
            return _Token(m[2], label, None, QUANTITY_OUT_OF_RANGE)
        return _Token(m[2], label, qty, None)
    if m := _FRACTION.fullmatch(chunk):
        return _Token(m[1], None, None, QUANTITY_NOT_WHOLE)
    if _BARE_PLUS.fullmatch(chunk):
        return _Token("+", None, None, MISSING_QUANTITY)
    return None


def _parse_tokens(text: str) -> Intent | None:
    glued = _GLUE_LABEL.sub(r"\1", _GLUE_SIGN.sub(r"\1", text))
    chunks = [c for c in _SPLIT.split(glued) if c]
    if not chunks:
        return None
    tokens = [_classify(c) for c in chunks]
    if tokens[0] is None:
        return None  # words before any token: chat ("我+1天就到", "1+1=2", a URL)
    has_words = any(t is None for t in tokens)

    if any(t is not None and t.sign == "-" for t in tokens):
        # "-1 我不同意" and "-5 度" are chat; a cancel is one token alone.
        if len(tokens) == 1:
            t = tokens[0]
            return Malformed(t.problem) if t.problem else Cancel(t.label, t.qty)
        return None if has_words else Malformed(ONE_CHANGE_PER_MESSAGE)

    problems = [t.problem for t in tokens if t is not None and t.problem]
    if QUANTITY_OUT_OF_RANGE in problems and _PHONE.fullmatch(text) \
            and sum(ch.isdigit() for ch in text) >= 7:
        return None  # "+886 912 345 678"
    hard = [p for p in problems if p != MISSING_QUANTITY]
    if hard:
        return Malformed(hard[0])
    if problems:
        has_good = any(t is not None and t.qty is not None for t in tokens)
        # "A+" alone is a broken order; "A+ 好評" is chat about a grade.
        return Malformed(MISSING_QUANTITY) if has_good or not has_words else None

    lines: list[tuple[str | None, int, list[str]]] = []
    for chunk, token in zip(chunks, tokens):
        if token is None:
            lines[-1][2].append(chunk)  # a word after the token: the first chunk is a token
        elif token.qty is not None:  # always, once no problem is left
            lines.append((token.label, token.qty, []))
    return Order(tuple(OrderLine(label, qty, tuple(words)) for label, qty, words in lines))


# --- transfer reports ------------------------------------------------------------------------

# A firm key says "I paid": a report we cannot read gets a helpful answer. A loose key
# ("匯款", "paid") may start a question or chat, so only a complete report counts.
_FIRM_KEYS = ("已匯款", "已轉帳", "已轉賬", "已匯", "已轉")
_TRANSFER_KEY = re.compile(
    r"(已匯款|已轉帳|已轉賬|已匯|已轉|匯款|轉帳|轉賬|(?:paid|transferred)(?=[ :,0-9$]|$))"
    r"[ :,]*", re.I)
_NUM = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
_TRANSFER_PART = re.compile(
    rf"(?P<sep>[ ,/、]+)"
    rf"|(?:帳號)?(?:後|末)(?:五|5)碼 ?:? ?(?P<last5>[0-9]+)"
    rf"|(?:金額 ?:? ?)?(?:NT\$|NTD|NT|\$) ?(?P<amount>{_NUM})(?:\.0+)? ?(?:元|塊)?"
    rf"|(?:金額 ?:? ?)?(?P<amount2>{_NUM})(?:\.0+)? ?(?:元|塊)"
    rf"|金額 ?:? ?(?P<amount3>{_NUM})(?:\.0+)?"
    rf"|(?P<bare>{_NUM})(?![0-9])", re.I)


def _parse_transfer(text: str) -> TransferReport | Malformed | None:
    key = _TRANSFER_KEY.match(text)
    if key is None:
        return None
    firm = key[1] in _FIRM_KEYS
    body = text[key.end():]
    marked_last5: list[str] = []
    marked_amount: list[str] = []
    bare: list[str] = []
    pos, free_text = 0, False
    while pos < len(body):
        m = _TRANSFER_PART.match(body, pos)
        if m is None or m.end() == pos:
            free_text = True  # "已匯款 12345 350 謝謝": a note after the numbers
            break
        if m["last5"] is not None:
            marked_last5.append(m["last5"])
        elif (amount := m["amount"] or m["amount2"] or m["amount3"]) is not None:
            marked_amount.append(amount)
        elif m["bare"] is not None:
            bare.append(m["bare"])
        pos = m.end()
    found = len(marked_last5) + len(marked_amount) + len(bare)
    # Free text straight after the key ("已匯入", "已匯款了嗎") is chat, not a report.
    if free_text and not found:
        return None

    last5 = marked_last5 or bare[:1]
    rest = bare[1:] if not marked_last5 else bare
    amount = marked_amount or rest[:1]
    leftovers = len(marked_last5) + len(marked_amount) + len(bare) - 2
    if len(last5) != 1 or len(amount) != 1 or leftovers != 0:
        return Malformed(TRANSFER_INCOMPLETE) if firm else None
    if not re.fullmatch(r"[0-9]{5}", last5[0]):
        return Malformed(LAST5_NOT_FIVE_DIGITS) if firm else None
    digits = amount[0].replace(",", "")
    value = int(digits) if len(digits) <= 12 else 0
    if value <= 0:
        return Malformed(AMOUNT_NOT_POSITIVE) if firm else None
    return TransferReport(last5[0], value)


# --- 1:1 messages ----------------------------------------------------------------------------

_BIND = re.compile(r"(?:綁定(?:手機|電話)?(?:號碼)?|bind(?: phone)?(?=[ :]|$))[ :]*(?P<rest>.*)", re.I)


def parse_direct(text: str) -> Intent | None:
    """Read a 1:1 message. Orders are not taken here; unknown text is None."""
    text = _undecorate(normalize(text))
    if not text:
        return None
    if m := _BIND.fullmatch(text):
        rest = m["rest"].strip()
        return Bind(rest) if rest else Malformed(PHONE_MISSING)
    return _parse_request(text) or _parse_transfer(text)


# --- resolution against the campaign's items -------------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemRef:
    label: str
    name: str


class ResolvedLine(NamedTuple):
    label: str
    qty: int
    note: str | None  # the words, when they did not pick the item


@dataclass(frozen=True, slots=True)
class UnknownLabel:
    label: str


@dataclass(frozen=True, slots=True)
class WhichItem:
    """The bot should ask which item. `candidates` are the labels whose names hold all the
    words, or every label when none (or several with no words) do."""

    candidates: tuple[str, ...]
    words: tuple[str, ...] = ()


Problem = UnknownLabel | WhichItem


@dataclass(frozen=True, slots=True)
class Resolution:
    """Either every line resolved (`problem` None) or the first problem and no lines."""

    lines: tuple[ResolvedLine, ...] = ()
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def resolve_items(order: Order, items: Sequence[ItemRef]) -> Resolution:
    """Map each line of `order` to one of `items`' labels.

    An explicit label must exist (`UnknownLabel`) and keeps its words as a note (`B+1 大`).
    Without a label: the only item (words are a note); else the one item whose name holds
    every word (words used up, no note); else `WhichItem`.
    """
    labels = tuple(item.label.upper() for item in items)
    resolved: list[ResolvedLine] = []
    for line in order.lines:
        note = " ".join(line.words) or None
        if line.label is not None:
            if line.label.upper() not in labels:
                return Resolution(problem=UnknownLabel(line.label.upper()))
            resolved.append(ResolvedLine(line.label.upper(), line.qty, note))
        elif len(labels) == 1:
            resolved.append(ResolvedLine(labels[0], line.qty, note))
        elif not line.words:
            return Resolution(problem=WhichItem(labels))
        else:
            words = [_fold(w) for w in line.words]
            matches = tuple(label for label, item in zip(labels, items)
                            if all(w in _fold(item.name) for w in words))
            if len(matches) != 1:
                return Resolution(problem=WhichItem(matches or labels, line.words))
            resolved.append(ResolvedLine(matches[0], line.qty, None))
    return Resolution(tuple(resolved))


# --- formatting ------------------------------------------------------------------------------

def is_plain_word(word: str) -> bool:
    """True when `word` survives `format_order` → `parse_group` unchanged."""
    return (bool(word) and normalize(word) == word and " " not in word
            and not any(ch in _SEP for ch in word)
            and word[0] not in "+-" and word[-1] not in "+-!~。."
            and _classify(word) is None)


def format_order(order: Order) -> str:
    """`A+1 紅色, +2`: parses back to `order`. Raises ValueError for an order that cannot
    (no lines, a label not A–Z, a quantity outside 1–99, a word that is not plain)."""
    if not order.lines:
        raise ValueError("an order has at least one line")
    parts = []
    for line in order.lines:
        if line.label is not None and not re.fullmatch(r"[A-Z]", line.label):
            raise ValueError(f"label {line.label!r} is not one of A-Z")
        if not MIN_QTY <= line.qty <= MAX_QTY:
            raise ValueError(f"quantity {line.qty} is outside {MIN_QTY}-{MAX_QTY}")
        if bad := [w for w in line.words if not is_plain_word(w)]:
            raise ValueError(f"words {bad!r} would not read back")
        parts.append(" ".join((f"{line.label or ''}+{line.qty}", *line.words)))
    # ", " keeps a one-letter word ("M") from gluing onto the next unlabelled token.
    return ", ".join(parts)


def format_transfer(report: TransferReport) -> str:
    """`已匯款 12345 $1,350`: parses back to `report`."""
    if not re.fullmatch(r"[0-9]{5}", report.last5) or report.amount <= 0:
        raise ValueError(f"not a valid transfer report: {report!r}")
    return f"已匯款 {report.last5} ${report.amount:,}"
