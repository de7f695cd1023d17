"""/api for shifts: open the drawer with a float, close it with the cash counted, read and
print the Z report (an X report while the shift is open)."""
from __future__ import annotations

from aiohttp import web

from commerce import commands, shifts, views
from commerce.db import utcnow
from commerce.errors import NotFound
from commerce.models import Shift
from commerce.states import Role
from devices.print_queue import enqueue_zreport, job_result
from pickup_counter.api import actor, after_write, device_answer, json_response, operation, path_int
from pickup_counter.api_receipts import PRINT_QUEUE

routes = web.RouteTableDef()


@operation(routes, "GET", "/api/shifts", role=Role.CASHIER, answer=views.ShiftList,
           summary="Your open shift's figures so far, and the latest shifts")
async def list_shifts(request: web.Request) -> web.Response:
    current = await shifts.current_shift(actor(request))
    now = utcnow()
    return json_response({"current": await shifts.shift_report(current.id, now=now) if current else None,
                          "shifts": await shifts.recent_shifts()})


@operation(routes, "POST", "/api/shifts", role=Role.CASHIER, body=commands.ShiftOpen, answer=views.ZReport,
           status=201, summary="Open a shift for the signed-in staff with the float in the drawer (409 shift_open "
                               "while one of theirs is open)")
async def open_shift(request: web.Request, body: commands.ShiftOpen) -> web.Response:
    now = utcnow()
    shift = await shifts.open_shift(actor(request), body, now=now)
    return json_response(await shifts.shift_report(shift.id, now=now), status=201)


@operation(routes, "POST", "/api/shifts/current/close", role=Role.CASHIER, body=commands.ShiftClose,
           answer=views.ZReport, summary="Close your open shift with the cash counted: the Z report (takings by "
                                         "method, refunds, expected and counted cash, the difference); 409 "
                                         "no_shift when none is open")
async def close_shift(request: web.Request, body: commands.ShiftClose) -> web.Response:
    return json_response(await shifts.close_shift(actor(request), body, now=utcnow()))


@operation(routes, "GET", "/api/shifts/{id}", role=Role.CASHIER, answer=views.ZReport,
           summary="A shift's Z report as kept at its close; an open shift's figures so far")
async def get_shift(request: web.Request) -> web.Response:
    return json_response(await shifts.shift_report(path_int(request), now=utcnow()))


@operation(routes, "POST", "/api/shifts/{id}/print", role=Role.CASHIER, answer=views.PrintJobView, status=201,
           summary="Print the shift's report on the receipt printer (queued and retried if the printer is off)")
async def print_shift(request: web.Request) -> web.Response:
    if not await Shift.exists(id=path_int(request)):
        raise NotFound("no such shift", field="id")
    job = await enqueue_zreport(path_int(request), actor=actor(request), now=utcnow())
    return await after_write(request, job.id)


@device_answer("/api/shifts/{id}/print")
async def _printed(request: web.Request, job_id: int) -> web.Response:
    job = await request.app[PRINT_QUEUE].print_job(job_id)
    return json_response(job_result(job), status=201)
