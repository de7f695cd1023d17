"""/api for the counter: lookup, orders, add-ons, payments, handover, walk-in sales.

Thin: each operation checks the role and parses its command; the route calls one commerce
service and renders the result. Refusals are domain errors, mapped to the one error shape by ``api.py``.
"""
from __future__ import annotations

from aiohttp import web

from commerce import commands, corrections, discounts, orders, payments, pickup, sales, views
from commerce import lookup as lookups
from commerce.db import utcnow
from commerce.staff import role_at_least
from commerce.states import Role
from pickup_counter.api import ROLE, actor, json_response, operation, path_int

routes = web.RouteTableDef()


def _order_id(request: web.Request) -> int:
    return orders.parse_number(request.match_info["number"])


@operation(routes, "GET", "/api/lookup", role=Role.CASHIER, answer=views.LookupView, query=commands.LookupQuery,
           summary="Find buyers and their open orders by phone (full or last 3+ digits), order number, pickup QR "
                   "token or name")
async def lookup(request: web.Request, query: commands.LookupQuery) -> web.Response:
    return json_response(await lookups.lookup(query.q))


@operation(routes, "GET", "/api/orders", role=Role.CASHIER, answer=views.OrderList, query=commands.OrderSearch,
           summary="Any order, past ones too, newest first (at most 50): those of the buyers q names and the one "
                   "it numbers; without q the latest. Find a handed-over order to reprint its receipt")
async def find_orders(request: web.Request, query: commands.OrderSearch) -> web.Response:
    return json_response(await lookups.find_orders(query.q, query.only))


@operation(routes, "GET", "/api/orders/{number}", role=Role.CASHIER, answer=views.OrderView,
           summary="An order with lines, payments, total, paid, balance")
async def get_order(request: web.Request) -> web.Response:
    return json_response(await orders.order_view(_order_id(request)))


@operation(routes, "POST", "/api/orders/{number}/lines", role=Role.CASHIER, body=commands.ItemRef,
           answer=views.AddedLine, status=201,
           summary="Add an item on the spot from the campaign's shared stock (409 sold_out)")
async def add_line(request: web.Request, body: commands.ItemRef) -> web.Response:
    order_id = _order_id(request)
    line = await sales.add_on(order_id, body, actor=actor(request), now=utcnow())
    view = await orders.order_view(order_id)
    return json_response({"line": next(l for l in view["lines"] if l["id"] == line.id), "order": view}, status=201)


@operation(routes, "PATCH", "/api/orders/{number}/lines/{line}", role=Role.CASHIER, body=commands.LineChange,
           answer=views.OrderView, summary="Correct a line before handover: lower its qty, or 0 to remove it; the "
                                           "stock returns to the earliest waitlisted buyers. Taking back what was "
                                           "already paid for is a manager's (403 for a cashier)")
async def change_line(request: web.Request, body: commands.LineChange) -> web.Response:
    order_id = _order_id(request)
    await corrections.change_line(order_id, path_int(request, "line"), body, role=request[ROLE],
                                  actor=actor(request), now=utcnow())
    return json_response(await orders.order_view(order_id))


@operation(routes, "POST", "/api/orders/{number}/lines/{line}/void", role=Role.CASHIER, body=commands.LineVoid,
           body_required=False, answer=views.OrderView,
           summary="Void a line before handover (a mistaken tap): the stock returns to the earliest waitlisted "
                   "buyers. Voiding what was already paid for is a manager's (403 for a cashier)")
async def void_line(request: web.Request, body: commands.LineVoid) -> web.Response:
    order_id = _order_id(request)
    await corrections.change_line(order_id, path_int(request, "line"), commands.LineChange(qty=0),
                                  role=request[ROLE], actor=actor(request), now=utcnow(), reason=body.reason)
    return json_response(await orders.order_view(order_id))


@operation(routes, "POST", "/api/orders/{number}/payments", role=Role.CASHIER, body=commands.NewPayment,
           answer=views.TakenPayment, status=201,
           summary="Take a payment: the answer has its change and the order's balance after it. More than is due "
                   "is 409 overpayment, which also makes a double-clicked full payment count once")
async def take_payment(request: web.Request, body: commands.NewPayment) -> web.Response:
    order_id = _order_id(request)
    p = await payments.record_payment(order_id, body, actor=actor(request), now=utcnow())
    return json_response({"id": p.id, "order_number": str(p.order_id), "method": p.method, "amount": p.amount,
                          "tendered": p.tendered, "change": p.change or 0, "status": p.status,
                          "created_at": p.created_at, "balance": await payments.balance_of(order_id)}, status=201)


