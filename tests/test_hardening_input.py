"""Hostile input over HTTP (issue #15): oversize and malformed webhooks, replays, absurd
amounts, control characters and huge bank statements get a 4xx (or a 200 that stores the bad
event as failed), never a 500, and write nothing half-done."""
import io
import json
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from commerce import bank_import
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import BankStatementLine, InboundEvent, OrderLine, Payment
from commerce.ordering import Wanted, reserve
from commerce.payments import report_transfer
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, make_webhook_body, text_event, webhook_headers
from tests.line_app import line_app, post_events, settled

TAIPEI = ZoneInfo("Asia/Taipei")
MIB = 1024 * 1024


def ms(at) -> int:
    return int(at.timestamp() * 1000)


@pytest.fixture
async def line_client(aiohttp_client, db_url, fake_line):
    """The app in LINE mode with a campaign open in GROUP_ID (item A, unlimited)."""
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow() - timedelta(hours=1), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    return client


async def booked_buyers() -> set[str]:
    lines = await OrderLine.all().prefetch_related("order__member")
    return {line.order.member.line_user_id for line in lines}


# --- 1. the body is capped, the signature required before it is read ---------------------

async def test_an_unsigned_5_mb_post_is_400_and_stores_nothing(line_client):
    body = b'{"events": [' + b" " * (5 * MIB) + b"]}"

    resp = await line_client.post("/line/webhook", data=io.BytesIO(body), headers={"Content-Type": "application/json"})

    assert resp.status == 400
    assert_error(await resp.json(), "bad_signature")
    assert await InboundEvent.all().count() == 0


async def test_a_signed_body_over_1_mib_is_413_and_stores_nothing(line_client):
    body = make_webhook_body([text_event("+1", user_id="Ubig"), text_event("x" * (MIB + 10))])

    resp = await line_client.post("/line/webhook", data=io.BytesIO(body), headers=webhook_headers(body))

    assert resp.status == 413
    assert_error(await resp.json(), "too_large")
    assert await InboundEvent.all().count() == 0


async def test_a_chunked_body_over_1_mib_without_a_length_is_413_too(line_client):
    body = make_webhook_body([text_event("y" * (2 * MIB))])

    async def chunks():
        for i in range(0, len(body), 256 * 1024):
            yield body[i:i + 256 * 1024]

    resp = await line_client.post("/line/webhook", data=chunks(), headers=webhook_headers(body))

    assert resp.status == 413
    assert await InboundEvent.all().count() == 0


async def test_a_normal_signed_plus_one_still_books_and_is_answered(line_client, fake_line):
    event = text_event("+1", user_id="Unormal")

    resp = await post_events(line_client, [event])
    await settled()

    assert resp.status == 200
    assert await booked_buyers() == {"Unormal"}
    assert [r.body["replyToken"] for r in fake_line.replies] == [event["replyToken"]]


# --- 2. malformed but signed bodies: 200 with the bad event failed, or 400; never 500 -----

def _spoiled(**changes) -> dict:
    event = text_event("+1", user_id="Ubad")
    for path, value in changes.items():
        target = event
        *parents, last = path.split("__")
        for name in parents:
            target = target[name]
        target[last] = value
    return event


def _nested(depth: int):
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


BAD_EVENTS = {
    "source is a string": _spoiled(source="Cgroup"),
    "userId is a number": _spoiled(source__userId=7),
    "groupId is a list": _spoiled(source__groupId=["C1"]),
    "userId is an object": _spoiled(source__userId={"id": "U1"}),
    "message is a string": _spoiled(message="+1"),
    "text is a number": _spoiled(message__text=1),
    "text has a lone surrogate": _spoiled(message__text="+1 \ud800"),
    "a key has a lone surrogate": _spoiled(message__extra={"\udfff": 1}),
    "timestamp is text": _spoiled(timestamp="yesterday"),
    "timestamp is past year 9999": _spoiled(timestamp=10**20),
    "replyToken is a number": _spoiled(replyToken=12345),
    "mention is a list": _spoiled(message__mention=[1, 2]),
    "a mentionee index is text": _spoiled(message__mention={"mentionees": [{"index": "0", "length": 3}]}),
    "nested 500 deep": _spoiled(message__extra=_nested(500)),
}


