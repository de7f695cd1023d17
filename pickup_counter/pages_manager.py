"""The manager pages under /manager: campaigns, orders, pick list, transfers, bank import, report,
undelivered replies.

Reading pages render on the server from the commerce services the API uses (Jinja2
autoescape: buyer names are untrusted text). Every write goes from the page's script
(static/manager.js; a campaign's own page also static/campaign_edit.js) through /api with PO.api — session, CSRF token, Idempotency-Key — so
pages and scripts share one write path and one set of rules.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from commerce import bank_import, buyers, campaigns, credits, orders, outbox, pushes, reports, transfer_split
from commerce.db import utcnow
from commerce.errors import NotFound
from pickup_counter.api_campaigns import month_bounds
from pickup_counter.web import ZONE, page

routes = web.RouteTableDef()
MANAGER: dict[str, Any] = {"role": "manager", "areas": ("manager",)}
ORDER_FILTERS = ("all", "unpaid", "not_picked_up")
CHART_WIDTH = 100  # the bar of the day's biggest method, in the track's viewBox units; the others in proportion


def _zone_key(request: web.Request) -> str:
    zone = request.app[ZONE]
    return getattr(zone, "key", None) or str(zone)


def _campaign_id(request: web.Request) -> int:
    return int(request.match_info["id"])  # the route allows 1–9 digits only


@routes.get("/manager")
async def manager_home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/manager/campaigns")


@routes.get("/manager/campaigns")
@page("manager_campaigns.html", **MANAGER)
async def campaigns_page(request: web.Request) -> dict[str, Any]:
    zone = request.app[ZONE]
    today = utcnow().astimezone(zone).date()
    # A new campaign's suggested deadline: three days from now, 20:00 in the shop's zone.
    suggested = datetime.combine(today + timedelta(days=3), time(20, 0))
    return {
        "campaigns": await campaigns.list_campaigns(),
        "groups": await campaigns.known_groups(),
        "hosts": await buyers.hosts(),  # chosen by display name; the API still takes the LINE id
        "zone_name": _zone_key(request),
        "suggested_deadline": suggested.strftime("%Y-%m-%dT%H:%M"),
        "now_local": utcnow().astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
    }


@routes.get(r"/manager/campaigns/{id:\d{1,9}}")
@page("manager_campaign.html", **MANAGER)
async def campaign_page(request: web.Request) -> dict[str, Any]:
    campaign_id = _campaign_id(request)
    show = request.query.get("show", "all")
    if show not in ORDER_FILTERS:
        show = "all"
    try:
        detail = await campaigns.campaign_detail(campaign_id)
        views = await orders.campaign_orders(campaign_id, unpaid=show == "unpaid",
                                             not_picked_up=show == "not_picked_up")
    except NotFound:
        raise web.HTTPNotFound() from None
    return {"campaign": detail, "orders": views, "show": show, "filters": ORDER_FILTERS,
            "zone_name": _zone_key(request), "next_label": _next_label(detail["items"])}


def _next_label(items: list[dict[str, Any]]) -> str:
    """The add-item form's suggested label: the first letter no item uses."""
    used = {i["label"] for i in items}
    return next((c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used), "")


@routes.get(r"/manager/campaigns/{id:\d{1,9}}/picklist")
@page("manager_picklist.html", **MANAGER)
async def picklist_page(request: web.Request) -> dict[str, Any]:
    try:
        data = await reports.pick_list(_campaign_id(request))
    except NotFound:
        raise web.HTTPNotFound() from None
    return {"pick": data, "printed_at": utcnow(), "zone_name": _zone_key(request)}


@routes.get("/manager/transfers")
@page("manager_transfers.html", **(MANAGER | {"areas": ("manager", "checkout")}))
async def transfers_page(request: web.Request) -> dict[str, Any]:
    transfers = await bank_import.list_transfers("reported")
    return {"transfers": transfers, "window_days": bank_import.WINDOW_DAYS, "zone_name": _zone_key(request),
            "split_choices": await transfer_split.split_choices(transfers),
            "credits": await credits.orders_with_credit()}


@routes.get("/manager/replies")
@page("manager_replies.html", **MANAGER)
async def replies_page(request: web.Request) -> dict[str, Any]:
    """Answers the bot could not deliver (the reply token lapsed and the buyer has not added
    the bot, so no 1:1 push): staff tell these buyers their order was taken."""
    return {"untold": await outbox.untold(), "zone_name": _zone_key(request)}


@routes.get("/manager/pushes")
@page("manager_pushes.html", **MANAGER)
async def pushes_page(request: web.Request) -> dict[str, Any]:
    """Pushes held over the month's budget (or LINE's monthly limit): send anyway or drop."""
    return {"held": await pushes.held(), "zone_name": _zone_key(request)}


def _chart(by_method: dict[str, int]) -> list[dict[str, Any]]:
    """One bar per method, biggest first; the biggest fills its track (the length is an SVG
    attribute: the CSP allows no inline style)."""
    top = max(by_method.values(), default=0)
    return [
        {"method": method, "amount": amount, "width": round(amount / top * CHART_WIDTH, 1) if top > 0 else 0}
        for method, amount in sorted(by_method.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


@routes.get("/manager/reports")
@page("manager_reports.html", **MANAGER)
async def reports_page(request: web.Request) -> dict[str, Any]:
    zone = request.app[ZONE]
    today = utcnow().astimezone(zone).date()
    error = ""
    raw = request.query.get("date", "")
    day = today
    if raw:
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            error = raw
    report = await reports.daily_report(day, zone)
    names = {c["id"]: c for c in await campaigns.list_campaigns(ids={i["campaign_id"] for i in report["by_item"]})}
    start, end = month_bounds(day.strftime("%Y-%m"), zone)
    pushes = await outbox.push_counts(start, end)
    return {
        "day": day,
        "today": today,
        "bad_date": error,
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat() if day < today else "",
        "report": report,
        "bars": _chart(report["takings"]["by_method"]),
        "campaign_names": names,
        "month": start.strftime("%Y-%m"),
        "month_pushes": pushes,
        "month_pushes_total": sum(c["pushes"] for c in pushes.values()),
        "month_billed_total": sum(c["billed"] for c in pushes.values()),
        "zone_name": _zone_key(request),
    }
