"""Receipts: print (or reprint) an order's receipt; open the cash drawer; read a print job
back; pickup QR images."""
from __future__ import annotations

from aiohttp import web

from commerce import commands, views
from commerce.db import utcnow
from commerce.errors import DomainError, NotFound
from commerce.lookup import member_by_token
from commerce.models import PrintJob
from commerce.orders import parse_number
from commerce.states import ErrorCode, PrintStatus, Role
from devices.print_queue import PrintQueue, enqueue_drawer, enqueue_receipt, job_result
from devices.qr import qr_png
from pickup_counter.api import (
    actor,
    after_write,
    device_answer,
    json_response,
    operation,
    path_int,
)

routes = web.RouteTableDef()
PRINT_QUEUE = web.AppKey("print_queue", PrintQueue)


@operation(routes, "POST", "/api/orders/{number}/receipt", role=Role.CASHIER, body=commands.PrintReceipt,
           body_required=False, answer=views.PrintJobView, status=201,
           summary="Print the order's receipt and try the printer at once; a printer that is off leaves the job "
                   "queued with its error (retried in the background), never an error for the sale")
async def print_receipt(request: web.Request, body: commands.PrintReceipt) -> web.Response:
    order_id = parse_number(request.match_info["number"])
    job = await enqueue_receipt(order_id, actor=actor(request), is_copy=body.copy_,
                                open_drawer=body.open_drawer and not body.copy_, now=utcnow())
    return await after_write(request, job.id)


@device_answer("/api/orders/{number}/receipt")
async def _receipt_tried(request: web.Request, job_id: int) -> web.Response:
    job = await request.app[PRINT_QUEUE].print_job(job_id)
    return json_response(job_result(job), status=201)


class DrawerNotOpened(DomainError):
    code = ErrorCode.PRINTER_UNAVAILABLE
    status = 503


@operation(routes, "POST", "/api/drawer/open", role=Role.CASHIER, answer=views.PrintJobView, status=201,
           errors=(401, 403, 503), summary="Open the cash drawer now (a print job of kind drawer records who asked); "
                                           "a printer that does not take it is 503 printer_unavailable, and the "
                                           "drawer is never opened later")
async def open_drawer(request: web.Request) -> web.Response:
    job = await enqueue_drawer(actor=actor(request), now=utcnow())
    return await after_write(request, job.id)


@device_answer("/api/drawer/open")
async def _drawer_tried(request: web.Request, job_id: int) -> web.Response:
    job = await request.app[PRINT_QUEUE].print_job(job_id)
    if job.status != PrintStatus.PRINTED:
        raise DrawerNotOpened(f"the drawer did not open: {job.last_error or job.status}", job=job_result(job))
    return json_response(job_result(job), status=201)


@operation(routes, "POST", "/api/print-jobs/{id}/retry", role=Role.CASHIER, answer=views.PrintJobView,
           summary="Try a queued job on the printer now (a receipt that waited while the printer was off), "
                   "rather than printing a second one; a job already printed prints nothing")
async def retry_print_job(request: web.Request) -> web.Response:
    if not await PrintJob.exists(id=path_int(request)):
        raise NotFound("no such print job", field="id")
    return json_response(job_result(await request.app[PRINT_QUEUE].print_job(path_int(request))))


@operation(routes, "GET", "/api/print-jobs/{id}", role=Role.CASHIER, answer=views.PrintJobDetail,
           summary="A print job with its last error and attempts")
async def get_print_job(request: web.Request) -> web.Response:
    job = await PrintJob.get_or_none(id=path_int(request))
    if job is None:
        raise NotFound("no such print job", field="id")
    return json_response(job_result(job) | {"order_number": str(job.order_id) if job.order_id else None,
                                            "attempts": job.attempts, "copy": job.is_copy})


@routes.get("/qr/{token}.png")
async def pickup_qr(request: web.Request) -> web.Response:
    """The buyer's pickup QR (what LINE shows as an image message). The token is random."""
    token = request.match_info["token"]
    try:
        await member_by_token(token)
    except NotFound:
        raise web.HTTPNotFound() from None
    return web.Response(body=qr_png(token), content_type="image/png",
                        headers={"Cache-Control": "private, max-age=86400"})
