"""The OpenAPI document for /api (kept next to the routes it describes)."""
from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, role: str | None, *, body: str | None = None, ok: int = 200, errors=(400, 401, 403, 404, 409),
        params: tuple = ()) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary + (f" (role: {role})" if role else ""),
        "responses": {str(ok): {"description": "OK"}} | {str(e): {"description": "error", "content": {
            "application/json": {"schema": ERROR}}} for e in errors},
    }
    if role:
        op["security"] = [{"bearer": []}]
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}}}
        op["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}]
    if params:
        op.setdefault("parameters", []).extend(params)
    return op


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str, *, required: bool = False, fmt: str | None = None) -> dict[str, Any]:
    schema = {"type": "string"} | ({"format": fmt} if fmt else {})
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _counter_schemas() -> dict[str, Any]:
    item_ref = {"type": "object", "description": "a barcode, or an item_id; qty defaults to 1", "properties": {
        "barcode": {"type": "string"}, "item_id": {"type": "integer"}, "qty": {"type": "integer", "minimum": 1}}}
    payment = {"type": "object", "required": ["method", "amount"], "properties": {
        "method": {"enum": ["cash", "card", "linepay", "jkopay", "transfer"]},
        "amount": {"type": "integer", "minimum": 1},
        "tendered": {"type": ["integer", "null"], "description": "cash handed over; the answer carries the change"}}}
    return {
        "ItemRef": item_ref,
        "NewPayment": payment,
        "Handover": {"type": "object", "properties": {"force": {
            "type": "boolean", "default": False, "description": "hand over with a balance due (manager only)"}}},
        "NewSale": {"type": "object", "required": ["lines", "payments"], "properties": {
            "lines": {"type": "array", "items": item_ref}, "payments": {"type": "array", "items": payment}}},
        "VoidTransfer": {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
    }


def _counter_paths() -> dict[str, Any]:
    statement = _op("Import a bank statement CSV (Big5 or UTF-8; ROC or ISO dates): stores its credit lines and "
                    "confirms the reported transfers each matches by last five digits and amount within 3 days; "
                    "answers {batch, matched, ambiguous, unmatched, duplicates}", "manager")
    statement["requestBody"] = {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        "text/csv": {"schema": {"type": "string"}}}}
    statement["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}]
    handover = _op("Hand the order over (409 balance_due unless a manager sends force; 409 already_handed_over); "
                   "answers {handover, order}", "cashier", body="Handover", ok=201, params=(NUMBER,))
    handover["requestBody"]["required"] = False
    return {
        "/api/lookup": {"get": _op("Find buyers and their open orders by phone (full or last 3+ digits), order number, "
                                   "pickup QR token or name", "cashier",
                                   params=(_query("q", "what was typed or scanned", required=True),))},
        "/api/orders/{number}": {"get": _op("An order with lines, payments, total, paid, balance", "cashier",
                                            params=(NUMBER,))},
        "/api/orders/{number}/lines": {"post": _op(
            "Add an item on the spot from the campaign's shared stock (409 sold_out); answers {line, order}",
            "cashier", body="ItemRef", ok=201, params=(NUMBER,))},
        "/api/orders/{number}/payments": {"post": _op(
            "Take a payment (409 overpayment beyond the balance); answers the payment with change and balance",
            "cashier", body="NewPayment", ok=201, params=(NUMBER,))},
        "/api/orders/{number}/handover": {"post": handover},
        "/api/sales": {"post": _op("A walk-in sale of leftovers, paid in full (payments must add up to the total); "
                                   "answers the order", "cashier", body="NewSale", ok=201)},
        "/api/sales/leftovers": {"get": _op("Items with stock left that a walk-in may buy (?sold_out=1: also the "
                                             "sold-out ones, with left 0)", "cashier",
                                             params=(_query("sold_out", "1 to include sold-out items"),))},
        "/api/transfers": {"get": _op("Transfers by status (reported by default)", "manager",
                                      params=(_query("status", "reported, confirmed or void"),))},
        "/api/transfers/{id}/confirm": {"post": _op("Confirm a reported transfer", "manager", params=(ID,))},
        "/api/transfers/{id}/void": {"post": _op("Void a transfer the bank never showed", "manager",
                                                 body="VoidTransfer", params=(ID,))},
        "/api/bank-statements": {"post": statement},
        "/api/reports/daily": {"get": _op("Takings by method and by item, orders and pickups of one day", "manager",
                                          params=(_query("date", "YYYY-MM-DD in the shop's zone; default today",
                                                         fmt="date"),))},
    }


def document() -> dict[str, Any]:
    item = {"type": "object", "required": ["label", "name", "price"], "properties": {
        "label": {"type": "string"}, "name": {"type": "string"}, "price": {"type": "integer", "minimum": 0},
        "stock": {"type": ["integer", "null"], "minimum": 0}, "limit_per_buyer": {"type": ["integer", "null"]},
        "barcode": {"type": ["string", "null"]}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "PlusOne API", "version": "0.1.0"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"],
                          "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                         "field": {"type": "string"}}}}},
                "Item": item,
                "NewCampaign": {"type": "object", "required": ["title", "items", "closes_at"], "properties": {
                    "title": {"type": "string"}, "group_ids": {"type": "array", "items": {"type": "string"}},
                    "host_user_id": {"type": ["string", "null"]}, "closes_at": {"type": "string", "format": "date-time"},
                    "pickup_from": {"type": ["string", "null"], "format": "date"},
                    "pickup_until": {"type": ["string", "null"], "format": "date"},
                    "pickup_place": {"type": "string"}, "items": {"type": "array", "items": item},
                    "announce": {"type": "boolean", "default": True}}},
                "CampaignEdit": {"type": "object", "description": "any of these; the others stay as they are",
                                 "properties": {"closes_at": {"type": "string", "format": "date-time"},
                                                "pickup_from": {"type": "string", "format": "date"},
                                                "pickup_until": {"type": "string", "format": "date"},
                                                "pickup_place": {"type": "string"}}},
            } | _counter_schemas(),
        },
        "paths": {
            "/api/campaigns": {"post": _op("Open a campaign and queue its announcement", "manager", body="NewCampaign", ok=201),
                               "get": _op("Campaigns, open ones first, each with its order count and per item stock, "
                                          "sold and waitlisted; answers {campaigns}", "cashier",
                                          params=(_query("status", "open, closed or cancelled"),))},
            "/api/campaigns/{id}": {"get": _op("A campaign with stock, sold and waitlisted per item", "cashier", params=(ID,)),
                                    "patch": _op("Move an open campaign's deadline (409 once it is closed), or change "
                                                 "its pickup window or place; answers the campaign", "manager",
                                                 body="CampaignEdit", params=(ID,))},
            "/api/campaigns/{id}/close": {"post": _op("Close a campaign now", "manager", params=(ID,))},
            "/api/campaigns/{id}/orders": {"get": _op("Orders of a campaign (?unpaid=1, ?not_picked_up=1)", "cashier", params=(ID,))},
            "/api/campaigns/{id}/picklist": {"get": _op("Pick list (JSON, or ?format=csv)", "cashier", params=(ID,))},
            "/api/orders/{number}/receipt": {"post": _op(
                "Print the order's receipt ({\"copy\": true} reprints, marked COPY); answers the print job "
                "{id, status: printed|queued|failed, error}", "cashier", ok=201,
                params=({"name": "number", "in": "path", "required": True, "schema": {"type": "string"}},))},
            "/api/print-jobs/{id}": {"get": _op("A print job with its last error and attempts", "cashier", params=(ID,))},
            "/api/drawer/open": {"post": _op(
                "Open the cash drawer now (a print job of kind drawer records who asked); answers the job "
                "{id, status: printed, error}; a printer that does not take it is 503 printer_unavailable, "
                "and the drawer is never opened later", "cashier", ok=201, errors=(401, 403, 503))},
            "/api/reports/pushes": {"get": _op("LINE pushes sent in a month, billed as LINE bills them (once per "
                                               "recipient, a group push once per member), beside LINE's own "
                                               "figures; answers {month, pushes, billed, quota, used_by_line, "
                                               "budget, held, by_template, templates}", "manager",
                                               params=(_query("month", "YYYY-MM in the shop's zone; default this month"),))},
            "/api/pushes/held": {"get": _op("Pushes held over the month's budget or LINE's monthly limit; "
                                            "answers {held: [...]}", "manager")},
            "/api/pushes/{id}/send": {"post": _op("Send a held push anyway, over the budget", "manager")},
            "/api/pushes/{id}/drop": {"post": _op("Drop a held push: it is never sent", "manager")},
            "/api/announcement-cost": {"get": _op(
                "What announcing by push in these groups would cost (members per group, as read from LINE); "
                "a host's 公告 in the group announces by a free reply instead", "manager",
                params=(_query("group_ids", "LINE group ids separated by commas", required=True),))},
            "/api/openapi.json": {"get": _op("This document", None, errors=())},
        } | _counter_paths(),
    }
