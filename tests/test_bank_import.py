"""Bank statement CSVs: tolerant parsing and matching (pure), and the import on a real database."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commerce.bank_import import (
    StatementLine, decode, import_statement, last5_from_memo, match, parse_date, parse_money, parse_statement,
)
from commerce.campaigns import ItemSpec
from commerce.errors import InvalidInput
from commerce.models import BankStatementLine, Payment
from commerce.ordering import Wanted, reserve
from commerce.orders import order_view
from commerce.payments import TooManyReports, report_transfer
from commerce.reconciliation import StatementLine as Line, Transfer, found_transfers, host_reports, match_transfers
from tests.factories import a_campaign, members

TAIPEI = ZoneInfo("Asia/Taipei")

# A post-office style export: a title, account details, debits, a total row, ROC dates
# in two spellings, amounts with commas and "NT$", the payer's account in its own column
# or only in the memo.
BIG5_ROC = """帳戶明細查詢
帳號：012-345-67890
查詢期間：115/11/01~115/11/30
交易日期,摘要,支出金額,存入金額,餘額,備註,轉出帳號
115/11/23,跨行轉入,,"1,200","15,200",王小明,822****12345
115/11/23,ATM提款,"2,000",,"13,200",,
1151124,網銀轉入,,350,"13,550",後五碼54321,
115/11/24,現金存入,,"NT$5,000","18,550",,
合計,,"2,000","6,550",,,
""".encode("cp950")

UTF8_BOM_ENGLISH = (
    "\ufeffDate,Description,Withdrawal,Deposit,Balance,Payer Account\r\n"
    "2026/11/24,Transfer in,,\"NT$1,200\",\"9,999\",***12345\r\n"
    "2026-11-25,Card fee,30,,\"9,969\",\r\n"
).encode("utf-8")


# --- parsing ------------------------------------------------------------------------------

def test_a_big5_export_with_roc_dates_yields_its_credit_lines_only():
    lines = parse_statement(decode(BIG5_ROC))

    assert [(l.booked_on, l.amount, l.last5, l.memo) for l in lines] == [
        (date(2026, 11, 23), 1200, "12345", "跨行轉入 王小明"),
        (date(2026, 11, 24), 350, "54321", "網銀轉入 後五碼54321"),
        (date(2026, 11, 24), 5000, "", "現金存入"),
    ]


def test_a_utf8_export_with_a_bom_and_english_headers_is_read():
    lines = parse_statement(decode(UTF8_BOM_ENGLISH))

    assert [(l.booked_on, l.amount, l.last5, l.memo) for l in lines] == [
        (date(2026, 11, 24), 1200, "12345", "Transfer in")]


def test_a_signed_amount_column_with_a_direction_column_keeps_the_credits():
    text = "Date\tAmount\tDr/Cr\tMemo\n2024/11/20\t1,200.00\tCR\tfrom 0081234567890\n2024/11/20\t500\tDR\tfee\n" \
           "2024/11/21\t-80\t\trefund out\n2024/11/21\t90\t\t後五碼 11111\n"

    lines = parse_statement(text)

    assert [(l.booked_on, l.amount, l.last5) for l in lines] == [
        (date(2024, 11, 20), 1200, "67890"), (date(2024, 11, 21), 90, "11111")]


def test_two_identical_lines_in_one_file_are_both_kept_with_different_fingerprints():
    text = "日期,存入,帳號\n113/11/20,100,12345\n113/11/20,100,12345\n"

    first, second = parse_statement(text)

    assert (first.occurrence, second.occurrence) == (0, 1)
    assert first.fingerprint != second.fingerprint


def test_a_file_without_a_date_and_amount_header_is_refused_naming_the_file():
    with pytest.raises(InvalidInput) as err:
        parse_statement("name,phone\nAmy,0912345678\n")
    assert err.value.field == "file"


def test_a_title_row_holding_a_date_and_an_amount_word_is_not_taken_for_the_header():
    text = "列印日期,2024/11/30,金額單位,元\n交易日期,存入金額,備註\n2024/11/20,300,後五碼22222\n"

    assert [(l.amount, l.last5) for l in parse_statement(text)] == [(300, "22222")]


@pytest.mark.parametrize("text,expected", [
    ("113/11/20", date(2024, 11, 20)), ("1131120", date(2024, 11, 20)), ("113.11.20", date(2024, 11, 20)),
    ("2024-11-20", date(2024, 11, 20)), ("2024/11/20", date(2024, 11, 20)), ("2024/11/20 13:05:00", date(2024, 11, 20)),
    ("20241120", date(2024, 11, 20)), ("民國113年11月20日", date(2024, 11, 20)), ('="113/11/20"', date(2024, 11, 20)),
    ("合計", None), ("", None), ("113/02/30", None), ("1,200", None),
])
def test_dates_are_read_in_roc_and_iso_spellings(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("1,200", 1200), ("NT$1,200", 1200), ("1,200.00", 1200), ("$350", 350), ("350元", 350), ("(350)", -350),
    ("-350", -350), ("", None), ("abc", None),
])
def test_amounts_are_read_with_commas_and_currency_marks(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize("memo,expected", [
    ("後五碼12345", "12345"), ("末五碼：54321 王", "54321"), ("822-****-12345", "12345"), ("轉帳 00812345678", "45678"),
    ("王小明 11111", "11111"), ("ATM", ""), ("11111 22222", ""),
])
def test_the_payers_last_five_digits_are_found_in_a_memo(memo, expected):
    assert last5_from_memo(memo) == expected


def test_undecodable_bytes_fall_back_without_failing():
    assert "交易日期" in decode("交易日期".encode("cp950"))
    assert decode("交易日期".encode("utf-8")) == "交易日期"


# --- matching -----------------------------------------------------------------------------

def _line(day: int, amount: int = 1200, last5: str = "12345") -> StatementLine:
    return StatementLine(date(2026, 11, day), amount, last5, "")


def _report(pid: int, day: int, amount: int = 1200, last5: str = "12345") -> Transfer:
    return Transfer(pid, last5, amount, date(2026, 11, day))


def test_one_candidate_each_way_is_a_match():
    (outcome,) = match([_line(20)], [_report(1, 18), _report(2, 20, amount=999), _report(3, 20, last5="99999")])

    assert (outcome.kind, [c.id for c in outcome.candidates]) == ("matched", [1])


def test_two_reports_with_the_same_last5_and_amount_are_ambiguous():
    (outcome,) = match([_line(20)], [_report(1, 19), _report(2, 21)])

    assert (outcome.kind, [c.id for c in outcome.candidates]) == ("ambiguous", [1, 2])


def test_two_lines_for_one_report_are_both_ambiguous():
    outcomes = match([_line(20), _line(21)], [_report(1, 20)])

    assert [o.kind for o in outcomes] == ["ambiguous", "ambiguous"]


def test_a_report_outside_three_days_or_a_line_without_last5_is_unmatched():
    outcomes = match([_line(20), _line(20, last5="")], [_report(1, 16), _report(2, 24, last5="")])

    assert [o.kind for o in outcomes] == ["unmatched", "unmatched"]
    assert match([_line(20)], [_report(1, 23)])[0].kind == "matched"


# --- the import on the database ------------------------------------------------------------

@pytest.fixture
async def orders(db, now):
    """Four buyers' orders of 1,200, 350, 500 and 1,200 (now = 2026-11-24 12:00 in Taipei)."""
    campaign = await a_campaign(now, ItemSpec(label="A", name="禮盒", price=50, stock=None))
    ids = []
    for buyer, qty in zip(await members(4), (24, 7, 10, 24)):
        ids.append((await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", qty)],
                                  now=now)).order_id)
    return ids