@pytest.mark.parametrize("bad", BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
async def test_a_signed_event_of_the_wrong_shape_is_stored_as_failed_and_the_good_one_beside_it_books(
        line_client, fake_line, bad):
    good = text_event("+1", user_id="Ugood")
    body = json.dumps({"destination": "U1", "events": [bad, good]}, ensure_ascii=False).encode("utf-8", "surrogatepass")

    resp = await line_client.post("/line/webhook", data=body, headers=webhook_headers(body))
    await settled()

    assert resp.status == 200
    stored = await InboundEvent.get(event_id=bad["webhookEventId"])
    assert (stored.status, stored.last_error.startswith("invalid event: ")) == ("failed", True)
    assert json.loads(stored.payload) == {"webhookEventId": bad["webhookEventId"], "type": "message"}
    assert (await InboundEvent.get(event_id=good["webhookEventId"])).status == "done"
    assert await booked_buyers() == {"Ugood"}
    assert [r.body["replyToken"] for r in fake_line.replies] == [good["replyToken"]]


async def test_a_redelivered_bad_event_stays_failed_and_is_never_applied(line_client, fake_line):
    bad = _spoiled(source__userId=7)
    body = make_webhook_body([bad])

    first = await line_client.post("/line/webhook", data=body, headers=webhook_headers(body))
    again = await line_client.post("/line/webhook", data=body, headers=webhook_headers(body))
    await settled()

    assert first.status == again.status == 200
    assert [e.status for e in await InboundEvent.all()] == ["failed"]
    assert await OrderLine.all().count() == 0 and fake_line.replies == []


@pytest.mark.parametrize("payload", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"events": [\xff]}',
    b"\xed\xa0\x80",
    b'{"events": "all of them"}',
    b'{"events": [{"type": "message", "webhookEventId": "01\\ud800"}]}',
], ids=["nested 100,000 deep", "events nested 50,000 deep", "not UTF-8", "a raw surrogate", "events is text",
        "an id with a lone surrogate"])
async def test_a_signed_body_that_cannot_be_a_webhook_is_400_and_stores_nothing(line_client, payload):
    resp = await line_client.post("/line/webhook", data=payload, headers=webhook_headers(payload))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid")
    assert await InboundEvent.all().count() == 0


# --- 3. a replay long after the purge books nothing ---------------------------------------

async def test_a_plus_one_replayed_8_days_later_books_nothing_and_gets_no_reply(line_client, fake_line):
    replay = text_event("+1", user_id="Ureplay", timestamp=ms(utcnow() - timedelta(days=8)))

    resp = await post_events(line_client, [replay])
    await settled()

    assert resp.status == 200
    assert (await InboundEvent.get(event_id=replay["webhookEventId"])).status == "refused"
    assert await OrderLine.all().count() == 0
    assert fake_line.replies == []


# --- 4, 5. the counter: amounts, tokens, control characters --------------------------------

@pytest.fixture
async def shop(client):
    """A buyer (phone 0912-345-678) with an open order of A×2 = 240."""
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="原味", price=120, stock=10))
    buyer = await upsert_member("Ubuyer", "小美")
    await bind_phone(buyer.id, "0912-345-678")
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=utcnow())
    for i in range(25):  # more buyers than a lookup lists
        await upsert_member(f"Uother{i:02d}", f"客人{i}")
    return {"order": booking.order_id, "buyer": buyer}


@pytest.mark.parametrize("field,raw", [
    ("tendered", "1" + "0" * 30), ("tendered", "-5"), ("tendered", "NaN"), ("tendered", "Infinity"),
    ("tendered", "1e308"), ("tendered", '"' + "9" * 5000 + '"'), ("tendered", '"--5"'), ("tendered", "2147483648"),
    ("amount", "1" + "0" * 30), ("amount", "-240"), ("amount", "NaN"), ("amount", '"' + "9" * 5000 + '"'),
])
async def test_an_absurd_amount_or_tendered_is_400_and_records_no_payment(client, shop, field, raw):
    values = {"amount": "240", "tendered": "500"} | {field: raw}
    body = f'{{"method": "cash", "amount": {values["amount"]}, "tendered": {values["tendered"]}}}'

    resp = await client.post(f"/api/orders/{shop['order']}/payments", data=body,
                             headers={**await bearer("cashier"), "Content-Type": "application/json"})

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field=field)
    assert await Payment.all().count() == 0


async def test_a_sane_cash_payment_still_gives_change(client, shop):
    resp = await client.post(f"/api/orders/{shop['order']}/payments", json={"method": "cash", "amount": 240,
                                                                            "tendered": 1000},
                             headers=await bearer("cashier"))

    assert resp.status == 201
    assert ((await resp.json())["change"], (await resp.json())["balance"]) == (760, 0)


