"""/api/campaigns: list, open, read, edit, close, orders, pick list; the month's LINE pushes.
Thin: the operation parses, one service acts, the view is rendered."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web

from commerce import campaigns, commands, host_edits, orders, pushes, reports, views
from commerce.db import utcnow
from commerce.states import Role
from pickup_counter.api import actor, json_response, operation, path_int
from pickup_counter.i18n import lang_of
from pickup_counter.web import BUDGET, LOCALE, ZONE

routes = web.RouteTableDef()


@operation(routes, "GET", "/api/campaigns", role=Role.CASHIER, answer=views.CampaignList, query=commands.CampaignsQuery,
           summary="Campaigns, open ones first (soonest deadline first), each with its order count and per item "
                   "stock, sold and waitlisted")
async def list_campaigns(request: web.Request, query: commands.CampaignsQuery) -> web.Response:
    return json_response({"campaigns": await campaigns.list_campaigns(status=query.status)})


@operation(routes, "POST", "/api/campaigns", role=Role.MANAGER, body=commands.CampaignSpec, answer=views.CampaignView,
           status=201, summary="Open a campaign and queue its announcement (its cost in announcement_cost)")
async def open_campaign(request: web.Request, body: commands.CampaignSpec) -> web.Response:
    campaign = await campaigns.open_campaign(body, now=utcnow())
    detail = await campaigns.campaign_detail(campaign.id)
    if body.announce and body.group_ids:  # what the announcement push costs (GET /api/announcement-cost before)
        detail["announcement_cost"] = await pushes.announcement_cost(list(body.group_ids))
    return json_response(detail, status=201)


@operation(routes, "GET", "/api/campaigns/{id}", role=Role.CASHIER, answer=views.CampaignView,
           summary="A campaign with stock, sold and waitlisted per item")
async def get_campaign(request: web.Request) -> web.Response:
    return json_response(await campaigns.campaign_detail(path_int(request)))


@operation(routes, "PATCH", "/api/campaigns/{id}", role=Role.MANAGER, body=commands.CampaignEdit,
           answer=views.CampaignView, summary="Move an open campaign's deadline (409 once it is closed), or change "
                                              "its pickup window or place")
async def edit_campaign(request: web.Request, body: commands.CampaignEdit) -> web.Response:
    campaign = await campaigns.edit_campaign(path_int(request), body, now=utcnow(), actor=actor(request))
    return json_response(await campaigns.campaign_detail(campaign.id))


@operation(routes, "POST", "/api/campaigns/{id}/close", role=Role.MANAGER, answer=views.CampaignView,
           summary="Close a campaign now; each of its groups is told by the reply to its next message")
async def close_campaign(request: web.Request) -> web.Response:
    campaign = await campaigns.close_campaign(path_int(request), now=utcnow(), actor=actor(request))
    return json_response(await campaigns.campaign_detail(campaign.id))


@operation(routes, "POST", "/api/campaigns/{id}/items", role=Role.MANAGER, body=commands.ItemSpec,
           answer=views.CampaignView, status=201, summary="Add an item to an open campaign; its groups are told by "
                                                          "the reply to their next message")
async def add_item(request: web.Request, body: commands.ItemSpec) -> web.Response:
    campaign_id = path_int(request)
    await host_edits.add_item(campaign_id, body, now=utcnow(), actor=actor(request))
    return json_response(await campaigns.campaign_detail(campaign_id), status=201)


@operation(routes, "PATCH", "/api/campaigns/{id}/items/{item_id}", role=Role.MANAGER, body=commands.ItemEdit,
           answer=views.ItemChanged, summary="Change an item's name, price or stock: a raise gives units to the "
                                             "waitlist in stamp order, a cut below sold waitlists the newest lines")
async def edit_item(request: web.Request, body: commands.ItemEdit) -> web.Response:
    campaign_id = path_int(request)
    change = await host_edits.edit_item(campaign_id, path_int(request, "item_id"), body, now=utcnow(),
                                        actor=actor(request))
    detail = await campaigns.campaign_detail(campaign_id)
    return json_response({**detail, "promoted": change.promoted, "cut": change.cut})


@operation(routes, "POST", "/api/campaigns/{id}/cancel", role=Role.MANAGER, body=commands.CampaignCancel,
           answer=views.CampaignCancelled, summary="Cancel a campaign: stock returned, each group told once (by "
                                                   "reply, free, or by push), buyers with money paid listed")
async def cancel_campaign(request: web.Request, body: commands.CampaignCancel) -> web.Response:
    campaign_id = path_int(request)
    await campaigns.cancel_campaign(campaign_id, now=utcnow(), actor=actor(request), reason=body.reason,
                                    notify=body.notify)
    refunds = await campaigns.refunds_of(campaign_id)
    return json_response({"campaign": await campaigns.campaign_detail(campaign_id), "refunds": refunds,
                          "refund_total": sum(r["paid"] for r in refunds)})


@operation(routes, "GET", "/api/campaigns/{id}/orders", role=Role.CASHIER, answer=views.OrderList,
           query=commands.CampaignOrdersQuery, summary="Orders of a campaign (or ?format=csv, UTF-8 with a BOM for "
                                                       "Excel, headers in the page's language or ?lang=)",
           csv="the orders as CSV: one row per order, one column per item")
async def campaign_orders(request: web.Request, query: commands.CampaignOrdersQuery) -> web.Response:
    campaign_id = path_int(request)
    found = await orders.campaign_orders(campaign_id, unpaid=query.unpaid, not_picked_up=query.not_picked_up)
    if query.format == "csv":
        detail = await campaigns.campaign_detail(campaign_id)
        lang = query.lang or lang_of(request, request.app[LOCALE])
        rows = reports.order_rows(detail["items"], found, lang, request.app[ZONE])
        return _csv(rows, f"orders-{detail['code']}.csv")
    return json_response({"orders": found})


def _csv(rows: list[list], filename: str) -> web.Response:
    return web.Response(body=reports.csv_bytes(rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@operation(routes, "GET", "/api/campaigns/{id}/picklist", role=Role.CASHIER, answer=views.PickList,
           query=commands.PickListQuery, summary="Pick list: what to pick per item and per buyer (or ?format=csv, "
                                                 "UTF-8 with a BOM for Excel)", csv="the pick list as CSV")
async def pick_list(request: web.Request, query: commands.PickListQuery) -> web.Response:
    data = await reports.pick_list(path_int(request))
    if query.format == "csv":  # headers in the shop's language: the list is printed for the shop
        return _csv(reports.pick_list_rows(data, request.app[LOCALE]), f"picklist-{data['campaign']['code']}.csv")
    return json_response(data)


def month_bounds(month: str | None, zone) -> tuple[datetime, datetime]:
    """The month ``YYYY-MM`` (default: this month) as UTC-aware [start, end) in the shop's zone."""
    first = date.fromisoformat(f"{month}-01") if month else utcnow().astimezone(zone).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, datetime.min.time(), zone),
            datetime.combine(following, datetime.min.time(), zone))


