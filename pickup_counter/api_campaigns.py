"""/api/campaigns: list, open, read, edit, close, orders, pick list; the month's LINE pushes.
Thin: parse, call one service, render."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from commerce import campaigns, orders, pushes, reports
from commerce.db import utcnow
from commerce.errors import InvalidInput
from pickup_counter.api import actor, json_body, json_response, path_int, require
from pickup_counter.web import BUDGET, ZONE

routes = web.RouteTableDef()


def _datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput("a date and time like 2026-11-30T20:00:00+08:00", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("a date and time like 2026-11-30T20:00:00+08:00", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput("the time needs a zone, like +08:00", field=field)
    return parsed


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput("a date like 2026-12-02", field=field)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput("a date like 2026-12-02", field=field) from None


def _str(data: dict, name: str, *, default: str = "", field: str | None = None) -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", field=field or name)
    return value


def parse_spec(data: dict[str, Any]) -> campaigns.CampaignSpec:
    items = data.get("items")
    if not isinstance(items, list):
        raise InvalidInput("items must be a list", field="items")
    specs = []
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise InvalidInput("each item is an object", field=f"items[{i}]")
        barcode = raw.get("barcode")
        specs.append(campaigns.ItemSpec(
            label=_str(raw, "label", field=f"items[{i}].label"),
            name=_str(raw, "name", field=f"items[{i}].name"),
            price=raw.get("price"),
            stock=raw.get("stock"),
            limit_per_buyer=raw.get("limit_per_buyer"),
            barcode=str(barcode) if barcode not in (None, "") else None,
        ))
    group_ids = data.get("group_ids", [])
    if not isinstance(group_ids, list) or not all(isinstance(g, str) and g for g in group_ids):
        raise InvalidInput("group_ids is a list of LINE group ids", field="group_ids")
    announce = data.get("announce", True)
    if not isinstance(announce, bool):
        raise InvalidInput("announce is true or false", field="announce")
    host = data.get("host_user_id")
    if host is not None and not isinstance(host, str):
        raise InvalidInput("host_user_id is a LINE user id", field="host_user_id")
    return campaigns.CampaignSpec(
        title=_str(data, "title"),
        items=specs,
        closes_at=_datetime(data.get("closes_at"), "closes_at"),
        pickup_from=_date(data.get("pickup_from"), "pickup_from"),
        pickup_until=_date(data.get("pickup_until"), "pickup_until"),
        pickup_place=_str(data, "pickup_place"),
        host_line_user_id=host or None,
        group_ids=tuple(group_ids),
        announce=announce,
    )


@routes.get("/api/campaigns")
async def list_campaigns(request: web.Request) -> web.Response:
    """``{"campaigns": [...]}``: open ones first; ``?status=open|closed|cancelled``."""
    require(request, "cashier")
    status = request.query.get("status") or None
    return json_response({"campaigns": await campaigns.list_campaigns(status=status)})


@routes.post("/api/campaigns")
async def open_campaign(request: web.Request) -> web.Response:
    require(request, "manager")
    spec = parse_spec(await json_body(request))
    campaign = await campaigns.open_campaign(spec, now=utcnow())
    detail = await campaigns.campaign_detail(campaign.id)
    if spec.announce and spec.group_ids:  # what the announcement push costs (GET /api/announcement-cost before)
        detail["announcement_cost"] = await pushes.announcement_cost(list(spec.group_ids))
    return json_response(detail, status=201)


@routes.get("/api/campaigns/{id}")
async def get_campaign(request: web.Request) -> web.Response:
    require(request, "cashier")
    return json_response(await campaigns.campaign_detail(path_int(request)))


EDITABLE = ("closes_at", "pickup_from", "pickup_until", "pickup_place")


@routes.patch("/api/campaigns/{id}")
async def edit_campaign(request: web.Request) -> web.Response:
    """Any of closes_at (open campaigns only), pickup_from, pickup_until, pickup_place."""
    require(request, "manager")
    campaign_id = path_int(request)
    data = await json_body(request)
    for name in data:
        if name not in EDITABLE:
            raise InvalidInput(f"{name} cannot be changed here; send {', '.join(EDITABLE)}", field=name)
    closes_at = _datetime(data["closes_at"], "closes_at") if data.get("closes_at") is not None else None
    place = data.get("pickup_place")
    if place is not None and not isinstance(place, str):
        raise InvalidInput("pickup_place must be text", field="pickup_place")
    campaign = await campaigns.edit_campaign(
        campaign_id, closes_at=closes_at, pickup_from=_date(data.get("pickup_from"), "pickup_from"),
        pickup_until=_date(data.get("pickup_until"), "pickup_until"), pickup_place=place,
        now=utcnow(), actor=actor(request),
    )
    return json_response(await campaigns.campaign_detail(campaign.id))


@routes.post("/api/campaigns/{id}/close")
async def close_campaign(request: web.Request) -> web.Response:
    require(request, "manager")
    campaign = await campaigns.close_campaign(path_int(request), now=utcnow(), actor=actor(request))
    return json_response(await campaigns.campaign_detail(campaign.id))


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true", "yes")


@routes.get("/api/campaigns/{id}/orders")
async def campaign_orders(request: web.Request) -> web.Response:
    require(request, "cashier")
    views = await orders.campaign_orders(
        path_int(request), unpaid=_flag(request, "unpaid"), not_picked_up=_flag(request, "not_picked_up")
    )
    return json_response({"orders": views})


@routes.get("/api/campaigns/{id}/picklist")
async def pick_list(request: web.Request) -> web.Response:
    require(request, "cashier")
    data = await reports.pick_list(path_int(request))
    if request.query.get("format") == "csv":
        # UTF-8 with a BOM: Excel opens it with the Chinese intact.
        return web.Response(
            body=("\ufeff" + reports.to_csv(reports.pick_list_rows(data))).encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="picklist-{data["campaign"]["code"]}.csv"'},
        )
    return json_response(data)


def month_bounds(month: str | None, zone) -> tuple[datetime, datetime]:
    """The month ``YYYY-MM`` (default: this month) as UTC-aware [start, end) in the shop's zone."""
    if month in (None, ""):
        first = utcnow().astimezone(zone).date().replace(day=1)
    else:
        try:
            if len(month) != 7:
                raise ValueError(month)
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise InvalidInput("a month like 2026-11", field="month") from None
    following = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, datetime.min.time(), zone),
            datetime.combine(following, datetime.min.time(), zone))


