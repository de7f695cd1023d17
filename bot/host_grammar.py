"""The host's chat commands (DESIGN.md, "Chat grammar"): text in, a command out.

Pure functions: no I/O. `parse_host` never raises on any text; a `開團` it cannot read becomes a
`HostError` naming the field and the line, so the bot can answer the host helpfully.

    開團 草莓大福              first line; the title may follow on it
    A 原味 120 限50 每人限2     label, name (spaces allowed), price, optional stock cap and
    B 抹茶 130                 per-buyer limit (`限量50`, `每人限購2` and `$120`, `120元` too)
    截止 11/30 20:00           deadline, required; `11/30(六)`, `2026/11/30`, `晚上8點` too
    取貨 12/2-12/5 本店        optional pickup window (first to last day, inclusive) and place
    標題 草莓大福              optional; overrides the first line's title

`結單` (close now), `名單` (the orders), `揀貨單` (the pick list), `公告` (announce a campaign
opened at the counter or by the API, by a free reply) are whole messages; English
`open`, `close`, `orders`, `picklist`, `announce` work too. Other lines of a `開團` are kept as notes.

A one-line message moves a campaign (the one quoted, or the group's only open one):

    截止 12/11 20:00           the new deadline (`MoveDeadline`), read as in a 開團
    取貨 12/12-12/14 本店      the new pickup window, and place when given (`MovePickup`)

The keyword must be followed by a space, a colon or a digit (`截止了嗎` is chat), and a pickup
move must name its dates (`取貨地點在哪` is chat, not a new place); `取貨碼` and `pickup code`
stay the buyer's pickup-code request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.grammar import PickupCode, normalize, parse_group

__all__ = [
    "Announce", "CloseCampaign", "HostCommand", "HostError", "ItemSpec", "ListOrders", "MoveDeadline",
    "MovePickup", "OpenCampaign", "PickList", "parse_host", "pickup_after",
]


@dataclass(frozen=True, slots=True)
class ItemSpec:
    label: str  # upper-case, one of A-Z
    name: str
    price: int  # positive, in the currency's unit
    stock: int | None = None  # cap; None = no cap
    limit: int | None = None  # per buyer; None = no limit


@dataclass(frozen=True, slots=True)
class OpenCampaign:
    title: str
    items: tuple[ItemSpec, ...]
    closes_at: datetime  # aware, UTC
    pickup_from: date | None = None
    pickup_until: date | None = None
    pickup_place: str | None = None
    notes: tuple[str, ...] = ()  # lines that are no field, in order, as typed (a description)


@dataclass(frozen=True, slots=True)
class CloseCampaign:
    pass


@dataclass(frozen=True, slots=True)
class ListOrders:
    pass


@dataclass(frozen=True, slots=True)
class PickList:
    pass


@dataclass(frozen=True, slots=True)
class Announce:
    pass


@dataclass(frozen=True, slots=True)
class MoveDeadline:
    """`截止 12/11 20:00` alone: the campaign's new deadline."""
    closes_at: datetime  # aware, UTC, after `now`
    line: str  # as typed (normalised), for a reply that quotes it


@dataclass(frozen=True, slots=True)
class MovePickup:
    """`取貨 12/12-12/14 本店` alone: the campaign's new pickup window (and place, when given).

    `value` holds the dates as typed: a date without a year is the next one on or after the
    campaign's deadline (as in a 開團), which the grammar does not know; `pickup_after` reads it."""
    value: str  # after the keyword, normalised; starts with a date
    line: str


@dataclass(frozen=True, slots=True)
class HostError:
    """A host command that cannot be read. `command` is `open` (a 開團), `deadline` or `pickup`
    (a move); `field` is `items`, `closes_at` or `pickup`; `code` is stable for translation;
    `line` is the offending line as typed (normalised)."""

    field: str
    message: str
    code: str = "invalid"
    line: str | None = None
    command: str = "open"


HostCommand = (OpenCampaign | CloseCampaign | ListOrders | PickList | Announce | MoveDeadline | MovePickup
               | HostError)

