"""The renderers that build the bot's LINE messages from commerce data, in zh-TW or en.

- `t(locale, key, **params)` looks a sentence up in the one catalogue (commerce.words, the
  bot's sentences in commerce/words/bot.py); an unknown locale falls back to zh-TW.
- `render_notification(template, params, locale, campaign=..., tz=...)` turns an outbox row
  into messages (a list: a long pick list becomes several texts, each within LINE's limit).
- The other functions render pieces the handlers share (order lines, summaries, times).

Text that users typed (display names, titles, item names, notes, places) is untrusted: LINE
text has no markup, so it goes out as typed, but `clean` drops control and format characters
(newlines, bidi overrides, zero-width marks) and caps its length first. Every renderer here
cleans what it interpolates; callers pass raw data.

Messages are plain dicts: `{"type": "text", "text": ...}` (optionally `"quote_token"`) and
`{"type": "image", "url": ..., "preview_url": ...}`.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from commerce.money import format_money
from commerce.words import CATALOGUE, t
from commerce.states import CampaignStatus, LineStatus
from commerce.words import index as _index

TEXT_LIMIT = 5000  # LINE's limit per text message (counted here in UTF-16 units, the stricter)
MESSAGES_PER_CALL = 5
NAME_LIMIT = 30  # LINE display names are at most 20 characters; leave room, cut floods
TITLE_LIMIT = 60
NOTE_LIMIT = 1000  # a campaign's note (commerce.commands.Note), per line
DEFAULT_TZ = ZoneInfo("Asia/Taipei")

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def host_problem(locale: str, code: str | None, message: str) -> str:
    """Why a host's 開團 cannot be opened: the catalogue's sentence for the grammar's code,
    else the grammar's own message."""
    key = f"host_problem.{code}"
    return t(locale, key) if key in CATALOGUE else message


# --- text hygiene and size ------------------------------------------------------------------