@routes.get("/api/reports/pushes")
async def push_report(request: web.Request) -> web.Response:
    """``{"month", "pushes", "billed", "quota", "used_by_line", "budget", "held", "by_template",
    "templates"}``: LINE pushes sent in a month of the shop's zone, billed as LINE bills them
    (once per recipient: a group push once per member), beside LINE's own figures."""
    require(request, "manager")
    start, end = month_bounds(request.query.get("month"), request.app[ZONE])
    return json_response(await pushes.summary(start, end, month=start.strftime("%Y-%m"),
                                              budget=request.app.get(BUDGET)))


@routes.get("/api/pushes/held")
async def held_pushes(request: web.Request) -> web.Response:
    """``{"held": [...]}``: pushes kept back (over the month's budget, or LINE's monthly limit)."""
    require(request, "manager")
    return json_response({"held": await pushes.held()})


@routes.post("/api/pushes/{id}/send")
async def send_held_push(request: web.Request) -> web.Response:
    """Send a held push anyway, over the budget (manager)."""
    require(request, "manager")
    await pushes.send_anyway(path_int(request), actor=actor(request), now=utcnow())
    return json_response({"id": path_int(request), "status": "pending"})


@routes.post("/api/pushes/{id}/drop")
async def drop_held_push(request: web.Request) -> web.Response:
    """Never send a held push (manager)."""
    require(request, "manager")
    await pushes.drop(path_int(request), actor=actor(request), now=utcnow())
    return json_response({"id": path_int(request), "status": "dropped"})


@routes.get("/api/announcement-cost")
async def announcement_cost(request: web.Request) -> web.Response:
    """What announcing a campaign by push in ``?group_ids=C1,C2`` would cost before it is opened:
    ``{"groups": [{"group_id", "members"}], "billed", "unknown"}`` (a host's 公告 in the group
    announces it by a free reply instead)."""
    require(request, "manager")
    ids = [g for g in request.query.get("group_ids", "").replace(" ", ",").split(",") if g]
    if not ids:
        raise InvalidInput("group_ids: LINE group ids separated by commas", field="group_ids")
    return json_response(await pushes.announcement_cost(ids))