_SIMPLE = {
    "結單": CloseCampaign, "收單": CloseCampaign, "close": CloseCampaign,
    "名單": ListOrders, "orders": ListOrders,
    "揀貨單": PickList, "撿貨單": PickList, "picklist": PickList, "pick list": PickList,
    "公告": Announce, "announce": Announce,
}
_OPEN = re.compile(r"(?:[【\[]?開團[】\]]?|open(?=[ :]|$))[ :]*(?P<title>.*)", re.I)
_TITLE = re.compile(r"(?:標題|title(?=[ :]))[ :]*(?P<value>.*)", re.I)
_DEADLINE = re.compile(r"(?:截止(?:時間|日期?)?|deadline(?=[ :]))[ :]*(?P<value>.*)", re.I)
_PICKUP = re.compile(r"(?:取貨(?:時間|日期|地點)?|pickup(?=[ :]))[ :]*(?P<value>.*)", re.I)
# The same keywords alone in a message: a separator or a digit must follow ("截止了嗎" is chat).
_MOVE_DEADLINE = re.compile(r"(?:截止(?:時間|日期?)?|deadline)(?:[ :]+|(?=[0-9]))(?P<value>.+)", re.I)
_MOVE_PICKUP = re.compile(r"(?:取貨(?:時間|日期|地點)?|pickup)(?:[ :]+|(?=[0-9]))(?P<value>.+)", re.I)
# A label, then a separator or straight into a non-ASCII name ("A原味 120").
_ITEM = re.compile(r"(?P<label>[A-Za-z])(?:[ .:、)]+|(?=[^\x00-\x7f]))(?P<rest>.*)")
_OPTION = re.compile(
    r"(?:^| ?)(?P<kind>每人限(?:購|買)?|限購|限量|限) ?(?P<n>[0-9]+) ?(?:份|個|組|盒|件|入)?$")
_PRICE = re.compile(
    r"(?:^| ?)(?:NT\$|\$)?(?P<price>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0+)? ?元?"
    r"(?: ?/ ?[^ 0-9]{1,3})?$")
_WEEKDAY = re.compile(
    r" ?\((?:週|周|星期|禮拜)?[一二三四五六日天]\)|\((?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\)",
    re.I)
_YMD = re.compile(r"(?P<y>[0-9]{4})[/-](?P<m>[0-9]{1,2})[/-](?P<d>[0-9]{1,2})")
_MD = re.compile(r"(?P<m>[0-9]{1,2})(?:/|月)(?P<d>[0-9]{1,2})[日號]?")
_CLOCK = re.compile(
    r" ?(?P<part>上午|早上|中午|下午|傍晚|晚上)? ?"
    r"(?:(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})|(?P<h2>[0-9]{1,2})點(?P<half>半)?) ?(?P<ampm>am|pm)?",
    re.I)
_AFTERNOON = {"下午", "傍晚", "晚上", "pm"}
_RANGE = re.compile(r" ?(?:-|~|至|到) ?")
_DAY = re.compile(r"(?P<d>[0-9]{1,2})[日號]?(?![0-9/月])")
# A month/day that passed less than this long ago is a mistake, not next year's date.
_RECENT_PAST = timedelta(days=183)


class _Bad(Exception):
    def __init__(self, error: HostError) -> None:
        self.error = error


