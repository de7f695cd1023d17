"""Transfer reconciliation: reported transfers, and the bank statement CSV that confirms them.

Taiwanese bank exports have no standard. ``parse_statement`` is tolerant: Big5 (cp950) or
UTF-8 with or without a BOM (or UTF-16, Excel's "Unicode text"); comma, semicolon or tab
separated; headers in Chinese or English; ROC dates (``113/11/20``, ``1131120``) or ISO
dates; amounts like ``NT$1,200``. It keeps credit lines only: titles, account details,
debits and totals are skipped.

``match`` pairs statement lines with reported transfers by the reconciliation's rule
(commerce.reconciliation.shows, so the import and the host's nightly report agree); it never
guesses between several candidates.
``import_statement`` stores the lines (a line already imported is counted, not added) and
confirms the matched reports, in one transaction.
"""
from __future__ import annotations

import asyncio
import codecs
import csv
import hashlib
import io
import re
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from commerce.errors import InvalidInput, InvalidState, NotFound
from commerce.states import ErrorCode, PaymentMethod, PaymentStatus
from commerce.models import BankStatementLine, Member, Order, Payment
from commerce.orders import member_view
from commerce.payments import balances, confirm_transfer, void_payment
from commerce.reconciliation import MATCH_DAYS as WINDOW_DAYS, Transfer, shows, transfer_of  # noqa: F401

ACTOR = "bank import"
MEMO_MAX = 200
# A year of a busy shop's statement is a few hundred KB; bigger is not a statement, and
# its lines would hold the database in one transaction for seconds.
MAX_STATEMENT_BYTES = 2 * 1024 * 1024


class StatementTooLarge(InvalidInput):
    code = ErrorCode.TOO_LARGE
    status = 413

# Header names, compared after _norm (NFKC, lower case, no spaces, no "(元)"-like suffix).
_DATE = {"交易日期", "日期", "帳務日期", "記帳日期", "記帳日", "入帳日期", "入帳日", "交易日", "交易時間",
         "交易日期時間", "date", "transactiondate", "txndate", "postingdate", "valuedate", "bookingdate"}
_CREDIT = {"存入", "存入金額", "存款", "存款金額", "收入", "收入金額", "轉入", "轉入金額", "貸方", "貸方金額",
           "credit", "credits", "creditamount", "deposit", "deposits", "depositamount", "moneyin", "paidin"}
_DEBIT = {"支出", "支出金額", "提出", "提款", "提款金額", "轉出金額", "借方", "借方金額", "debit", "debits",
          "debitamount", "withdrawal", "withdrawals", "withdrawalamount", "moneyout", "paidout"}
_AMOUNT = {"金額", "交易金額", "amount", "transactionamount"}
_DIRECTION = {"借貸", "借/貸", "借貸別", "收支", "收/支", "存提", "存/提", "dr/cr", "drcr", "crdr", "creditdebit", "debitcredit"}
_PAYER = {"轉出帳號", "轉出帳戶", "對方帳號", "對方帳戶", "匯款帳號", "匯款人帳號", "付款帳號", "來源帳號",
          "payeraccount", "fromaccount", "counterpartyaccount", "counterparty", "sourceaccount", "remitteraccount"}
_ACCOUNT = {"帳號", "帳戶", "account", "accountno", "accountnumber"}
_MEMO = {"備註", "摘要", "說明", "附言", "附註", "交易說明", "交易摘要", "交易備註", "memo", "remark", "remarks",
         "description", "note", "notes", "details", "narrative", "reference"}

_CREDIT_WORDS = ("貸", "存", "收", "入", "cr", "credit", "deposit")
_DEBIT_WORDS = ("借", "支", "付", "提", "出", "dr", "debit", "withdraw")


@dataclass(frozen=True)
class StatementLine:
    booked_on: date
    amount: int
    last5: str
    memo: str
    occurrence: int = 0  # how many identical lines came before it in the same file

    @property
    def fingerprint(self) -> str:
        raw = f"{self.booked_on.isoformat()}|{self.amount}|{self.last5}|{self.memo}|{self.occurrence}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Outcome:
    kind: str  # matched | ambiguous | unmatched
    candidates: tuple[Transfer, ...] = ()


# --- parsing (pure) -------------------------------------------------------------------