async def test_a_big5_statement_confirms_the_transfers_it_shows_and_lists_the_rest(orders, now):
    first = await report_transfer(order_id=orders[0], last5="12345", amount=1200, actor="U0", now=now - timedelta(days=1))
    second = await report_transfer(order_id=orders[1], last5="54321", amount=350, actor="U1", now=now)
    missing = await report_transfer(order_id=orders[2], last5="99999", amount=500, actor="U2", now=now)

    result = await import_statement(BIG5_ROC, zone=TAIPEI, now=now)

    assert [(m["amount"], m["last5"], m["transfer"]["id"], m["transfer"]["status"]) for m in result["matched"]] == [
        (1200, "12345", first.id, "confirmed"), (350, "54321", second.id, "confirmed")]
    assert result["ambiguous"] == [] and result["duplicates"] == 0
    assert [(u["amount"], u["memo"]) for u in result["unmatched"]] == [(5000, "現金存入")]
    assert {p.id: (p.status, p.reason) for p in await Payment.all()} == {
        first.id: ("confirmed", "confirmed by bank import"), second.id: ("confirmed", "confirmed by bank import"),
        missing.id: ("reported", "")}
    assert (await order_view(orders[0]))["balance"] == 0
    stored = await BankStatementLine.all().order_by("id")
    assert [(l.amount, l.payment_id) for l in stored] == [(1200, first.id), (350, second.id), (5000, None)]