def parse_host(text: str, *, now: datetime, tz: ZoneInfo) -> HostCommand | None:
    """Read a host's message; None when it is no host command (it may still be an order).

    `now` should be aware (naive is taken as UTC); dates without a year are the next
    occurrence after `now` in `tz`, except that a deadline whose month/day passed in the last
    six months is reported as in the past.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    typed = [(normalize(raw), raw.strip()) for raw in text.splitlines()]
    typed = [(line, raw) for line, raw in typed if line]
    lines = [line for line, _ in typed]
    if not lines:
        return None
    simple = _SIMPLE.get(lines[0].rstrip("!~。.").casefold())
    if simple is not None:
        return simple()
    m = _OPEN.fullmatch(lines[0])
    if m is None:
        return _parse_move(lines[0], now, tz) if len(lines) == 1 else None
    try:
        return _parse_open(m["title"].strip(), typed[1:], now, tz)
    except _Bad as bad:
        return bad.error


def _parse_move(line: str, now: datetime, tz: ZoneInfo) -> MoveDeadline | MovePickup | HostError | None:
    if m := _MOVE_DEADLINE.fullmatch(line):
        try:
            return MoveDeadline(_parse_deadline(m["value"], line, now, tz), line)
        except _Bad as bad:
            return replace(bad.error, command="deadline")
    m = _MOVE_PICKUP.fullmatch(line)
    if m is None or isinstance(parse_group(line, mentions_bot=True), PickupCode):  # "取貨 qr"
        return None
    value = normalize(_WEEKDAY.sub("", m["value"]))
    if _read_date(value, 0)[1] is None:
        return HostError("pickup", "write the pickup like '取貨 12/2-12/5 本店'", "bad_pickup", line, "pickup")
    return MovePickup(value, line)


def pickup_after(move: MovePickup, closes_on: date) -> tuple[date, date, str | None] | HostError:
    """(first day, last day, place or None) of a pickup move, for a campaign whose deadline
    falls on `closes_on` (the shop's zone); a HostError when the dates are no real dates,
    start before the deadline or end before they start. Never raises."""
    try:
        start, finish, place = _parse_pickup(move.value, move.line, closes_on)
    except _Bad as bad:
        return replace(bad.error, command="pickup")
    if start is None or finish is None:  # a place alone: parse_host makes no such move
        return HostError("pickup", "write the pickup like '取貨 12/2-12/5 本店'", "bad_pickup", move.line, "pickup")
    if start - closes_on > _YEARLESS_SLACK and not _YEAR.search(move.value):
        # "12/10" for a campaign closing 12/11 reads as next December: far more likely a slip
        # than a pickup a year away, so it is refused like a date before the deadline.
        return HostError("pickup", "pickup starts before the deadline", "pickup_before_deadline", move.line,
                         "pickup")
    return start, finish, place


_YEARLESS_SLACK = timedelta(days=180)
_YEAR = re.compile(r"\d{4}")


def _parse_open(title: str, lines: list[tuple[str, str]], now: datetime, tz: ZoneInfo) -> OpenCampaign:
    """`lines` are (normalised, as typed) pairs; a note keeps the host's own characters."""
    items: list[ItemSpec] = []
    notes: list[str] = []
    closes_at: datetime | None = None
    pickup: tuple[str, str] | None = None  # (value, line)
    for line, raw in lines:
        if m := _TITLE.fullmatch(line):
            title = m["value"].strip() or title
        elif m := _DEADLINE.fullmatch(line):
            closes_at = _parse_deadline(m["value"], line, now, tz)
        elif m := _PICKUP.fullmatch(line):
            pickup = (m["value"], line)  # read once the deadline is known: it anchors the year
        elif m := _ITEM.fullmatch(line):
            item = _parse_item(m["label"].upper(), m["rest"], line)
            if any(i.label == item.label for i in items):
                raise _Bad(HostError("items", f"label {item.label} is used twice",
                                     "duplicate_label", line))
            items.append(item)
        else:
            notes.append(raw)
    if not items:
        raise _Bad(HostError("items", "no items: add lines like 'A 原味 120 限50'", "no_items"))
    if closes_at is None:
        raise _Bad(HostError("closes_at", "no deadline: add a line like '截止 11/30 20:00'",
                             "missing_deadline"))
    pickup_from = pickup_until = None
    pickup_place = None
    if pickup is not None:
        pickup_from, pickup_until, pickup_place = _parse_pickup(
            *pickup, closes_at.astimezone(tz).date())
    return OpenCampaign(
        title=title or "、".join(i.name for i in items),
        items=tuple(items),
        closes_at=closes_at,
        pickup_from=pickup_from,
        pickup_until=pickup_until,
        pickup_place=pickup_place,
        notes=tuple(notes),
    )


def _parse_item(label: str, rest: str, line: str) -> ItemSpec:
    rest = rest.strip()
    options: dict[str, int] = {}
    while m := _OPTION.search(rest):
        field = "limit" if m["kind"] in ("每人限", "每人限購", "每人限買", "限購") else "stock"
        what = "per-buyer limit" if field == "limit" else "stock cap"
        if field in options:
            raise _Bad(HostError("items", f"item {label}: {what} given twice", "duplicate_option",
                                 line))
        n = int(m["n"]) if len(m["n"]) <= 6 else 0
        if n < 1:
            raise _Bad(HostError("items", f"item {label}: {what} must be at least 1",
                                 f"bad_{field}", line))
        options[field] = n
        rest = rest[:m.start()].rstrip()
    m = _PRICE.search(rest)
    if m is None:
        raise _Bad(HostError("items", f"item {label}: the price is not a number",
                             "bad_price", line))
    digits = m["price"].replace(",", "")
    price = int(digits) if len(digits) <= 9 else 0
    if price < 1:
        raise _Bad(HostError("items", f"item {label}: the price must be at least 1",
                             "bad_price", line))
    name = rest[:m.start()].strip()
    if not name:
        raise _Bad(HostError("items", f"item {label} has no name", "missing_name", line))
    return ItemSpec(label, name, price, options.get("stock"), options.get("limit"))


def _parse_deadline(value: str, line: str, now: datetime, tz: ZoneInfo) -> datetime:
    def bad(message: str, code: str) -> _Bad:
        return _Bad(HostError("closes_at", message, code, line))

    value = normalize(_WEEKDAY.sub("", value))
    year, month, day, end = _read_date(value, 0)
    if month is None:
        raise bad("write the deadline like '截止 11/30 20:00'", "bad_deadline")
    clock = time(23, 59)
    if m := _CLOCK.match(value, end):
        hour = int(m["h"] if m["h"] is not None else m["h2"])
        minute = int(m["mi"]) if m["mi"] is not None else (30 if m["half"] else 0)
        if hour < 12 and ({m["part"], (m["ampm"] or "").lower()} & _AFTERNOON):
            hour += 12  # 晚上8點, 8:00 pm
        if hour > 23 or minute > 59:
            raise bad(f"{m[0].strip()} is not a time of day", "bad_deadline")
        clock, end = time(hour, minute), m.end()
    if value[end:].strip() not in ("", "前", "止", "截止"):
        raise bad("write the deadline like '截止 11/30 20:00'", "bad_deadline")

    local_now = now.astimezone(tz)
    try:
        if year is not None:
            closes = datetime.combine(date(year, month, day), clock, tz)
        else:
            closes = _next_occurrence(month, day, clock, tz, local_now)
        closes = closes.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise bad(f"{month}/{day} is not a date", "bad_deadline") from None
    if closes <= now:
        raise bad("the deadline is in the past", "deadline_past")
    return closes


def _next_occurrence(month: int, day: int, clock: time, tz: ZoneInfo,
                     local_now: datetime) -> datetime:
    for year in range(local_now.year, local_now.year + 8):
        try:
            candidate = datetime.combine(date(year, month, day), clock, tz)
        except ValueError:
            continue  # 2/29 outside a leap year
        if candidate > local_now or local_now - candidate < _RECENT_PAST:
            return candidate  # in the future, or recently past (the caller reports it)
    raise ValueError(f"{month}/{day}")


def _parse_pickup(value: str, line: str,
                  closes_on: date) -> tuple[date | None, date | None, str | None]:
    def bad(message: str, code: str = "bad_pickup") -> _Bad:
        return _Bad(HostError("pickup", message, code, line))

    value = normalize(_WEEKDAY.sub("", value))
    if not value:
        raise bad("write the pickup like '取貨 12/2-12/5 本店'", "missing_pickup")
    year, month, day, end = _read_date(value, 0)
    if month is None:
        return None, None, value  # a place only
    until_year, until_month, until_day = year, month, day
    if m := _RANGE.match(value, end):
        y2, m2, d2, end2 = _read_date(value, m.end())
        if m2 is not None:
            until_year, until_month, until_day, end = y2, m2, d2, end2
        elif d := _DAY.match(value, m.end()):
            until_day, end = int(d["d"]), d.end()  # "12/2-5"
    place = value[end:].strip() or None
    try:
        start = _on_or_after(year, month, day, closes_on)
        finish = _on_or_after(until_year, until_month, until_day, start)
    except (ValueError, OverflowError):
        raise bad("the pickup dates are not real dates") from None
    if start < closes_on:
        raise bad("pickup starts before the deadline", "pickup_before_deadline")
    if finish < start:
        raise bad("pickup ends before it starts", "pickup_reversed")
    return start, finish, place


def _on_or_after(year: int | None, month: int, day: int, anchor: date) -> date:
    if year is not None:
        return date(year, month, day)
    for candidate_year in range(anchor.year, anchor.year + 8):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= anchor:
            return candidate
    raise ValueError(f"{month}/{day}")


def _read_date(text: str, pos: int) -> tuple[int | None, int | None, int, int]:
    """(year, month, day, end) of a date at `pos`, or (None, None, 0, pos)."""
    if m := _YMD.match(text, pos):
        return int(m["y"]), int(m["m"]), int(m["d"]), m.end()
    if m := _MD.match(text, pos):
        return None, int(m["m"]), int(m["d"]), m.end()
    return None, None, 0, pos
