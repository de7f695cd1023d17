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
            },
        },
        "paths": {
            "/api/campaigns": {"post": _op("Open a campaign and queue its announcement", "manager", body="NewCampaign", ok=201)},
            "/api/campaigns/{id}": {"get": _op("A campaign with stock, sold and waitlisted per item", "cashier", params=(ID,))},
            "/api/campaigns/{id}/close": {"post": _op("Close a campaign now", "manager", params=(ID,))},
            "/api/campaigns/{id}/orders": {"get": _op("Orders of a campaign (?unpaid=1, ?not_picked_up=1)", "cashier", params=(ID,))},
            "/api/campaigns/{id}/picklist": {"get": _op("Pick list (JSON, or ?format=csv)", "cashier", params=(ID,))},
            "/api/orders/{number}/receipt": {"post": _op(
                "Print the order's receipt ({\"copy\": true} reprints, marked COPY); answers the print job "
                "{id, status: printed|queued|failed, error}", "cashier", ok=201,
                params=({"name": "number", "in": "path", "required": True, "schema": {"type": "string"}},))},
            "/api/print-jobs/{id}": {"get": _op("A print job with its last error and attempts", "cashier", params=(ID,))},
            "/api/openapi.json": {"get": _op("This document", None, errors=())},
        },
    }