async def test_two_reports_with_the_same_last5_and_amount_are_ambiguous_and_nothing_is_confirmed(orders, now):
    a = await report_transfer(order_id=orders[0], last5="12345", amount=1200, actor="U0", now=now)
    b = await report_transfer(order_id=orders[3], last5="12345", amount=1200, actor="U3", now=now)

    result = await import_statement(BIG5_ROC, zone=TAIPEI, now=now)

    (ambiguous,) = result["ambiguous"]
    assert (ambiguous["amount"], [c["id"] for c in ambiguous["candidates"]]) == (1200, [a.id, b.id])
    assert [p.status for p in await Payment.filter(id__in=[a.id, b.id])] == ["reported", "reported"]
    assert await BankStatementLine.filter(payment_id__isnull=False).count() == 0


async def test_importing_the_same_statement_again_adds_nothing_and_counts_duplicates(orders, now):
    report = await report_transfer(order_id=orders[0], last5="12345", amount=1200, actor="U0", now=now)
    await import_statement(BIG5_ROC, zone=TAIPEI, now=now)
    decided = (await Payment.get(id=report.id)).decided_at

    again = await import_statement(BIG5_ROC, zone=TAIPEI, now=now + timedelta(hours=1))

    assert again["duplicates"] == 3 and again["matched"] == [] and again["ambiguous"] == []
    assert await BankStatementLine.all().count() == 3
    assert (await Payment.get(id=report.id)).decided_at == decided


async def test_an_overlapping_export_adds_only_its_new_lines_and_matches_a_late_report(orders, now):
    await import_statement(BIG5_ROC, zone=TAIPEI, now=now)
    late = await report_transfer(order_id=orders[1], last5="54321", amount=350, actor="U1", now=now)
    overlap = BIG5_ROC.decode("cp950").replace("合計", "115/11/25,跨行轉入,,500,,,000099999\n合計").encode("cp950")

    result = await import_statement(overlap, zone=TAIPEI, now=now)

    assert result["duplicates"] == 3
    assert [m["transfer"]["id"] for m in result["matched"]] == [late.id]  # the stored line, matched now
    assert [(u["amount"], u["last5"]) for u in result["unmatched"]] == [(1200, "12345"), (5000, ""), (500, "99999")]
    assert await BankStatementLine.all().count() == 4


async def test_a_utf8_bom_export_with_english_headers_confirms_a_transfer(orders, now):
    report = await report_transfer(order_id=orders[0], last5="12345", amount=1200, actor="U0", now=now)

    result = await import_statement(UTF8_BOM_ENGLISH, zone=TAIPEI, now=now)

    assert [m["transfer"]["id"] for m in result["matched"]] == [report.id]
    assert (await Payment.get(id=report.id)).status == "confirmed"


async def test_a_file_that_is_not_a_statement_writes_nothing(orders, now):
    with pytest.raises(InvalidInput) as err:
        await import_statement(b"hello,world\n1,2\n", zone=TAIPEI, now=now)

    assert err.value.field == "file"
    assert await BankStatementLine.all().count() == 0


# --- transfer-report spray (red team) -------------------------------------------------------