@operation(routes, "GET", "/api/reports/pushes", role=Role.MANAGER, answer=views.PushReport, query=commands.MonthQuery,
           summary="LINE pushes sent in a month of the shop's zone (default this month), billed as LINE bills them, "
                   "beside LINE's own figures")
async def push_report(request: web.Request, query: commands.MonthQuery) -> web.Response:
    start, end = month_bounds(query.month, request.app[ZONE])
    return json_response(await pushes.summary(start, end, month=start.strftime("%Y-%m"),
                                              budget=request.app.get(BUDGET)))


@operation(routes, "GET", "/api/pushes/held", role=Role.MANAGER, answer=views.HeldPushes,
           summary="Pushes held over the month's budget or LINE's monthly limit")
async def held_pushes(request: web.Request) -> web.Response:
    return json_response({"held": await pushes.held()})


@operation(routes, "POST", "/api/pushes/{id}/send", role=Role.MANAGER, answer=views.PushDecision,
           summary="Send a held push anyway, over the budget")
async def send_held_push(request: web.Request) -> web.Response:
    await pushes.send_anyway(path_int(request), actor=actor(request), now=utcnow())
    return json_response({"id": path_int(request), "status": "pending"})


@operation(routes, "POST", "/api/pushes/{id}/drop", role=Role.MANAGER, answer=views.PushDecision,
           summary="Drop a held push: it is never sent")
async def drop_held_push(request: web.Request) -> web.Response:
    await pushes.drop(path_int(request), actor=actor(request), now=utcnow())
    return json_response({"id": path_int(request), "status": "dropped"})


@operation(routes, "GET", "/api/announcement-cost", role=Role.MANAGER, answer=views.AnnouncementCost,
           query=commands.GroupsQuery, summary="What announcing a campaign by push in these groups would cost before "
                                               "it is opened (a host's 公告 in the group announces by a free reply)")
async def announcement_cost(request: web.Request, query: commands.GroupsQuery) -> web.Response:
    return json_response(await pushes.announcement_cost(query.ids))
