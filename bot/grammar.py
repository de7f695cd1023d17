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
    "AMBIGUOUS_QUANTITY", "ORDER_PROBLEMS", "MAX_CHARS", "order_fits",
]

MIN_QTY, MAX_QTY = 1, 99

# Stable reason codes carried by `Malformed`; the bot turns them into a reply in its locale.
MISSING_QUANTITY = "missing_quantity"            # `A+`, `+`
QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"  # `+0`, `+100`, `-0`
QUANTITY_NOT_WHOLE = "quantity_not_whole"        # `+1.5`
ONE_CHANGE_PER_MESSAGE = "one_change_per_message"  # `A-1 B-1`, `A+1 B-1`
AMBIGUOUS_QUANTITY = "ambiguous_quantity"        # `+1（兩盒）`, `+2 x3`: ask, never guess
# The reasons that are about an order (the others are about a transfer report or a binding).
ORDER_PROBLEMS = frozenset({MISSING_QUANTITY, QUANTITY_OUT_OF_RANGE, QUANTITY_NOT_WHOLE,
                            ONE_CHANGE_PER_MESSAGE, AMBIGUOUS_QUANTITY})
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
    code: str | None = None  # a campaign code written with the order ("XCSA +1"), upper-case


@dataclass(frozen=True, slots=True)
class Cancel:
    """`qty` None = the whole label; `label` and `qty` both None = the whole order. `code`:
    the campaign code written with it (`XCSA 取消`), upper-case."""

    label: str | None
    qty: int | None
    code: str | None = None


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
    choices: tuple[str, ...] = ()  # AMBIGUOUS_QUANTITY: what the buyer may have meant ("+1", "+2")


Intent = (Order | Cancel | TransferReport | Bind | MyOrders | PickupCode | Help | Mention
          | Malformed)


# --- normalisation ---------------------------------------------------------------------------

# NFKC leaves these alone, yet phones and IMEs type them for "-".
_FOLD = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                       "\u2212": "-", "\u200b": None, "\u200c": None, "\u200d": None,
                       "\u2060": None, "\ufeff": None})
_SPACES = re.compile(r"\s+")
# Trailing "+1!", "+1～", "+1。" mean "+1". (rstrip, not a `[…]+$` regex: that one is
# quadratic on a long run of these characters.)
_DECORATION = "!~。. "
# A message longer than this is not an order, a report or a command: a buyer's "+1" is short,
# and a cap keeps the parser's cost per message bounded whatever is pasted into the group.
MAX_CHARS = 500