async def test_a_spray_of_reports_on_one_order_leaves_one_standing_and_cannot_claim_anothers_line(orders, now):
    # orders[1] owes 350. An attacker sprays reports with guessed digits, hoping one matches
    # somebody else's 350 transfer (54321 in the statement, reported by nobody).
    for i, guess in enumerate(("11111", "22222", "54321", "33333")):
        await report_transfer(order_id=orders[1], last5=guess, amount=350, actor="U1", now=now + timedelta(minutes=i))
    with pytest.raises(TooManyReports):
        await report_transfer(order_id=orders[1], last5="44444", amount=350, actor="U1", now=now)
        await report_transfer(order_id=orders[1], last5="55555", amount=350, actor="U1", now=now)

    standing = await Payment.filter(order_id=orders[1], status="reported")
    assert [p.last5 for p in standing] == ["44444"]
    assert await Payment.filter(order_id=orders[1], status="void", reason="replaced by a newer report").count() == 4
    result = await import_statement(BIG5_ROC, zone=TAIPEI, now=now)
    assert [m["last5"] for m in result["matched"]] == []
    assert await Payment.filter(status="confirmed").count() == 0


async def test_a_buyer_correcting_a_typo_replaces_the_report_and_split_reports_up_to_the_balance_stand(orders, now):
    typo = await report_transfer(order_id=orders[0], last5="12346", amount=1200, actor="U0", now=now)
    fixed = await report_transfer(order_id=orders[0], last5="12345", amount=1200, actor="U0", now=now)
    half = await report_transfer(order_id=orders[3], last5="11111", amount=600, actor="U3", now=now)
    other_half = await report_transfer(order_id=orders[3], last5="22222", amount=600, actor="U3", now=now)

    statuses = {p.id: p.status for p in await Payment.all()}
    assert statuses == {typo.id: "void", fixed.id: "reported", half.id: "reported", other_half.id: "reported"}


# --- the import and the host's nightly reconciliation agree -------------------------------

EDGES = (
    "Date,Description,Withdrawal,Deposit,Balance,Payer Account\r\n"
    "2026-11-24,Transfer in,,1200,,***11111\r\n"  # 3 days after the report's day in Taipei, 4 in UTC
    "2026-11-17,Transfer in,,350,,***22222\r\n"   # 4 days before it in Taipei, 3 in UTC
).encode("utf-8")


async def test_the_import_confirms_exactly_what_the_nightly_report_counts_as_shown_at_the_window_edges(orders, now):
    # Given three reports made at 00:30 on 21 November in Taipei (16:30 on the 20th in UTC).
    at = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)
    edge = await report_transfer(order_id=orders[0], last5="11111", amount=1200, actor="U0", now=at)
    past = await report_transfer(order_id=orders[1], last5="22222", amount=350, actor="U1", now=at)
    await report_transfer(order_id=orders[2], last5="33333", amount=500, actor="U2", now=at)

    result = await import_statement(EDGES, zone=TAIPEI, now=now)
    (report,) = (await host_reports(date(2026, 11, 24), TAIPEI)).values()

    assert [m["transfer"]["id"] for m in result["matched"]] == [edge.id]
    assert [(u["amount"], u["last5"]) for u in result["unmatched"]] == [(350, "22222")]
    (campaign,) = report["campaigns"]
    assert [(e["number"], e["last5"]) for e in campaign["not_found"]["entries"]] == [
        (str(orders[1]), "22222"), (str(orders[2]), "33333")]
    assert (past.id, "reported") in [(p.id, p.status) for p in await Payment.all()]
    assert await found_transfers(TAIPEI) == set()


reports_st = st.lists(st.tuples(st.sampled_from(["11111", "22222"]), st.sampled_from([100, 200]), st.integers(-5, 5)),
                      max_size=5)


@settings(max_examples=200, deadline=None)
@given(reports_st, reports_st)
def test_a_line_the_import_ties_to_a_report_is_the_line_the_reconciliation_finds_for_it(raw_reports, raw_lines):
    day = date(2026, 11, 20)
    reports = [Transfer(i + 1, l5, a, day + timedelta(days=d)) for i, (l5, a, d) in enumerate(raw_reports)]
    lines = [StatementLine(day + timedelta(days=d), a, l5, "") for l5, a, d in raw_lines]

    outcomes = match(lines, reports)
    found = match_transfers(reports, [Line(100 + i, l.last5, l.amount, l.booked_on) for i, l in enumerate(lines)])

    tied = {o.candidates[0].id: 100 + i for i, o in enumerate(outcomes) if o.kind == "matched"}
    assert tied.items() <= found.items()
    seen = {c.id for o in outcomes for c in o.candidates}
    assert set(found) <= seen
