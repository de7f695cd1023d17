"""The OpenAPI document is generated from the operations' models, validates, and describes
every route; the API answers every bad field of a body at once."""
from __future__ import annotations

import copy

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from commerce import views
from commerce.states import ErrorCode
from pickup_counter.api import OPERATIONS, json_response, operation
from pickup_counter.openapi import document
from tests.api_contract import Contract
from tests.api_helpers import bearer
from tests.test_api_campaigns import CAMPAIGN


async def test_the_document_validates_and_has_an_operation_for_every_api_route(client):
    doc = await (await client.get("/api/openapi.json")).json()

    validate(doc)
    routes = {(r.method, r.resource.canonical) for r in client.app.router.routes()
              if r.resource.canonical.startswith("/api") and r.method != "HEAD"}
    assert routes == {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}


def test_every_operation_has_a_schema_for_its_answer_its_body_and_its_refusals():
    doc = document()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (method, path)
            for status in ok:
                assert "schema" in op["responses"][status]["content"]["application/json"], (method, path, status)
            for status in (s for s in op["responses"] if s[0] in "45"):
                assert op["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"}
            if (method.upper(), path) in OPERATIONS and OPERATIONS[(method.upper(), path)].body is not None:
                assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"], (method, path)


def test_the_error_code_is_an_enum_of_every_code_and_commands_forbid_unknown_fields():
    schemas = document()["components"]["schemas"]

    assert set(schemas["ErrorCode"]["enum"]) == {c.value for c in ErrorCode}
    assert schemas["CampaignSpec"]["additionalProperties"] is False
    assert schemas["PrintReceipt"]["properties"].keys() == {"copy", "open_drawer"}  # open_drawer was undocumented
    assert schemas["NewPayment"]["properties"]["method"] == {"$ref": "#/components/schemas/PaymentMethod"}


async def test_every_bad_field_of_a_body_is_answered_at_once(client):
    data = copy.deepcopy(CAMPAIGN)
    data["title"] = ""
    data["items"][1]["price"] = -5
    data["items"][0]["label"] = "太長的標籤"
    data["surprise"] = 1

    resp = await client.post("/api/campaigns", json=data, headers=await bearer("manager"))

    error = (await resp.json())["error"]
    assert resp.status == 400 and error["code"] == "invalid"
    assert [f["field"] for f in error["fields"]] == ["title", "items[0].label", "items[1].price", "surprise"]
    assert error["field"] == "title" and error["message"] == error["fields"][0]["message"]


async def test_a_walk_in_sale_names_the_bad_line_and_payment_by_their_place(client):
    body = {"lines": [{"barcode": "471A"}, {"qty": 2}], "payments": [{"method": "bitcoin", "amount": 10}]}

    resp = await client.post("/api/sales", json=body, headers=await bearer("cashier"))

    fields = [f["field"] for f in (await resp.json())["error"]["fields"]]
    assert resp.status == 400 and fields == ["lines[1].barcode", "payments[0].method"]


@pytest.fixture
def wrong_route():
    """A route that answers what its operation does not declare (removed after the test)."""
    table = web.RouteTableDef()

    @operation(table, "GET", "/api/test-only/wrong", role=None, answer=views.PushDecision, summary="wrong on purpose")
    async def wrong(request: web.Request) -> web.Response:
        return json_response({"id": "seven", "status": "pending", "extra": True})

    yield table
    del OPERATIONS[("GET", "/api/test-only/wrong")]


async def test_the_contract_check_catches_an_answer_the_document_does_not_describe(wrong_route):
    from aiohttp.test_utils import TestClient, TestServer

    app = web.Application()
    app.router.add_routes(wrong_route)
    contract = Contract.watch(app)
    async with TestClient(TestServer(app)) as raw:
        assert (await raw.get("/api/test-only/wrong")).status == 200

    assert len(contract.problems) == 2, contract.problems  # id is not an integer; extra is not a field
    assert any("'seven' is not of type 'integer'" in p for p in contract.problems)
    assert any("'extra' was unexpected" in p for p in contract.problems)


def test_the_pages_scripts_name_error_codes_only_through_the_one_list():
    import pathlib
    import re

    static = pathlib.Path(__file__).resolve().parent.parent / "pickup_counter" / "static"
    scripts = {p.name: p.read_text(encoding="utf-8") for p in static.glob("*.js")}
    codes = {c.name for c in ErrorCode} | {"NETWORK"}
    for name, text in scripts.items():
        assert not re.search(r"code\s*===?\s*[\"']", text), name  # no code compared with a spelled-out string
        assert set(re.findall(r"\bE\.([A-Z_]+)", text)) <= codes, name
    assert "E.SOLD_OUT" in scripts["counter.js"]
