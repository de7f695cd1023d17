"""/api for the manager: reported transfers, the bank statement import, the daily report.

``routes(zone)`` builds the table: the daily report and the matching window are days in
the shop's zone.
"""
from __future__ import annotations

import asyncio
from email import message_from_bytes
from email.policy import HTTP
from zoneinfo import ZoneInfo

from aiohttp import web

from commerce import bank_import, commands, reports, views
from commerce.db import utcnow
from commerce.errors import InvalidInput
from commerce.states import Role
from pickup_counter.api import actor, json_response, operation, path_int


def _form_file(content_type: str, body: bytes) -> bytes:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    form = message_from_bytes(head + body, policy=HTTP)
    parts = [p for p in form.iter_parts()] if form.is_multipart() else []
    chosen = next((p for p in parts if p.get_filename()), None) or next(
        (p for p in parts if p.get_param("name", header="content-disposition") == "file"), None)
    if chosen is None:
        raise InvalidInput("attach the bank statement as the file field", field="file")
    return chosen.get_payload(decode=True) or b""


async def statement_bytes(request: web.Request) -> bytes:
    """The uploaded file: the first file (or the ``file`` field) of a multipart form, or the
    raw body (text/csv). Read as bytes: the Idempotency-Key middleware may have read the
    body already, so the form is parsed from those bytes. A body announced as far over the
    statement limit is refused before it is read."""
    if (request.content_length or 0) > bank_import.MAX_STATEMENT_BYTES + 64 * 1024:  # room for a form's headers
        bank_import.check_size(request.content_length)
    body = await request.read()
    if request.content_type.startswith("multipart/"):
        body = await asyncio.to_thread(_form_file, request.headers.get("Content-Type", ""), body)  # ~0.1 s a MB
    if not body.strip():
        raise InvalidInput("send the bank statement CSV", field="file")
    return body


def routes(zone: ZoneInfo) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @operation(table, "GET", "/api/transfers", role=Role.MANAGER, answer=views.TransferList,
               query=commands.TransfersQuery, summary="Transfers by status (reported by default)")
    async def list_transfers(request: web.Request, query: commands.TransfersQuery) -> web.Response:
        return json_response({"transfers": await bank_import.list_transfers(query.status)})

    @operation(table, "POST", "/api/transfers/{id}/confirm", role=Role.MANAGER, answer=views.TransferView,
               summary="Confirm a reported transfer")
    async def confirm_transfer(request: web.Request) -> web.Response:
        return json_response(await bank_import.confirm(path_int(request), actor=actor(request), now=utcnow()))

    @operation(table, "POST", "/api/transfers/{id}/void", role=Role.MANAGER, body=commands.VoidTransfer,
               answer=views.TransferView, summary="Void a transfer the bank never showed")
    async def void_transfer(request: web.Request, body: commands.VoidTransfer) -> web.Response:
        return json_response(await bank_import.void(path_int(request), reason=body.reason, actor=actor(request),
                                                    now=utcnow()))

    @operation(table, "POST", "/api/bank-statements", role=Role.MANAGER, answer=views.ImportResult,
               errors=(400, 401, 403, 409, 413), form="the bank statement CSV (Big5 or UTF-8; ROC or ISO dates)",
               summary="Import a bank statement: stores its credit lines and confirms the reported transfers each "
                       "matches by last five digits and amount within the matching window")
    async def import_statement(request: web.Request) -> web.Response:
        result = await bank_import.import_statement(await statement_bytes(request), zone=zone, now=utcnow())
        return json_response(result)

    @operation(table, "GET", "/api/reports/daily", role=Role.MANAGER, answer=views.DailyReport, query=commands.DayQuery,
               summary="Takings by method and by item, orders and pickups of one day")
    async def daily_report(request: web.Request, query: commands.DayQuery) -> web.Response:
        return json_response(await reports.daily_report(query.date or utcnow().astimezone(zone).date(), zone))

    return table