def normalize(text: str) -> str:
    """NFKC, fold dashes and zero-width characters, collapse white space, strip."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _SPACES.sub(" ", text).strip()


def _undecorate(text: str) -> str:
    return text.rstrip(_DECORATION)


def _too_long(text: str) -> bool:
    return len(text) > MAX_CHARS


# --- group messages --------------------------------------------------------------------------

_SEP = " ,、;"
_PHONE = re.compile(r"\+[0-9][0-9 -]*")

_CANCEL_ALL = re.compile(r"(?:取消(?:訂單|全部)?|全部取消|cancel(?: order| all)?)", re.I)
# "I want (one) too" with no quantity: an order the bot must ask about, not chat.
_WANT = re.compile(r"(?:我|我也|我還|我們也|也|還)(?:想)?要(?:訂|買|跟|加)?(?: ?[A-Za-z])?(?:團媽|謝謝|喔|哦)?", re.I)
_CANCEL_LABEL = re.compile(r"(?:取消 ?|cancel )([A-Za-z])", re.I)

_HELP = {"說明", "使用說明", "幫助", "help"}
_MY_ORDERS = {"我的訂單", "查訂單", "查詢訂單", "my orders", "my order"}
_PICKUP_CODE = {"取貨碼", "取貨qr", "取貨 qr", "pickup code", "pickup qr"}
_MENTION_TOKEN = re.compile(r"@\S+")


def parse_group(text: str, *, mentions_bot: bool = False) -> Intent | None:
    """Read a group message; None means ordinary chat, which must get no answer.

    An order is order tokens (`+1`, `A+2`, `b + 1`, `A1`, `B 2`, `A*2`, `C x2`, `1份`,
    `加一`, `A一件`), each with the words that name its item or variant: words after the
    tokens (`+1 紅色 M`), or, when the message ends with a token, words before each token
    (`芒果乾+1 鳳梨酥+2`). Words that only address or thank (`我要`, `團媽`, `謝謝`) are
    dropped, and a campaign code (`XCSA +1`) goes to `Order.code`. Chat stays chat: a token
    glued to a word (`+1天就到`, `我+1票贊成`), words on both sides (`明天 +1 度`), sums,
    URLs, phones. A message that is an order but says two quantities (`+1（兩盒）`) is
    `Malformed(AMBIGUOUS_QUANTITY, choices)`: the bot asks. When the bot is mentioned, the
    caller should cut the mention's own text (LINE gives its index and length); left-over
    `@name` words are ignored and a message that is no command is a `Mention`.
    """
    if len(text) > 4 * MAX_CHARS:  # before NFKC, which is linear but not free
        return Mention() if mentions_bot else None
    text = normalize(text)
    if _too_long(text):
        return Mention() if mentions_bot else None
    intent = _parse_group_text(text)
    if intent is not None or not mentions_bot:
        return intent
    text = normalize(_MENTION_TOKEN.sub(" ", text))
    return _parse_group_text(text) or _parse_request(text) or Mention()


def _coded(text: str) -> tuple[str | None, str]:
    """("XCSA", "取消") for "XCSA 取消" or "取消 XCSA": a campaign code before or after the rest."""
    first, _, rest = text.partition(" ")
    if rest and _CODE.fullmatch(first) and first not in _SIZES:
        return first, rest
    rest, _, last = text.rpartition(" ")
    if rest and _CODE.fullmatch(last) and last not in _SIZES:
        return last, rest
    return None, text


def _parse_group_text(text: str) -> Intent | None:
    text = _undecorate(text)
    if not text:
        return None
    if _WANT.fullmatch(text):  # "我也要", "我要A": an order without how many: ask
        return Malformed(MISSING_QUANTITY)
    code, rest = _coded(text)
    if _CANCEL_ALL.fullmatch(rest):
        return Cancel(None, None, code)
    if m := _CANCEL_LABEL.fullmatch(rest):
        return Cancel(m[1].upper(), None, code)
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


# --- the order lexer -------------------------------------------------------------------------
#
# One left-to-right pass. At each position it tries, in order: a filler run (only where a word
# may start), an order token (anchored regexes of bounded length), else one character of a
# word. Every step consumes at least one character and looks at a bounded window, so the
# pass is linear in the message's length.

_CN_DIGITS = {"一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = r"[一二兩三四五六七八九十]{1,3}"
_UNIT = r"[份個盒組包件袋瓶罐箱條支隻顆入片杯斤套台張本雙對串碗盤粒]"
# "+1", "A+2", "a + 1", "++1", "加一", "+1份", "+1.5" (a fraction: Malformed), "A+" (no number).
_SIGNED = re.compile(
    rf"(?:(?P<label>[A-Za-z])(?P<gap> ?))?"
    rf"(?P<sign>\+\+(?= ?[0-9])|(?<!\+)\+(?!\+)|-(?= ?[0-9.])|加(?={_CN_NUM}|[0-9]))"
    rf"(?: ?(?P<num>[0-9]{{1,3}}(?:\.[0-9]*)?(?![0-9])|\.[0-9]+|{_CN_NUM}))?"
    rf"(?: ?(?P<unit>{_UNIT}))?")
# "A*2", "Ax2", "C x2", "x2", "+1 x2" (after a token: a multiplier).
_MUL = re.compile(
    rf"(?:(?P<label>[A-Za-z])(?P<gap> ?))?(?P<mul>[*×xX]) ?"
    rf"(?P<num>[0-9]{{1,2}}(?![0-9])|{_CN_NUM})(?: ?(?P<unit>{_UNIT}))?")
# "A1", "B 2", "A一件", "1份", "兩盒": no sign, so weaker evidence (see _parse_tokens).
_BARE = re.compile(
    rf"(?:(?P<label>[A-Za-z])(?P<gap> ?))?"
    rf"(?P<num>[0-9]{{1,2}}(?![0-9.])|{_CN_NUM})(?: ?(?P<unit>{_UNIT}))?")
# Words that address, ask or thank, never name an item: dropped where a word starts.
_FILLER = re.compile(
    r"(?:我們|我|也|還要|想要|要|想|還|再|追加|另外|順便|幫我|幫|替|給|跟團|跟|預訂|訂|買|"
    r"團媽|團主|團長|老闆娘|老闆|闆娘|版主|主揪|大大|樓上|同上|朋友|同事|家人|老公|老婆|"
    r"一起|請|麻煩你|麻煩您|麻煩|謝謝|謝啦|謝囉|感謝|感恩|多謝|拜託|"
    r"喔|哦|唷|呦|啦|囉|哈囉|你好|您好|嗨|"
    r"(?:thanks|thank you|thx|3q|please|plz)(?![A-Za-z]))+", re.I)
# Thanks glued straight after a token ("+1謝謝") still end it.
_POLITE = re.compile(r"謝謝|謝啦|謝囉|感謝|感恩|多謝|拜託|喔|哦|唷|呦|啦|囉|thanks|thx|3q", re.I)
# A campaign code as the announcement shows it (commerce.campaigns draws four of these).
_CODE = re.compile(r"(?=[2-9]*[A-Z])[A-HJ-NP-Z2-9]{4}")
_CODE_CHUNK = re.compile(r"(?=[2-9]*[A-Z])[A-HJ-NP-Z2-9]{4}(?=[ ,、;]|$)")
_LABEL_PAIRS = re.compile(r"(?:[A-Z][2-9]){2}")  # "A2B3" reads as two order tokens, not a code
_SIZES = {"XS", "XXS", "S", "M", "L", "XL", "XXL", "XXXL", "2XL", "3XL", "4XL", "5XL", "FREE"}
_WORDISH = re.compile(r"[^\W\d_]+")  # letters only: no digits, signs or URL punctuation
_BEFORE_LIMIT = 8  # words before a token name an item ("芒果乾+1"); a longer run is a sentence
# Emoji and other symbols decorate ("+1😀"); brackets wrap notes ("+1（黑色）").
_BRACKETS = set("()[]{}【】「」『』〔〕《》〈〉")


class _Atom(NamedTuple):
    label: str | None
    sign: str  # "+", "-", or "" for a token without a sign (MUL, BARE)
    qty: int | None  # None when broken (see problem) or missing
    problem: str | None
    mul: bool  # "x2": a multiplier after a token, or a quantity alone
    glued: bool  # a word follows without a break ("+1天"): the message is chat


def _lexable(text: str) -> str:
    out = []
    for ch in text:
        if ch in _BRACKETS or ch in "\ufe0f\u20e3" or unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn"):
            out.append(" ")
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


def _number(digits: str) -> int | None:
    """1-99 from ASCII or Chinese digits ("兩", "十二", "二十"); None for anything else."""
    if digits.isascii():
        return int(digits) if digits.isdigit() else None
    if "十" not in digits:
        return _CN_DIGITS[digits] if len(digits) == 1 else None
    tens, _, ones = digits.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0) or None


def _starts_token(text: str, pos: int) -> bool:
    """True when another token starts at `pos` ("A+1B+1", "+1+1", "+1x2")."""
    if pos >= len(text):
        return False
    if text[pos] in "+-*×":
        return True
    return bool((m := _SIGNED.match(text, pos)) and m["label"] and not m["gap"]
                or (m := _MUL.match(text, pos)) and (m["label"] is None or not m["gap"])
                or (m := _BARE.match(text, pos)) and m["label"] and not m["gap"])


def _right_break(text: str, pos: int) -> bool:
    return (pos >= len(text) or text[pos] in _SEP or _starts_token(text, pos)
            or _POLITE.match(text, pos) is not None)


def _lex(text: str) -> list[tuple[str, object]] | None:
    """("atom", _Atom) | ("word", str) | ("code", str) pieces; None when a token is glued to a
    word in a way that makes the message chat."""
    pieces: list[tuple[str, object]] = []
    word: list[str] = []
    prev = "start"  # kind of the last piece: start, sep, atom, filler, word, code
    before_sep = "start"  # kind of the last piece before the separators just read
    pos, n = 0, len(text)

    def flush() -> None:
        nonlocal prev
        if word:
            w = "".join(word)
            word.clear()
            kind = "code" if _CODE.fullmatch(w) and w not in _SIZES else "word"
            pieces.append((kind, w))
            prev = kind

    while pos < n:
        ch = text[pos]
        if ch in _SEP:
            flush()
            if prev != "sep":
                before_sep = prev
            prev = "sep"
            pos += 1
            continue
        at_start = not word  # a word may start here
        if at_start and prev in ("start", "sep") and (m := _CODE_CHUNK.match(text, pos)) \
                and not _LABEL_PAIRS.fullmatch(m[0]) and m[0] not in _SIZES:
            pieces.append(("code", m[0]))
            prev = "code"
            pos = m.end()
            continue
        if at_start and (m := _FILLER.match(text, pos)):
            prev = "filler"
            pos = m.end()
            continue
        mid_word = bool(word) and prev != "sep"
        last = before_sep if prev == "sep" else prev
        atom = None
        for kind, pattern in (("signed", _SIGNED), ("mul", _MUL), ("bare", _BARE)):
            m = pattern.match(text, pos)
            if m is None or m.end() == pos:
                continue
            if m["label"] is not None:
                # A label starts a chunk or follows a token, a filler or a code. "紅色M +1":
                # the M belongs to the word; "紅色 M +1": a lone letter spaced from its sign
                # after a word is a size, not a label; "紅色 B+2" is a label.
                if mid_word or (prev == "sep" and m["gap"] and last == "word"):
                    continue
            elif mid_word:
                if kind == "bare" or (kind == "signed" and m["sign"] == "加"):
                    continue
                if kind == "mul" and m["mul"] in "xX" and word[-1].isascii():
                    continue
            elif kind == "bare" and not m["unit"]:
                continue  # "2" alone is a number, not "2 of them"
            atom = (kind, m)
            break
        if atom is None:
            word.append(ch)
            pos += 1
            continue
        kind, m = atom
        end = m.end()
        brk = _right_break(text, end)
        if not brk and kind != "signed":
            word.append(ch)  # "A4紙", "2樓", "x2y": part of a word
            pos += 1
            continue
        flush()
        label = m["label"].upper() if m["label"] else None
        num = m["num"]
        problem, qty = None, None
        if kind == "signed":
            sign = "-" if m["sign"] == "-" else "+"
            if num is None:
                problem = MISSING_QUANTITY
            elif "." in num:
                problem = QUANTITY_NOT_WHOLE
            else:
                qty = _number(num)
                if qty is None or not MIN_QTY <= qty <= MAX_QTY:
                    qty, problem = None, QUANTITY_OUT_OF_RANGE
        else:
            sign = ""
            qty = _number(num)
            if qty is None or not MIN_QTY <= qty <= MAX_QTY:
                qty, problem = None, QUANTITY_OUT_OF_RANGE
        if not brk and problem != MISSING_QUANTITY and num is not None and not m["unit"]:
            return None  # "+1天就到", "我+1票贊成", "今天氣溫+1度", "1+1=2"
        pieces.append(("atom", _Atom(label, sign, qty, problem, kind == "mul", not brk)))
        prev = "atom"
        pos = end
    flush()
    return pieces


def _before_words_ok(words: list[str]) -> bool:
    """Words before a token name its item: letters only, short, not an English word ("UTC+8")."""
    if sum(len(w) for w in words) > _BEFORE_LIMIT:
        return False
    return all(_WORDISH.fullmatch(w) and (not w.isascii() or w.upper() in _SIZES) for w in words)


def _parse_tokens(text: str) -> Intent | None:
    pieces = _lex(_lexable(text))
    if not pieces:
        return None
    atoms = [p for kind, p in pieces if kind == "atom"]
    if not atoms or any(a.glued for a in atoms):
        return None  # "A+B", "a+b=c"; "+1天" never gets here (_lex)
    codes = [p for kind, p in pieces if kind == "code"]
    seq = [(kind, p) for kind, p in pieces if kind in ("atom", "word")]
    has_words = any(kind == "word" for kind, _ in seq)

    if any(a.sign == "-" for a in atoms):
        # "-1 我不同意" and "-5 度" are chat; a cancel is one token alone.
        if len(seq) == 1 and atoms[0].sign == "-" and len(codes) <= 1:
            t = atoms[0]
            return Malformed(t.problem) if t.problem else Cancel(t.label, t.qty, codes[0] if codes else None)
        return None if has_words else Malformed(ONE_CHANGE_PER_MESSAGE)

    before = seq[0][0] == "word"  # "芒果乾+1": the words name the token after them
    if before and seq[-1][0] != "atom":
        return None  # words on both sides of the token: "明天 +1 度"

    # [label, qty, words, atom, choices]
    lines: list[list] = []
    pending: list[str] = []
    for kind, piece in seq:
        if kind == "word":
            (pending if before else lines[-1][2]).append(piece)
            continue
        a = piece
        if not a.sign and a.label is None and lines and not pending:
            line = lines[-1]  # "+1 x2", "+1（兩盒）": the quantity of the line before
            q = line[1]
            if q is not None and a.qty is not None and q != a.qty and not (a.mul and q == 1):
                line[4] = sorted({q, a.qty, *((q * a.qty,) if a.mul and q * a.qty <= MAX_QTY else ())})
            elif q is not None and a.qty is not None:
                line[1] = a.qty
            elif a.problem:
                line[3] = a
            continue
        if before and not _before_words_ok(pending):
            return None
        if not a.sign and not a.mul and has_words:
            return None  # "A1 停車場", "今天 2盒": without a sign, only a bare order counts
        lines.append([a.label, a.qty, pending, a, None])
        pending = []

    problems = [line[3].problem for line in lines if line[3].problem]
    if QUANTITY_OUT_OF_RANGE in problems and _PHONE.fullmatch(text) \
            and sum(ch.isdigit() for ch in text) >= 7:
        return None  # "+886 912 345 678"
    hard = [p for p in problems if p != MISSING_QUANTITY]
    if hard:
        return Malformed(hard[0])
    if problems:
        has_good = any(line[1] is not None for line in lines)
        # "A+" alone is a broken order; "A+ 好評" is chat about a grade.
        return Malformed(MISSING_QUANTITY) if has_good or not has_words else None
    for label, qty, words, _, choices in lines:
        if choices:
            return Malformed(AMBIGUOUS_QUANTITY, tuple(f"{label or ''}+{c}" for c in choices))
    return Order(tuple(OrderLine(label, qty, tuple(words)) for label, qty, words, _, _ in lines),
                 code=codes[0] if codes else None)


# --- transfer reports ------------------------------------------------------------------------

# A firm key says "I paid" ("已匯款", "轉帳完成", "我匯了"): a report we cannot read gets a
# helpful answer. A loose key ("匯款", "paid") may start a question or chat, so it counts only
# for a complete report or one with a marked part ("匯款後五碼12345").
_TRANSFER_KEY = re.compile(
    r"(?:(?:團媽|團主|老闆娘|老闆|闆娘|哈囉|您好|你好)[ ,]*)?(?:我們|我)? ?"
    r"(?:(?P<done_before>已經|已|有) ?(?P<verb1>匯款|轉帳|轉賬|付款|匯|轉)(?:了|囉|好了|完成)?"
    r"|(?P<verb2>匯款|轉帳|轉賬|付款|匯|轉)(?P<done_after>完成|好了|好囉|了|囉)"
    r"|(?P<loose>匯款|轉帳|轉賬|(?:paid|transferred)(?=[ :,0-9$]|$)))"
    r"[ :,]*", re.I)
# "12345 350 已匯款": the key after the numbers.
_TRANSFER_KEY_END = re.compile(r"[ ,]*(?:已經?(?:匯款|轉帳|轉賬|付款)|(?:匯款|轉帳|轉賬|付款)完成)(?:了|囉)?$")
_NUM = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
_AMOUNT_KEY = r"(?:金額|總共|共計|合計|總計|共)"
_TRANSFER_PART = re.compile(
    rf"(?P<sep>[ ,/、]+)"
    rf"|(?:帳號)?(?:後|末)(?:五|5)碼 ?:? ?(?P<last5>[0-9]+)"
    rf"|(?:{_AMOUNT_KEY} ?:? ?)?(?:NT\$|NTD|NT|\$) ?(?P<amount>{_NUM})(?:\.0+)? ?(?:元|塊)?"
    rf"|(?:{_AMOUNT_KEY} ?:? ?)?(?P<amount2>{_NUM})(?:\.0+)? ?(?:元|塊)"
    rf"|{_AMOUNT_KEY} ?:? ?(?P<amount3>{_NUM})(?:\.0+)?"
    rf"|(?P<bare>{_NUM})(?![0-9])", re.I)


def _parse_transfer(text: str) -> TransferReport | Malformed | None:
    key = _TRANSFER_KEY.match(text)
    if key is not None:
        firm = key["loose"] is None
        short = key["verb2"] in ("匯", "轉")  # "轉了" alone is chat
        body = text[key.end():]
    elif end := _TRANSFER_KEY_END.search(text):
        firm, short, body = True, True, text[:end.start()]
    else:
        return None
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
    if free_text and not found or short and not found:
        return None
    # A marked part ("後五碼", "$", "元") makes a loose key's report firm: "匯款後五碼12345".
    firm = firm or bool(marked_last5 or marked_amount)
    if key is None and free_text:
        return None  # "…謝謝 已匯款": only numbers may stand before a key at the end

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
    if len(text) > 4 * MAX_CHARS:
        return None
    text = _undecorate(normalize(text))
    if not text or _too_long(text):
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
    # Spaces dropped: "紅色M" names the item "紅色 M".
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def _picks(words: Sequence[str], items: Sequence[ItemRef]) -> tuple[str, ...]:
    """The labels of the items whose names hold every word."""
    folded = [_fold(w) for w in words]
    return tuple(item.label.upper() for item in items if all(w in _fold(item.name) for w in folded))


def order_fits(order: Order, items: Sequence[ItemRef]) -> bool:
    """True when `order` names its items in these: every line's label is one of them, or its
    words pick exactly one of them by name. A bare `+1` names nothing, so it fits nowhere:
    with several campaigns open it cannot choose one."""
    labels = {item.label.upper() for item in items}
    for line in order.lines:
        if line.label is not None:
            if line.label.upper() not in labels:
                return False
        elif not line.words or len(_picks(line.words, items)) != 1:
            return False
    return True


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
            matches = _picks(line.words, items)
            if len(matches) != 1:
                return Resolution(problem=WhichItem(matches or labels, line.words))
            resolved.append(ResolvedLine(matches[0], line.qty, None))
    return Resolution(tuple(resolved))


# --- formatting ------------------------------------------------------------------------------

def is_plain_word(word: str) -> bool:
    """True when `word` survives `format_order` → `parse_group` unchanged, alone or beside
    other plain words (so no digits or Chinese numerals, which could make a quantity)."""
    if (not word or normalize(word) != word or _lexable(word) != word
            or any(ch in _SEP for ch in word) or any(ch.isdigit() or ch in _CN_DIGITS or ch == "十" for ch in word)):
        return False
    return (parse_group(f"+1 {word}, +2") == Order((OrderLine(None, 1, (word,)), OrderLine(None, 2)))
            and parse_group(f"A+1 {word}") == Order((OrderLine("A", 1, (word,)),)))


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


# --- answers to the bot's own questions -------------------------------------------------------

_ANSWER_FILLER = re.compile(r"^(?:我要|要|選|是|第)|(?:號|个|個|團|的|那個|那團|謝謝|感謝|喔|哦|唷|吧)$")
MAX_ANSWER_CHARS = 30


def pick_answer(text: str, options: Sequence[tuple[str, str]]) -> int | None:
    """Which of `options` ((key, name) pairs, as the bot listed them) a buyer's answer to
    "which one?" picks: its number in the list (`2`), its key (`XCSA`, `b`), or the one
    name that holds the answer (two characters at least) or is held by it (`芒果`, `我要芒果乾`);
    None when the answer picks none or several. Pure; never raises."""
    if not isinstance(text, str) or _too_long(text) or len(text) > MAX_ANSWER_CHARS:
        return None
    answer = _undecorate(normalize(text))
    for _ in range(3):  # "我要B的" -> "B"
        trimmed = _ANSWER_FILLER.sub("", answer).strip()
        if trimmed == answer:
            break
        answer = trimmed
    if not answer:
        return None
    if answer.isascii() and answer.isdigit():
        index = int(answer) - 1
        return index if 0 <= index < len(options) else None
    keys = [i for i, (key, _) in enumerate(options) if key.casefold() == answer.casefold()]
    if len(keys) == 1:
        return keys[0]
    folded = answer.casefold()
    named = [i for i, (_, name) in enumerate(options)
             if name and ((len(folded) >= 2 and folded in name.casefold())
                          or (len(name) >= 2 and name.casefold() in folded))]
    return named[0] if len(named) == 1 else None