def decode(data: bytes) -> str:
    """The file's text: a BOM decides; else UTF-8 if it decodes, else Big5 (cp950)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp950"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("big5hkscs", errors="replace")


def _cell(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip()
    if text.startswith('="') and text.endswith('"'):  # Excel's way to keep leading zeros
        text = text[2:-1].strip()
    return text


def _norm(header: str) -> str:
    text = re.sub(r"\(.*?\)|\[.*?\]", "", _cell(header).lower())
    return re.sub(r"[\s*:_.\-]", "", text)


def _kind(header: str) -> str | None:
    name = _norm(header)
    if not name:
        return None
    for kind, names in (("date", _DATE), ("credit", _CREDIT), ("debit", _DEBIT), ("amount", _AMOUNT),
                        ("direction", _DIRECTION), ("payer", _PAYER), ("account", _ACCOUNT), ("memo", _MEMO)):
        if name in names:
            return kind
    # Looser names ("交易日期(西元)", "存入金額新台幣", "Deposit (TWD)") by what they contain.
    for kind, words in (("date", ("日期", "date")), ("credit", ("存入", "credit", "deposit")),
                        ("debit", ("支出", "提出", "提款", "debit", "withdraw")),
                        ("payer", ("轉出帳", "對方帳", "匯款帳", "payer", "counterparty")),
                        ("memo", ("備註", "摘要", "memo", "remark", "description")),
                        ("amount", ("金額", "amount"))):
        if any(w in name for w in words):
            return kind
    if ("帳號" in name or "account" in name) and "轉入" not in name:
        return "account"
    return None


_ISO_OR_ROC = re.compile(r"^(?:民國)?\s*(\d{2,4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"^(\d{7,8})(?!\d)")


def parse_date(text: str) -> date | None:
    """``2024-11-20``, ``2024/11/20 10:23``, ``113/11/20``, ``1131120``, ``20241120``,
    ``民國113年11月20日`` → the date; anything else → None. Years of 2–3 digits are ROC years."""
    text = _cell(text)
    m = _ISO_OR_ROC.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = _COMPACT.match(text)
        if not m:
            return None
        digits = m.group(1)
        year, month, day = int(digits[:-4]), int(digits[-4:-2]), int(digits[-2:])
    if year < 1000:
        year += 1911
    if not 1990 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_money(text: str) -> Decimal | None:
    """``NT$1,200``, ``1,200.00``, ``-350``, ``(350)`` → a signed amount; blank or not money → None."""
    t = _cell(text).upper()
    for noise in ("NT$", "NTD", "TWD", "$", "元", ",", " "):
        t = t.replace(noise, "")
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()")
    if t.endswith("-"):  # "350-": a debit in some exports
        negative, t = True, t[:-1]
    if not re.fullmatch(r"[+-]?\d+(?:\.\d+)?", t):
        return None
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    return -value if negative else value


def _digits_last5(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[-5:] if len(digits) >= 5 else ""


_LAST5_WORDS = re.compile(r"(?:後|末)\s*五\s*碼\s*[:：]?\s*(\d{5})(?!\d)")
_ACCOUNT_LIKE = re.compile(r"[\d*xX＊-]{6,}")


def last5_from_memo(memo: str) -> str:
    """The payer's last five digits in free text: "後五碼12345", an account number (masked or
    not, e.g. ``822-****-12345``), or a lone group of five digits."""
    m = _LAST5_WORDS.search(memo)
    if m:
        return m.group(1)
    accounts = [s for s in _ACCOUNT_LIKE.findall(memo) if re.search(r"\d{5}$", s)]
    if accounts:
        return accounts[-1][-5:]
    fives = re.findall(r"(?<!\d)\d{5}(?!\d)", memo)
    return fives[0] if len(fives) == 1 else ""


def _direction(text: str) -> str | None:
    t = _cell(text).lower()
    credit = any(w in t for w in _CREDIT_WORDS)
    debit = any(w in t for w in _DEBIT_WORDS)
    if credit != debit:
        return "credit" if credit else "debit"
    return None


def _sniff_delimiter(text: str) -> str:
    head = text.splitlines()[:30]
    counts = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _columns(row: list[str]) -> dict[str, list[int]] | None:
    """The columns by kind, if ``row`` is the header row. A row holding a date or an amount
    is data or a title line ("列印日期, 2024/11/20, 金額單位, 元"), never the header."""
    if any(parse_date(c) or parse_money(c) is not None for c in row):
        return None
    cols: dict[str, list[int]] = defaultdict(list)
    for i, header in enumerate(row):
        kind = _kind(header)
        if kind:
            cols[kind].append(i)
    if cols.get("date") and (cols.get("credit") or cols.get("amount")):
        return cols
    return None


def _at(row: list[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _credit(row: list[str], cols: dict[str, list[int]]) -> Decimal | None:
    if cols.get("credit"):
        values = [parse_money(_at(row, i)) for i in cols["credit"]]
        return next((v for v in values if v), None)
    value = parse_money(_at(row, cols["amount"][0]))
    if not value:
        return None
    if cols.get("direction"):
        direction = _direction(_at(row, cols["direction"][0]))
        if direction == "debit":
            return None
        if direction == "credit":
            return abs(value)
    return value


def parse_statement(text: str) -> list[StatementLine]:
    """The credit lines of a bank statement export. Raises InvalidInput(field="file") when
    no header row with a date and an amount (or credit) column is found."""
    rows = list(csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text)))
    cols = None
    lines: list[StatementLine] = []
    seen: Counter = Counter()
    for row in rows:
        if cols is None:
            cols = _columns(row)
            continue
        booked_on = parse_date(_at(row, cols["date"][0]))
        if booked_on is None:
            continue  # a title, a blank line, a total
        amount = _credit(row, cols)
        if amount is None or amount <= 0:
            continue  # a debit, or no money in
        memo = " ".join(c for c in (_cell(_at(row, i)) for i in cols.get("memo", [])) if c)[:MEMO_MAX]
        last5 = ""
        for i in cols.get("payer", []) + cols.get("account", []):
            last5 = _digits_last5(_cell(_at(row, i)))
            if last5:
                break
        last5 = last5 or last5_from_memo(memo)
        whole = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        key = (booked_on, whole, last5, memo)
        lines.append(StatementLine(booked_on, whole, last5, memo, occurrence=seen[key]))
        seen[key] += 1
    if cols is None:
        raise InvalidInput("no header row with a date and an amount column was found", field="file")
    return lines


# --- matching (pure) ------------------------------------------------------------------

def match(lines: Sequence[StatementLine], reports: Sequence[Transfer]) -> list[Outcome]:
    """One outcome per line. Matched: the line has exactly one candidate report (one it
    ``shows``) and that report has no other candidate line. Several either way: ambiguous.
    None: unmatched."""
    per_line = [tuple(r for r in reports if shows(l, r)) for l in lines]
    lines_per_report = Counter(r.id for cands in per_line for r in cands)
    outcomes = []
    for cands in per_line:
        if not cands:
            outcomes.append(Outcome("unmatched"))
        elif len(cands) == 1 and lines_per_report[cands[0].id] == 1:
            outcomes.append(Outcome("matched", cands))
        else:
            outcomes.append(Outcome("ambiguous", cands))
    return outcomes


# --- the database -----------------------------------------------------------------------

async def transfer_views(payments: Sequence[Payment]) -> list[dict[str, Any]]:
    orders = {o.id: o for o in await Order.filter(id__in={p.order_id for p in payments})} if payments else {}
    due = await balances(orders)
    member_ids = {o.member_id for o in orders.values() if o.member_id}
    members = {m.id: m for m in await Member.filter(id__in=member_ids)} if member_ids else {}
    return [
        {"id": p.id, "order_number": str(p.order_id), "amount": p.amount, "last5": p.last5, "status": p.status,
         "reported_at": p.created_at.isoformat(), "decided_at": p.decided_at.isoformat() if p.decided_at else None,
         "reason": p.reason, "due": due.get(p.order_id, 0),
         "member": member_view(members.get(orders[p.order_id].member_id)) if p.order_id in orders else None}
        for p in payments
    ]


async def list_transfers(status: str = "reported", *, limit: int = 500) -> list[dict[str, Any]]:
    """Transfers in one status (reported|confirmed|void), oldest first."""
    if status not in (PaymentStatus.REPORTED, PaymentStatus.CONFIRMED, PaymentStatus.VOID):
        raise InvalidInput("status is reported, confirmed or void", field="status")
    payments = await (Payment.filter(method=PaymentMethod.TRANSFER, status=status)
                      .order_by("created_at", "id").limit(limit))
    return await transfer_views(payments)


async def _transfer(payment_id: int) -> None:
    if not await Payment.exists(id=payment_id, method=PaymentMethod.TRANSFER):
        raise NotFound("no such transfer", field="id")


async def confirm(payment_id: int, *, actor: str, now: datetime) -> dict[str, Any]:
    """A manager confirms a reported transfer. Raises NotFound, InvalidState (void)."""
    await _transfer(payment_id)
    return (await transfer_views([await confirm_transfer(payment_id, actor=actor, now=now)]))[0]


async def void(payment_id: int, *, reason: object, actor: str, now: datetime) -> dict[str, Any]:
    """A manager voids a transfer the bank never showed; a statement line it was matched
    to is freed for another match. Raises NotFound, InvalidInput (reason), InvalidState."""
    await _transfer(payment_id)
    if not isinstance(reason, str):
        raise InvalidInput("say why", field="reason")
    async with in_transaction():
        payment = await void_payment(payment_id, actor=actor, reason=reason, now=now)
        await BankStatementLine.filter(payment_id=payment_id).update(payment_id=None)
    return (await transfer_views([payment]))[0]


def _line_view(row: BankStatementLine) -> dict[str, Any]:
    return {"id": row.id, "date": row.booked_on.isoformat(), "amount": row.amount, "last5": row.last5,
            "memo": row.memo}


async def _reports_for(lines: Sequence[StatementLine]) -> dict[int, Payment]:
    last5s = {l.last5 for l in lines if l.last5}
    if not last5s:
        return {}
    # A split transfer is matched as the one transfer the bank shows while a part waits; never a part.
    payments = await Payment.filter(method=PaymentMethod.TRANSFER, parent_id=None, last5__in=last5s,
                                    status__in=(PaymentStatus.REPORTED, PaymentStatus.SPLIT),
                                    amount__in={l.amount for l in lines}).order_by("id")
    split = {p.id for p in payments if p.status == PaymentStatus.SPLIT}
    waiting = set(await Payment.filter(parent_id__in=split, status=PaymentStatus.REPORTED)
                  .values_list("parent_id", flat=True)) if split else set()
    return {p.id: p for p in payments if p.status == PaymentStatus.REPORTED or p.id in waiting}


def check_size(size: int) -> None:
    """Raises StatementTooLarge when a statement of ``size`` bytes is over the limit."""
    if size > MAX_STATEMENT_BYTES:
        raise StatementTooLarge(f"the statement is {size:,} bytes; at most {MAX_STATEMENT_BYTES:,} are taken"
                                " (export a shorter period)", field="file", limit=MAX_STATEMENT_BYTES)


async def import_statement(data: bytes, *, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """Store a statement's credit lines and confirm the transfers they match (actor "bank
    import"), in one transaction. Lines already imported are counted in ``duplicates``;
    those still unmatched are tried again. Raises InvalidInput(field="file"), StatementTooLarge
    past ``MAX_STATEMENT_BYTES``. The file is parsed in a thread: the loop keeps serving."""
    check_size(len(data))
    if not data or not data.strip():
        raise InvalidInput("the statement file is empty", field="file")
    lines = await asyncio.to_thread(lambda: parse_statement(decode(data)))
    batch = f"{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    try:
        async with in_transaction():
            return await _store_and_match(lines, batch, zone, now)
    except IntegrityError:  # the same lines stored by an import running at the same time
        raise InvalidState("this statement is being imported right now; try again") from None


async def _store_and_match(lines: list[StatementLine], batch: str, zone: ZoneInfo, now: datetime) -> dict:
    fingerprints = [l.fingerprint for l in lines]
    stored: dict[str, BankStatementLine] = {}
    for i in range(0, len(fingerprints), 500):  # a year's export stays under any bound-parameter limit
        stored.update({r.fingerprint: r for r in await BankStatementLine.filter(fingerprint__in=fingerprints[i:i + 500])})
    todo = [(l, stored.get(l.fingerprint)) for l in lines]
    todo = [(l, row) for l, row in todo if row is None or row.payment_id is None]
    payments = await _reports_for([l for l, _ in todo])
    outcomes = match([l for l, _ in todo], [transfer_of(p, zone) for p in payments.values()])
    views = {v["id"]: v for v in await transfer_views(list(payments.values()))}
    result: dict[str, Any] = {"batch": batch, "matched": [], "ambiguous": [], "unmatched": [],
                              "duplicates": sum(1 for f in fingerprints if f in stored)}
    for (line, row), outcome in zip(todo, outcomes):
        payment_id = outcome.candidates[0].id if outcome.kind == "matched" else None
        if payment_id is not None:
            try:
                views[payment_id] = (await transfer_views([await confirm_transfer(payment_id, actor=ACTOR, now=now)]))[0]
            except InvalidState:  # voided since it was read: leave the line for the manager
                payment_id, outcome = None, Outcome("unmatched")
        if row is None:
            row = await BankStatementLine.create(batch=batch, booked_on=line.booked_on, amount=line.amount,
                                                 last5=line.last5, memo=line.memo, fingerprint=line.fingerprint,
                                                 payment_id=payment_id, imported_at=now)
        elif payment_id is not None:
            await BankStatementLine.filter(id=row.id, payment_id=None).update(payment_id=payment_id)
        view = _line_view(row)
        if outcome.kind == "matched":
            result["matched"].append({**view, "transfer": views[payment_id]})
        elif outcome.kind == "ambiguous":
            result["ambiguous"].append({**view, "candidates": [views[c.id] for c in outcome.candidates]})
        else:
            result["unmatched"].append(view)
    return result
