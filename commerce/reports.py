"""Pick lists and daily reports."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from commerce.errors import NotFound
from commerce.models import Campaign, Discount, Handover, Item, Member, Order, OrderLine, Payment
from commerce.phones import display_phone
from commerce.states import DiscountStatus, LineStatus, PaymentMethod, PaymentStatus
from commerce.words import t


async def pick_list(campaign_id: int) -> dict[str, Any]:
    """Per item the total to prepare, per buyer what to pack (reserved lines only)."""
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise NotFound("no such campaign", field="id")
    items = await Item.filter(campaign_id=campaign_id).order_by("position", "id")
    by_id = {i.id: i for i in items}
    # The campaign's orders only: a walk-in sale of its leftovers is no order to pack.
    lines = await (OrderLine.filter(item__campaign_id=campaign_id, order__campaign_id=campaign_id,
                                    status=LineStatus.RESERVED).order_by("order_id", "id"))
    orders = {o.id: o for o in await Order.filter(campaign_id=campaign_id)}
    members = {m.id: m for m in await Member.filter(id__in={o.member_id for o in orders.values() if o.member_id})}
    per_item: dict[int, int] = defaultdict(int)
    per_order: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        per_item[line.item_id] += line.qty
        per_order[line.order_id][line.item_id] += line.qty
    buyers = []
    for order_id, qtys in per_order.items():
        member = members.get(orders[order_id].member_id)
        buyers.append({
            "number": str(order_id),
            "display_name": member.display_name if member else "",
            "phone": display_phone(member.phone) if member and member.phone else None,
            "lines": [{"label": by_id[i].label, "name": by_id[i].name, "qty": q}
                      for i, q in sorted(qtys.items(), key=lambda kv: (by_id[kv[0]].position, kv[0]))],
        })
    return {
        "campaign": {"id": campaign.id, "code": campaign.code, "title": campaign.title, "status": campaign.status},
        "items": [{"label": i.label, "name": i.name, "qty": per_item.get(i.id, 0)} for i in items],
        "buyers": buyers,
    }


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (``=`` ``+`` ``-`` ``@``,
    tab, carriage return) gets a leading ``'`` (OWASP CSV injection), since buyer names are untrusted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a number, a negative one too, stays a number
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(rows: list[list[Any]]) -> str:
    """Rows as CSV text, every cell made safe for spreadsheets. The one way exports write CSV."""
    out = io.StringIO()
    csv.writer(out).writerows([[spreadsheet_cell(c) for c in row] for row in rows])
    return out.getvalue()


def pick_list_rows(data: dict[str, Any], locale: str = "zh-TW") -> list[list[str]]:
    """The pick list as spreadsheet rows: one row per buyer, one column per item; headers in
    ``locale`` (the shop's: the list is printed for the shop)."""
    labels = [i["label"] for i in data["items"]]
    header = [t(locale, "people.csv.order"), t(locale, "people.csv.buyer"), t(locale, "people.csv.phone")] \
        + [f"{i['label']} {i['name']}" for i in data["items"]]
    rows = [header]
    for b in data["buyers"]:
        qty = {l["label"]: l["qty"] for l in b["lines"]}
        rows.append([b["number"], b["display_name"], b["phone"] or ""] + [str(qty.get(lb, "")) for lb in labels])
    rows.append(["", t(locale, "people.csv.sum"), ""] + [str(i["qty"]) for i in data["items"]])
    return rows


def order_rows(items: list[dict[str, Any]], views: list[dict[str, Any]], locale: str, tz: ZoneInfo) -> list[list[Any]]:
    """A campaign's orders as spreadsheet rows: one per order, one column per item (the
    reserved quantity), the waitlisted lines, the money and the state; headers in ``locale``.
    Times in the shop's zone ``tz``."""
    head = [t(locale, f"people.csv.{k}") for k in ("order", "buyer", "phone", "line_id")]
    tail = [t(locale, f"people.csv.{k}") for k in ("waitlisted", "total", "paid", "balance", "status", "created_at")]
    rows: list[list[Any]] = [head + [f"{i['label']} {i['name']}" for i in items] + tail]
    for v in views:
        reserved: dict[int, int] = defaultdict(int)
        waiting: list[str] = []
        for line in v["lines"]:
            if line["status"] == LineStatus.RESERVED:
                reserved[line["item_id"]] += line["qty"]
            elif line["status"] == LineStatus.WAITLISTED:
                waiting.append(f"{line['label']} ×{line['qty']}")
        member = v["member"] or {}
        created = datetime.fromisoformat(v["created_at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        rows.append([v["number"], member.get("display_name", ""), member.get("phone") or "",
                     member.get("line_user_id") or ""]
                    + [reserved.get(i["id"], "") for i in items]
                    + ["; ".join(waiting), v["total"], v["paid"], v["balance"],
                       t(locale, f"people.csv.order.{v['status']}"), created])
    return rows


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """What a CSV download sends: UTF-8 with a BOM (Excel then opens the Chinese intact), CRLF rows."""
    return ("\ufeff" + to_csv(rows)).encode("utf-8")


async def daily_report(day: date, tz: ZoneInfo) -> dict[str, Any]:
    """Takings by method and by item, orders and pickups for one day in the shop's zone."""
    start = datetime.combine(day, time(0), tz).astimezone(timezone.utc)
    end = start + timedelta(days=1)
    # Credit moved between orders is money already taken (commerce/credits.py), not takings.
    pays = await Payment.filter(status=PaymentStatus.CONFIRMED, decided_at__gte=start, decided_at__lt=end).exclude(
        method=PaymentMethod.CREDIT)
    by_method: dict[str, int] = defaultdict(int)
    refunds: dict[str, int] = defaultdict(int)
    for p in pays:
        by_method[p.method] += p.amount
        if p.amount < 0:
            refunds[p.method] -= p.amount
    discounts = await Discount.filter(status=DiscountStatus.ACTIVE, created_at__gte=start, created_at__lt=end
                                      ).values_list("amount", flat=True)
    lines = await OrderLine.filter(created_at__gte=start, created_at__lt=end,
                                   status=LineStatus.RESERVED).prefetch_related("item")
    by_item: dict[tuple, dict[str, int]] = defaultdict(lambda: {"qty": 0, "amount": 0})
    for line in lines:
        key = (line.item.campaign_id, line.item.label, line.item.name) if line.item else (0, "", line.name or "")
        by_item[key]["qty"] += line.qty
        by_item[key]["amount"] += line.qty * line.unit_price
    return {
        "date": day.isoformat(),
        "takings": {"total": sum(by_method.values()), "by_method": dict(sorted(by_method.items()))},
        "refunds": {"total": sum(refunds.values()), "by_method": dict(sorted(refunds.items()))},
        "discounts": sum(discounts),
        "by_item": [{"campaign_id": k[0] or None, "label": k[1], "name": k[2], **v} for k, v in sorted(by_item.items())],
        "orders": await Order.filter(created_at__gte=start, created_at__lt=end).count(),
        "pickups": await Handover.filter(created_at__gte=start, created_at__lt=end).count(),
    }