@operation(routes, "POST", "/api/orders/{number}/refunds", role=Role.MANAGER, body=commands.Refund,
           answer=views.MoneyBack, status=201, summary="Give money back on an order (cash, card, LINE Pay, JKO Pay, "
                                                       "transfer) with why: a negative payment the day's takings net; "
                                                       "409 refund_too_large beyond what was paid")
async def refund(request: web.Request, body: commands.Refund) -> web.Response:
    order_id = _order_id(request)
    given = await payments.refund(order_id, body, actor=actor(request), now=utcnow())
    view = await orders.order_view(order_id)
    return json_response({"payment": next(p for p in view["payments"] if p["id"] == given.id), "order": view},
                         status=201)


@operation(routes, "POST", "/api/payments/{id}/void", role=Role.MANAGER, body=commands.VoidPayment,
           answer=views.MoneyBack, summary="Void a payment taken by mistake, with why (it stays on record as void)")
async def void_payment(request: web.Request, body: commands.VoidPayment) -> web.Response:
    voided = await payments.void_payment(path_int(request), actor=actor(request), reason=body.reason, now=utcnow())
    view = await orders.order_view(voided.order_id)
    return json_response({"payment": next(p for p in view["payments"] if p["id"] == voided.id), "order": view})


@operation(routes, "POST", "/api/orders/{number}/discounts", role=Role.CASHIER, body=commands.NewDiscount,
           answer=views.DiscountGiven, status=201,
           summary=f"Take money off an open order's total with why: a discount, or 抹零 (kind rounding). A cashier "
                   f"gives at most {discounts.CASHIER_LIMIT} off an order in all (403 beyond: a manager's); never "
                   f"more than is due (409 discount_too_large: money back is a refund)")
async def give_discount(request: web.Request, body: commands.NewDiscount) -> web.Response:
    order_id = _order_id(request)
    given = await discounts.add_discount(order_id, body, role=request[ROLE], actor=actor(request), now=utcnow())
    view = await orders.order_view(order_id)
    return json_response({"discount": next(d for d in view["discounts"] if d["id"] == given.id), "order": view},
                         status=201)


@operation(routes, "POST", "/api/discounts/{id}/void", role=Role.MANAGER, body=commands.VoidDiscount,
           answer=views.DiscountGiven, summary="Void a discount given by mistake, with why (it stays on record)")
async def void_discount(request: web.Request, body: commands.VoidDiscount) -> web.Response:
    voided = await discounts.void_discount(path_int(request), body, actor=actor(request), now=utcnow())
    view = await orders.order_view(voided.order_id)
    return json_response({"discount": next(d for d in view["discounts"] if d["id"] == voided.id), "order": view})


@operation(routes, "POST", "/api/orders/{number}/handover", role=Role.CASHIER, body=commands.Handover,
           body_required=False, answer=views.HandedOver, status=201,
           summary="Hand the order over (409 balance_due unless a manager sends force; 409 already_handed_over)")
async def hand_over(request: web.Request, body: commands.Handover) -> web.Response:
    order_id = _order_id(request)
    done = await pickup.hand_over(order_id=order_id, actor=actor(request), now=utcnow(), force=body.force,
                                  may_force=role_at_least(request[ROLE], "manager"))
    handover = {"id": done.id, "forced": done.forced, "balance_at_handover": done.balance_at_handover,
                "actor": done.actor, "created_at": done.created_at}
    return json_response({"handover": handover, "order": await orders.order_view(order_id)}, status=201)


@operation(routes, "POST", "/api/sales", role=Role.CASHIER, body=commands.NewSale, answer=views.OrderView, status=201,
           summary="A walk-in sale of leftovers, paid in full (the payments add up to the total): the order, "
                   "handed over")
async def walk_in_sale(request: web.Request, body: commands.NewSale) -> web.Response:
    order = await sales.walk_in_sale(body, actor=actor(request), now=utcnow())
    return json_response(await orders.order_view(order.id), status=201)


@operation(routes, "GET", "/api/sales/leftovers", role=Role.CASHIER, answer=views.Leftovers,
           query=commands.LeftoversQuery, summary="Items a walk-in may buy: with stock left, or with no cap (left null)")
async def leftovers(request: web.Request, query: commands.LeftoversQuery) -> web.Response:
    items = [
        {"id": r["id"], "label": r["label"], "name": r["name"], "price": r["price"], "barcode": r["barcode"],
         "left": r["left_qty"], "campaign": {"code": r["code"], "title": r["title"]}}
        for r in await sales.leftovers(include_sold_out=query.sold_out)
    ]
    return json_response({"items": items})
