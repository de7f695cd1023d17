"""/api for settling several orders of one buyer at once, splitting a transfer over a buyer's
orders, and moving credit between them. Thin: each route calls one commerce service."""
from __future__ import annotations

from aiohttp import web

from commerce import (
    bank_import,
    checkout,
    commands,
    credits,
    orders,
    transfer_split,
    views,
)
from commerce.db import utcnow
from commerce.states import Role
from devices.print_queue import enqueue_checkout_receipt, job_result
from pickup_counter.api import (
    actor,
    after_write,
    device_answer,
    json_response,
    operation,
    path_int,
)
from pickup_counter.api_receipts import PRINT_QUEUE

routes = web.RouteTableDef()


@operation(routes, "POST", "/api/checkouts", role=Role.CASHIER, body=commands.NewCheckout, answer=views.CheckoutView,
           status=201, errors=(400, 401, 403, 404, 409), summary="Settle several open orders of one buyer at once, all or nothing: the payments must "
                               "add up to the sum of their balances (409 payment_mismatch), the orders are one "
                               "buyer's (409 other_buyer) and open (409 invalid_state); hand_over hands them over")
async def new_checkout(request: web.Request, body: commands.NewCheckout) -> web.Response:
    done = await checkout.checkout(body, actor=actor(request), now=utcnow())
    return json_response(await checkout.checkout_view(done.id), status=201)


@operation(routes, "GET", "/api/checkouts/{id}", role=Role.CASHIER, answer=views.CheckoutView,
           summary="A checkout of several orders: the orders as they are now, the payments as given")
async def get_checkout(request: web.Request) -> web.Response:
    return json_response(await checkout.checkout_view(path_int(request)))


@operation(routes, "POST", "/api/checkouts/{id}/receipt", role=Role.CASHIER, body=commands.PrintReceipt,
           body_required=False, answer=views.PrintJobView, status=201,
           summary="Print the checkout's one receipt (each order's lines, one total, the payments and change) "
                   "through the print queue; a second one is a copy")
async def print_checkout_receipt(request: web.Request, body: commands.PrintReceipt) -> web.Response:
    job = await enqueue_checkout_receipt(path_int(request), actor=actor(request), open_drawer=body.open_drawer,
                                         now=utcnow())
    return await after_write(request, job.id)


@device_answer("/api/checkouts/{id}/receipt")
async def _receipt_tried(request: web.Request, job_id: int) -> web.Response:
    job = await request.app[PRINT_QUEUE].print_job(job_id)
    return json_response(job_result(job), status=201)


@operation(routes, "POST", "/api/transfers/{id}/split", role=Role.MANAGER, body=commands.SplitTransfer,
           answer=views.SplitView, status=201,
           summary="Split a reported or confirmed transfer over open orders of its buyer: the amounts add up to "
                   "the transfer (409 payment_mismatch), each at most that order's balance (409 overpayment); "
                   "the transfer stays on record as split, each part points to it")
async def split(request: web.Request, body: commands.SplitTransfer) -> web.Response:
    transfer, parts = await transfer_split.split_transfer(path_int(request), body, actor=actor(request), now=utcnow())
    shown = await bank_import.transfer_views([transfer, *parts])
    return json_response({"transfer": shown[0], "parts": shown[1:]}, status=201)


@operation(routes, "POST", "/api/orders/{number}/credit-moves", role=Role.MANAGER, body=commands.MoveCredit,
           answer=views.CreditMoved, status=201,
           summary="Move an order's credit (paid beyond its total) to another open order of the same buyer, with "
                   "why: -amount on one, +amount on the other, in one transaction (409 credit_too_large, "
                   "overpayment, other_buyer)")
async def move_credit(request: web.Request, body: commands.MoveCredit) -> web.Response:
    out, into = await credits.move_credit(orders.parse_number(request.match_info["number"]), body,
                                          actor=actor(request), now=utcnow())
    return json_response({"source": await orders.order_view(out.order_id),
                          "target": await orders.order_view(into.order_id)}, status=201)