@pytest.mark.parametrize("q", ["a" * 5000, "1" * 5000, "#" + "1" * 5000, "A" * 101])
async def test_a_5000_character_query_or_token_is_400(client, shop, q):
    resp = await client.get("/api/lookup", params={"q": q}, headers=await bearer("cashier"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field="q")


async def test_a_5000_character_qr_token_is_404_not_500(client, shop):
    resp = await client.get("/qr/" + "a" * 5000 + ".png")

    assert resp.status == 404


@pytest.mark.parametrize("q", ["\x00", "\x00\x01\x7f", "\u200b\ufeff", " \t\n"])
async def test_a_query_of_control_characters_only_lists_nobody(client, shop, q):
    resp = await client.get("/api/lookup", params={"q": q}, headers=await bearer("cashier"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field="q")


async def test_control_characters_in_a_query_are_dropped_before_searching(client, shop):
    resp = await client.get("/api/lookup", params={"q": "\x005\x0067\u200b8"}, headers=await bearer("cashier"))

    body = await resp.json()
    assert resp.status == 200
    assert [m["line_user_id"] for m in body["members"]] == ["Ubuyer"]


# --- 6. bank statements: parsed off the loop, capped -----------------------------------------

def big_statement(debits: int, *, credit_last5: str = "12345", credit: int = 240) -> bytes:
    """A Big5 export: one credit of ``credit`` from an account ending ``credit_last5``, then
    ``debits`` debit lines (skipped by the import, but parsed)."""
    today = utcnow().astimezone(TAIPEI).date()
    roc = f"{today.year - 1911}/{today.month:02d}/{today.day:02d}"
    head = f"交易日期,摘要,支出金額,存入金額,備註,轉出帳號\n{roc},跨行轉入,,{credit},小美,822-****-{credit_last5}\n"
    return (head + f"{roc},ATM提款,\"1,000\",,提款備註,\n" * debits).encode("cp950")


async def test_a_large_statement_under_the_limit_is_imported_and_parsed_off_the_event_loop(
        client, shop, monkeypatch):
    report = await report_transfer(order_id=shop["order"], last5="12345", amount=240, actor="Ubuyer", now=utcnow())
    data = big_statement(48_000)
    assert 1.5 * MIB < len(data) <= bank_import.MAX_STATEMENT_BYTES
    parsed_in = []
    parse = bank_import.parse_statement

    def recording(text):
        parsed_in.append(threading.current_thread() is threading.main_thread())
        return parse(text)

    monkeypatch.setattr(bank_import, "parse_statement", recording)

    resp = await client.post("/api/bank-statements", data=io.BytesIO(data),
                             headers={**await bearer("manager"), "Content-Type": "text/csv"})

    body = await resp.json()
    assert resp.status == 200, body
    assert [(m["amount"], m["transfer"]["id"]) for m in body["matched"]] == [(240, report.id)]
    assert parsed_in == [False]
    assert (await Payment.get(id=report.id)).status == "confirmed"


@pytest.mark.parametrize("size", [bank_import.MAX_STATEMENT_BYTES + 1, int(4.9 * MIB), 6 * MIB])
async def test_an_oversize_statement_is_413_saying_the_limit_and_imports_nothing(client, shop, size):
    report = await report_transfer(order_id=shop["order"], last5="12345", amount=240, actor="Ubuyer", now=utcnow())
    data = big_statement(0)
    data += b"x" * (size - len(data))

    resp = await client.post("/api/bank-statements", data=io.BytesIO(data),
                             headers={**await bearer("manager"), "Content-Type": "text/csv"})

    body = await resp.json()
    assert resp.status == 413
    assert_error(body, "too_large")
    if size <= 5 * MIB:  # past 5 MiB aiohttp's own cap answers, in the same shape
        assert f"{bank_import.MAX_STATEMENT_BYTES:,}" in body["error"]["message"]
        assert body["error"]["field"] == "file"
    assert await BankStatementLine.all().count() == 0
    assert (await Payment.get(id=report.id)).status == "reported"


async def test_an_oversize_statement_uploaded_as_a_form_file_is_413_too(client, shop):
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(b"x" * (bank_import.MAX_STATEMENT_BYTES + 100)), filename="statement.csv",
                   content_type="text/csv")

    resp = await client.post("/api/bank-statements", data=form, headers=await bearer("manager"))

    assert resp.status == 413
    assert_error(await resp.json(), "too_large", field="file")
    assert await BankStatementLine.all().count() == 0

