"""/api for the manager: reported transfers, the bank statement import, the daily report.

``routes(zone)`` builds the table: the daily report and the matching window are days in
the shop's zone.
"""
from __future__ import annotations

import asyncio
from datetime import date
from email import message_from_bytes
from email.policy import HTTP
from zoneinfo import ZoneInfo

from aiohttp import web

from commerce import bank_import, reports
from commerce.db import utcnow
from commerce.errors import InvalidInput
from pickup_counter.api import actor, json_body, json_response, path_int, require


def _day(value: str | None, zone: ZoneInfo) -> date:
    if value is None:
        return utcnow().astimezone(zone).date()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("a date like 2026-11-24", field="date") from None


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

    @table.get("/api/transfers")
    async def list_transfers(request: web.Request) -> web.Response:
        require(request, "manager")
        status = request.query.get("status", "reported")
        return json_response({"transfers": await bank_import.list_transfers(status)})

    @table.post("/api/transfers/{id}/confirm")
    async def confirm_transfer(request: web.Request) -> web.Response:
        require(request, "manager")
        return json_response(await bank_import.confirm(path_int(request), actor=actor(request), now=utcnow()))

    @table.post("/api/transfers/{id}/void")
    async def void_transfer(request: web.Request) -> web.Response:
        require(request, "manager")
        payment_id = path_int(request)
        data = await json_body(request)
        return json_response(await bank_import.void(payment_id, reason=data.get("reason"), actor=actor(request),
                                                    now=utcnow()))

    @table.post("/api/bank-statements")
    async def import_statement(request: web.Request) -> web.Response:
        """``{"batch", "matched", "ambiguous", "unmatched", "duplicates"}``."""
        require(request, "manager")
        result = await bank_import.import_statement(await statement_bytes(request), zone=zone, now=utcnow())
        return json_response(result)

    @table.get("/api/reports/daily")
    async def daily_report(request: web.Request) -> web.Response:
        require(request, "manager")
        return json_response(await reports.daily_report(_day(request.query.get("date"), zone), zone))

    return table