def clean(value: object, limit: int = NAME_LIMIT) -> str:
    """Untrusted text made safe to show: NFC, no control/format/private-use characters, one
    line, white space collapsed, at most `limit` characters (cut with "…")."""
    text = unicodedata.normalize("NFC", str(value or ""))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Zl", "Zp") or ch.isspace():
            kept.append(" ")
        elif category[0] != "C":  # Cc control, Cf format (bidi, zero-width), Cs, Co, Cn
            kept.append(ch)
    text = " ".join("".join(kept).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pack(lines: Iterable[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Join lines with newlines into as few texts as fit `limit` (UTF-16 units) each; a line
    never splits unless it alone is too long."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _hard_split(line, limit):
            extra = utf16_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append("\n".join(current))
                current, size = [], 0
                extra = utf16_len(piece)
            current.append(piece)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return chunks


def _hard_split(line: str, limit: int) -> list[str]:
    if utf16_len(line) <= limit:
        return [line]
    pieces, current, size = [], [], 0
    for ch in line:
        width = utf16_len(ch)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return pieces


def text_message(text: str, quote_token: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "text": text}
    if quote_token:
        message["quote_token"] = quote_token
    return message


def texts(lines: Sequence[str], *, locale: str = "zh-TW",
          limit_messages: int = MESSAGES_PER_CALL) -> list[dict[str, Any]]:
    """Lines as at most `limit_messages` text messages within LINE's size limit. Lines that do
    not fit are left out, and the last message says how many."""
    lines = list(lines)
    if len(pack(lines)) <= limit_messages:
        return [text_message(c) for c in pack(lines)]

    def with_note(kept: int) -> list[str]:
        return pack([*lines[:kept], t(locale, "more_not_shown", count=len(lines) - kept)])

    low, high = 0, len(lines)  # the most lines that fit, with the note, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if len(with_note(mid)) <= limit_messages:
            low = mid
        else:
            high = mid - 1
    return [text_message(c) for c in with_note(low)]


# --- times and places -----------------------------------------------------------------------

def _as_datetime(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def when(value: datetime | str, tz: ZoneInfo, locale: str) -> str:
    """`11/30（一）20:00` or `Mon 11/30 20:00`, in the shop's zone."""
    local = _as_datetime(value).astimezone(tz)
    if _index(locale) == 1:
        return f"{_EN_WEEKDAYS[local.weekday()]} {local.month}/{local.day} {local:%H:%M}"
    return f"{local.month}/{local.day}（{_ZH_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def clock(value: datetime | str, tz: ZoneInfo) -> str:
    return f"{_as_datetime(value).astimezone(tz):%H:%M}"


def _day(d: date, locale: str) -> str:
    if _index(locale) == 1:
        return f"{_EN_WEEKDAYS[d.weekday()]} {d.month}/{d.day}"
    return f"{d.month}/{d.day}（{_ZH_WEEKDAYS[d.weekday()]}）"


def pickup_window(pickup_from: date | str | None, pickup_until: date | str | None,
                  place: str | None, locale: str) -> str | None:
    """`12/2（三）–12/5（六） 本店`; None when neither dates nor place are set."""
    start, end = _as_date(pickup_from), _as_date(pickup_until)
    parts = []
    if start and end and end != start:
        parts.append(f"{_day(start, locale)}–{_day(end, locale)}")
    elif start or end:
        parts.append(_day(start or end, locale))
    if place and clean(place, TITLE_LIMIT):
        parts.append(clean(place, TITLE_LIMIT))
    return " ".join(parts) or None


# --- order pieces ---------------------------------------------------------------------------

def item_name(label: str, name: str) -> str:
    return f"{clean(label, 8)} {clean(name, TITLE_LIMIT)}"


def booked_line(locale: str, *, label: str, name: str, qty: int, status: str,
                position: int | None = None, note: str | None = None) -> str:
    item = item_name(label, name)
    if note and clean(note, TITLE_LIMIT):
        item = f"{item}（{clean(note, TITLE_LIMIT)}）"
    if status == LineStatus.RESERVED:
        return t(locale, "line_reserved", item=item, qty=qty)
    if status == LineStatus.WAITLISTED:
        if position:
            return t(locale, "line_waitlisted_at", item=item, qty=qty, position=position)
        return t(locale, "line_waitlisted", item=item, qty=qty)
    return t(locale, "line_cancelled", item=item, qty=qty)


def active_lines(view: dict[str, Any]) -> list[dict[str, Any]]:
    """An order view's reserved and waitlisted lines, merged per label, status and note."""
    merged: dict[tuple, dict[str, Any]] = {}
    for line in view["lines"]:
        if line["status"] not in (LineStatus.RESERVED, LineStatus.WAITLISTED):
            continue
        key = (line["label"], line["status"], line.get("note") or "")
        if key in merged:
            merged[key]["qty"] += line["qty"]
        else:
            merged[key] = {**line}
    return sorted(merged.values(), key=lambda l: (l["label"], l["status"] != LineStatus.RESERVED))


def order_summary(locale: str, view: dict[str, Any]) -> list[str]:
    """`訂單 #12 目前：` with each active line and the total, or `已全部取消`."""
    lines = active_lines(view)
    if not lines:
        return [t(locale, "order_all_cancelled", number=view["number"])]
    out = [t(locale, "order_now", number=view["number"])]
    out += [booked_line(locale, label=l["label"], name=l["name"], qty=l["qty"], status=l["status"],
                        note=l.get("note")) for l in lines]
    out.append(t(locale, "order_total", total=format_money(view["total"])))
    return out


def item_menu(items: Iterable[dict[str, Any]]) -> str:
    """`A 原味 $120` per line."""
    return "\n".join(f"{item_name(i['label'], i['name'])} {format_money(i['price'])}" for i in items)


def campaign_list(campaigns: Iterable[tuple[str, str]]) -> str:
    """`ABCD 草莓大福` per line, from (code, title) pairs."""
    return "\n".join(f"・{code} {clean(title, TITLE_LIMIT)}" for code, title in campaigns)


# --- notifications --------------------------------------------------------------------------

def render_notification(template: str, params: dict[str, Any], locale: str, *,
                        campaign: dict[str, Any] | None, tz: ZoneInfo = DEFAULT_TZ) -> list[dict]:
    """Messages for an outbox row. `campaign` is `commerce.campaigns.campaign_detail(...)`
    (required for `campaign_announcement`, optional otherwise); `tz` is the shop's zone.

    `pick_list` wants `params["pick_list"]` (from `commerce.reports.pick_list`) and may return
    more than 5 messages: send them as several pushes. Raises ValueError for an unknown
    template or missing data.

    Scheduled ones (commerce.reminders): `campaign_closed_group` and `closing_soon_group` need
    the campaign; `unpaid_reminder` and `pickup_reminder` render `params["orders"]`,
    `daily_reconciliation` renders `params["report"]` (commerce.reconciliation), `low_stock`
    its params (with the campaign's current figures when given). Each is one push.
    """
    if template == "waitlist_promoted":
        return [text_message(_promoted(params, locale, campaign))]
    if template == "waitlist_unfilled":
        return [text_message(waitlist_unfilled(params, locale, campaign))]
    if template == "stock_cut":
        text = t(locale, "stock_cut", item=item_name(str(params["label"]), str(params["name"])),
                 qty=int(params["qty"]), number=clean(params["order_number"], 12))
        if campaign is not None:
            text += "\n" + t(locale, "promoted_campaign", title=clean(campaign["title"], TITLE_LIMIT))
        return [text_message(text)]
    if template == "campaign_cancelled_group":
        if campaign is None:
            raise ValueError("campaign_cancelled_group needs the campaign")
        return [text_message(cancelled_notice(campaign, locale))]
    if template == "campaign_announcement":
        if campaign is None:
            raise ValueError("campaign_announcement needs the campaign")
        return [text_message(announcement(campaign, locale, tz))]
    if template == "pick_list":
        if "pick_list" not in params:
            raise ValueError("pick_list needs params['pick_list'] from commerce.reports.pick_list")
        head = None
        if params.get("closed_on_schedule"):  # the host hears of the close here, at no extra cost
            head = t(locale, "picklist_closed_push" if params.get("groups_told") == "push" else "picklist_closed_reply")
        return [text_message(c) for c in pick_list_texts(params["pick_list"], locale, head=head)]
    if template == "pushes_held":
        return [text_message(t(locale, "pushes_held_limit" if params.get("reason") == "LINE monthly limit"
                               else "pushes_held", month=clean(params.get("month", ""), 7)))]
    if template in _SCHEDULED:
        return _SCHEDULED[template](params, locale, campaign, tz)
    if template == "late_reply":
        return late_reply(params["messages"], locale)
    raise ValueError(f"unknown notification template {template!r}")


def late_reply(messages: list[dict[str, Any]], locale: str) -> list[dict]:
    """A reply LINE could no longer take (its token lapsed), sent 1:1 instead: what the
    buyer would have read, under a line saying it is late. At most 5 messages, one push."""
    texts = [m["text"] for m in messages if m.get("type") == "text" and m.get("text")]
    if not texts:
        return []
    texts[0] = t(locale, "late_reply") + "\n" + texts[0]
    return [text_message(x) for x in texts[:5]]


def _promoted(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None) -> str:
    text = t(locale, "promoted", item=item_name(str(params["label"]), str(params["name"])),
             qty=int(params["qty"]), number=clean(params["order_number"], 12))
    if campaign is not None:
        text += "\n" + t(locale, "promoted_campaign", title=clean(campaign["title"], TITLE_LIMIT))
    return text


def waitlist_unfilled(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None) -> str:
    """The one push to a buyer still waitlisted when the campaign closed (PLUSONE_WAITLIST_NOTICE=push)."""
    if campaign is None:
        raise ValueError("waitlist_unfilled needs the campaign")
    lines = [t(locale, "waitlist_unfilled", title=clean(campaign["title"], TITLE_LIMIT))]
    lines += [t(locale, "waitlist_unfilled_line", item=item_name(str(l["label"]), str(l["name"])), qty=int(l["qty"]))
              for l in params["lines"]]
    lines.append(t(locale, "waitlist_unfilled_tail"))
    return "\n".join(lines)


def announcement(campaign: dict[str, Any], locale: str, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The campaign's announcement: title, items, the host's note, deadline, pickup, how to
    order. One text within LINE's size: a long note is cut to fit."""
    lines = [t(locale, "announce_head", title=clean(campaign["title"], TITLE_LIMIT),
               code=campaign["code"])]
    for item in campaign["items"]:
        extras = []
        if item.get("stock") is not None:
            extras.append(t(locale, "announce_stock", n=item["stock"]))
        if item.get("limit_per_buyer") is not None:
            extras.append(t(locale, "announce_limit", n=item["limit_per_buyer"]))
        line = f"{item_name(item['label'], item['name'])} {format_money(item['price'])}"
        if extras:
            line += t(locale, "announce_extras", extras=t(locale, "list_separator").join(extras))
        lines.append(line)
    after_items = len(lines)
    lines.append(t(locale, "announce_deadline", time=when(campaign["closes_at"], tz, locale)))
    window = pickup_window(campaign.get("pickup_from"), campaign.get("pickup_until"),
                           campaign.get("pickup_place"), locale)
    if window:
        lines.append(t(locale, "announce_pickup", window=window))
    labels = [clean(i["label"], 8) for i in campaign["items"]]
    if len(labels) == 1:
        lines.append(t(locale, "announce_how_one"))
    else:
        lines.append(t(locale, "announce_how_many", first=labels[0],
                       example=f"{labels[0]}+1 {labels[1]}+2"))
    lines[after_items:after_items] = note_lines(campaign.get("note"), TEXT_LIMIT - utf16_len("\n".join(lines)))
    return "\n".join(lines)


def note_lines(note: str | None, room: int) -> list[str]:
    """A host's note (untrusted, several lines) as cleaned lines, blank ones dropped, that fit
    `room` UTF-16 units together with the newline before each; the last is cut with "…"."""
    out: list[str] = []
    for raw in (note or "").splitlines():
        line = clean(raw, NOTE_LIMIT)
        if not line:
            continue
        if utf16_len(line) + 1 > room:
            cut = _cut(line, room - 2)  # its newline and the "…"
            if cut:
                out.append(cut + "…")
            break
        out.append(line)
        room -= utf16_len(line) + 1
    return out


def _cut(text: str, units: int) -> str:
    """The longest start of `text` within `units` UTF-16 units."""
    size = 0
    for i, ch in enumerate(text):
        size += utf16_len(ch)
        if size > units:
            return text[:i].rstrip()
    return text


def pick_list_texts(data: dict[str, Any], locale: str, *, head: str | None = None) -> list[str]:
    """The pick list as texts within LINE's size limit: ``head`` (e.g. that the campaign closed
    on schedule), totals, then one line per buyer."""
    info = data["campaign"]
    lines = ([head] if head else []) + [
        t(locale, "picklist_head", title=clean(info["title"], TITLE_LIMIT), code=info["code"]),
        t(locale, "picklist_totals")]
    lines += [f"{item_name(i['label'], i['name'])} ×{i['qty']}" for i in data["items"]]
    lines.append(t(locale, "picklist_buyers", count=len(data["buyers"])))
    if not data["buyers"]:
        lines.append(t(locale, "picklist_none"))
    for buyer in data["buyers"]:
        who = " ".join(p for p in (f"#{buyer['number']}", clean(buyer["display_name"]),
                                   buyer.get("phone") or "") if p)
        packed = " ".join(f"{clean(l['label'], 8)}×{l['qty']}" for l in buyer["lines"])
        lines.append(t(locale, "picklist_buyer", who=who, lines=packed))
    chunks = pack(lines, TEXT_LIMIT - 40)  # room for the "continued" heading
    return [chunks[0]] + [t(locale, "picklist_continued", part=n) + "\n" + chunk
                          for n, chunk in enumerate(chunks[1:], start=2)]


# --- scheduled notifications (scheduler jobs; data from commerce.reminders) -----------------

def _need_campaign(template: str, campaign: dict[str, Any] | None) -> dict[str, Any]:
    if campaign is None:
        raise ValueError(f"{template} needs the campaign")
    return campaign


def _closed_group(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                  tz: ZoneInfo) -> list[dict]:
    return [text_message(closed_notice(_need_campaign("campaign_closed_group", campaign), locale))]


def closed_notice(campaign: dict[str, Any], locale: str) -> str:
    """The "已結單" notice to a group: by push (PLUSONE_CLOSE_NOTICE=push) or, by default, in
    the reply to the group's next message."""
    lines = [t(locale, "closed_group", title=clean(campaign["title"], TITLE_LIMIT))]
    window = pickup_window(campaign.get("pickup_from"), campaign.get("pickup_until"),
                           campaign.get("pickup_place"), locale)
    if window:
        lines.append(t(locale, "announce_pickup", window=window))
    lines.append(t(locale, "closed_group_orders"))
    return "\n".join(lines)


def changed_notice(campaign: dict[str, Any], locale: str, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """A change to a campaign (deadline, pickup, items, prices), told to a group by the reply to
    its next message: the announcement as it now stands."""
    head = t(locale, "changed_group", title=clean(campaign["title"], TITLE_LIMIT))
    if campaign["status"] == CampaignStatus.OPEN:
        return head + "\n" + announcement(campaign, locale, tz)
    # Closed: no "+1" any more; what still matters to the group is where and when to pick up.
    window = pickup_window(campaign.get("pickup_from"), campaign.get("pickup_until"),
                           campaign.get("pickup_place"), locale)
    return head + ("\n" + t(locale, "announce_pickup", window=window) if window else "")


def cancelled_notice(campaign: dict[str, Any], locale: str) -> str:
    """A cancelled campaign, told to a group once (by reply, or by push when the shop chose)."""
    lines = [t(locale, "cancelled_group", title=clean(campaign["title"], TITLE_LIMIT))]
    if campaign.get("cancel_reason"):
        lines.append(t(locale, "cancelled_reason", reason=clean(campaign["cancel_reason"], 300)))
    lines.append(t(locale, "cancelled_refund"))
    return "\n".join(lines)


def _closing_soon_group(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                        tz: ZoneInfo) -> list[dict]:
    campaign = _need_campaign("closing_soon_group", campaign)
    return [text_message(t(locale, "closing_soon_group", title=clean(campaign["title"], TITLE_LIMIT),
                           time=clock(campaign["closes_at"], tz)))]


def _unpaid(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    lines = [t(locale, "unpaid_head")]
    lines += [t(locale, "unpaid_order", number=clean(o["number"], 12), title=clean(o["title"], TITLE_LIMIT),
                due=format_money(o["due"])) for o in params["orders"]]
    lines.append(t(locale, "unpaid_how"))
    return texts(lines, locale=locale, limit_messages=1)


def _pickup(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    """Pickup reminders; orders of other campaigns with money due ride along (one push a day)."""
    lines = [t(locale, "pickup_head")]
    due_only = []
    for o in params["orders"]:
        number, title = clean(o["number"], 12), clean(o["title"], TITLE_LIMIT)
        if "first_day" not in o["kinds"] and "last_day" not in o["kinds"]:
            due_only.append(t(locale, "unpaid_order", number=number, title=title, due=format_money(o["due"])))
            continue
        if "first_day" in o["kinds"]:
            window = pickup_window(o.get("pickup_from"), o.get("pickup_until"), o.get("pickup_place"), locale)
            line = t(locale, "pickup_opens", number=number, title=title, window=window or "")
        else:
            line = t(locale, "pickup_last", number=number, title=title,
                     day=_day(_as_date(o["pickup_until"]), locale))
        if o.get("due"):
            line += t(locale, "pickup_due", due=format_money(o["due"]))
        lines.append(line)
    lines.append(t(locale, "pickup_how"))
    if due_only:
        lines += [t(locale, "unpaid_head"), *due_only, t(locale, "unpaid_how")]
    return texts(lines, locale=locale, limit_messages=1)


def _reconciliation(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None,
                    tz: ZoneInfo) -> list[dict]:
    report = params["report"]
    lines = [t(locale, "recon_head", day=_day(_as_date(report["date"]), locale))]
    through = report.get("statement_through")
    lines.append(t(locale, "recon_statement", day=_day(_as_date(through), locale)) if through
                 else t(locale, "recon_no_statement"))
    for c in report["campaigns"]:
        lines.append(t(locale, "recon_campaign", title=clean(c["title"], TITLE_LIMIT), code=c["code"],
                       orders=c["orders"], total=format_money(c["total"])))
        lines += _recon_figures(c, locale, names=True)
    if len(report["campaigns"]) > 1:
        totals = report["totals"]
        lines.append(t(locale, "recon_totals", campaigns=len(report["campaigns"]), orders=totals["orders"],
                       total=format_money(totals["total"])))
        lines += _recon_figures(totals, locale, names=False)
    return texts(lines, locale=locale)


def _recon_figures(figures: dict[str, Any], locale: str, *, names: bool) -> list[str]:
    def money(key: str) -> dict[str, Any]:
        return {"count": figures[key]["count"], "amount": format_money(figures[key]["amount"])}

    lines = [t(locale, "recon_paid", **money("paid")), t(locale, "recon_reported", **money("reported"))]
    if figures["not_found"]["count"]:
        lines.append(t(locale, "recon_not_found", **money("not_found")))
        if names:
            lines += [t(locale, "recon_transfer", number=clean(e["number"], 12), name=clean(e["name"]),
                        last5=clean(e["last5"], 5), amount=format_money(e["amount"]))
                      for e in figures["not_found"]["entries"]]
    if figures["unpaid"]["count"]:
        lines.append(t(locale, "recon_unpaid", **money("unpaid")))
        if names:
            lines += [t(locale, "recon_buyer", number=clean(e["number"], 12), name=clean(e["name"]),
                        amount=format_money(e["amount"])) for e in figures["unpaid"]["entries"]]
    if figures.get("credit", {}).get("count"):  # a report stored before credit was counted has none
        lines.append(t(locale, "recon_credit", **money("credit")))
        if names:
            lines += [t(locale, "recon_buyer", number=clean(e["number"], 12), name=clean(e["name"]),
                        amount=format_money(e["amount"])) for e in figures["credit"]["entries"]]
    lines.append(t(locale, "recon_not_picked_up", count=figures["not_picked_up"]["count"]))
    return lines


def _low_stock(params: dict[str, Any], locale: str, campaign: dict[str, Any] | None, tz: ZoneInfo) -> list[dict]:
    sold, cap, title = params["sold"], params["cap"], ""
    if campaign is not None:  # the figures as they are now, not when the alert was queued
        title = campaign["title"]
        current = next((i for i in campaign["items"] if i["label"] == params["label"]), None)
        if current is not None and current.get("stock"):
            sold, cap = current["sold"], current["stock"]
    return [text_message(t(locale, "low_stock", title=clean(title, TITLE_LIMIT),
                           item=item_name(params["label"], params["name"]), sold=sold, cap=cap,
                           percent=sold * 100 // cap if cap else 100))]


_SCHEDULED = {
    "campaign_closed_group": _closed_group,
    "closing_soon_group": _closing_soon_group,
    "unpaid_reminder": _unpaid,
    "pickup_reminder": _pickup,
    "daily_reconciliation": _reconciliation,
    "low_stock": _low_stock,
}
