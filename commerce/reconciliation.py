"""The daily reconciliation a host gets: per campaign who paid, who reported a transfer the
bank statement does not show, who has not paid, who has not picked up.

`shows` is the matching rule, the one the manager's statement import (commerce.bank_import)
uses too: a bank credit line can be a reported transfer when it has the same last five digits
and the same amount and was booked within ``MATCH_DAYS`` days of the report, either side (the
report's day in the shop's zone). `match_transfers` finds the reported transfers the statement
shows: a bank line pays for at most one transfer, so two reports of the same amount from the
same account need two lines.

`host_reports(day, tz)` reads the database and returns, per host, plain data (JSON-safe: it
is stored as the notification's params and rendered by the messaging edge).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from commerce.models import BankStatementLine, Campaign, Handover, Member, Order, Payment
from commerce.states import CampaignStatus, OrderStatus, PaymentMethod, PaymentStatus
from commerce.orders import order_views

MATCH_DAYS = 3


@dataclass(frozen=True)
class Transfer:
    id: int  # the payment's
    last5: str
    amount: int
    reported_on: date  # the day the buyer reported it, in the shop's zone


@dataclass(frozen=True)
class StatementLine:
    id: int
    last5: str
    amount: int
    booked_on: date
    payment_id: int | None = None  # already tied to a payment (by the manager's import)


def transfer_of(payment: Payment, tz: ZoneInfo) -> Transfer:
    """A transfer payment as matching sees it: reported on its day in the shop's zone."""
    return Transfer(payment.id, payment.last5 or "", payment.amount, payment.created_at.astimezone(tz).date())


def shows(line: Any, transfer: Transfer) -> bool:
    """Whether ``line`` (any bank line: ``last5``, ``amount``, ``booked_on``) can be ``transfer``."""
    return (bool(line.last5) and (line.last5, line.amount) == (transfer.last5, transfer.amount)
            and abs((line.booked_on - transfer.reported_on).days) <= MATCH_DAYS)


def match_transfers(transfers: Iterable[Transfer], lines: Iterable[StatementLine]) -> dict[int, int]:
    """Transfer id → the bank line id that shows it, for every transfer found.

    A line already tied to a payment shows that payment only. The free lines are matched
    one to one, as many transfers as possible (a maximum matching, so a greedy choice never
    leaves a transfer unmatched that another assignment would find);
    among equal candidates the line closest in date, then the lowest id, is tried first.
    """
    transfers, lines = list(transfers), list(lines)
    ids = {t.id for t in transfers}
    matched: dict[int, int] = {}
    for line in lines:
        if line.payment_id in ids and line.payment_id not in matched:
            matched[line.payment_id] = line.id
    pending = [t for t in sorted(transfers, key=lambda t: (t.reported_on, t.id)) if t.id not in matched]
    return matched | _maximum_matching(pending, [line for line in lines if line.payment_id is None])


def _maximum_matching(transfers: list[Transfer], lines: list[StatementLine]) -> dict[int, int]:
    # Augmenting paths (Kuhn); the groups are a handful of rows, so recursion stays shallow.
    candidates = {
        t.id: [l.id for l in sorted(lines, key=lambda l: (abs((l.booked_on - t.reported_on).days), l.id))
               if shows(l, t)]
        for t in transfers
    }
    owner: dict[int, int] = {}  # line id → transfer id

    def assign(transfer_id: int, seen: set[int]) -> bool:
        for line_id in candidates[transfer_id]:
            if line_id in seen:
                continue
            seen.add(line_id)
            if line_id not in owner or assign(owner[line_id], seen):
                owner[line_id] = transfer_id
                return True
        return False

    for transfer in transfers:
        assign(transfer.id, set())
    return {transfer_id: line_id for line_id, transfer_id in owner.items()}


# --- reports ------------------------------------------------------------------------------

def _bucket() -> dict[str, Any]:
    return {"count": 0, "amount": 0}


def campaign_summary(campaign: Campaign, views: list[dict[str, Any]], found: set[int]) -> dict[str, Any] | None:
    """One campaign's figures from its order views; None when nothing is left to do (every
    order handed over and settled). ``found``: ids of reported transfers the bank shows."""
    views = [v for v in views if v["status"] != OrderStatus.CANCELLED and v["total"] > 0]
    if not any(v["status"] == OrderStatus.OPEN or v["balance"] > 0 or v["reported"] for v in views):
        return None
    paid, reported, not_found, unpaid, credit = _bucket(), _bucket(), _bucket(), _bucket(), _bucket()
    not_found["entries"], unpaid["entries"], credit["entries"] = [], [], []
    for view in views:
        name = (view["member"] or {}).get("display_name", "")
        paid["amount"] += view["paid"]
        if view["balance"] <= 0:
            paid["count"] += 1
        if view["reported"]:
            reported["count"] += 1
            reported["amount"] += view["reported"]
        for p in view["payments"]:
            if p["status"] == PaymentStatus.REPORTED and p["id"] not in found:
                not_found["count"] += 1
                not_found["amount"] += p["amount"]
                not_found["entries"].append({"number": view["number"], "name": name, "last5": p["last5"] or "",
                                             "amount": p["amount"]})
        if view["balance"] < 0:  # paid beyond the total: owed back (or moved) — never shown as settled only
            credit["count"] += 1
            credit["amount"] -= view["balance"]
            credit["entries"].append({"number": view["number"], "name": name, "amount": -view["balance"]})
        due = view["balance"] - view["reported"]
        if due > 0:
            unpaid["count"] += 1
            unpaid["amount"] += due
            unpaid["entries"].append({"number": view["number"], "name": name, "amount": due})
    return {
        "id": campaign.id, "code": campaign.code, "title": campaign.title, "status": campaign.status,
        "orders": len(views), "total": sum(v["total"] for v in views),
        "paid": paid, "reported": reported, "not_found": not_found, "unpaid": unpaid, "credit": credit,
        "not_picked_up": {"count": sum(1 for v in views if v["status"] == OrderStatus.OPEN)},
    }


def totals_of(campaigns: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"orders": 0, "total": 0, "not_picked_up": {"count": 0}}
    for key in ("paid", "reported", "not_found", "unpaid", "credit"):
        out[key] = _bucket()
    for c in campaigns:
        out["orders"] += c["orders"]
        out["total"] += c["total"]
        out["not_picked_up"]["count"] += c["not_picked_up"]["count"]
        for key in ("paid", "reported", "not_found", "unpaid", "credit"):
            out[key]["count"] += c.get(key, _bucket())["count"]
            out[key]["amount"] += c.get(key, _bucket())["amount"]
    return out


async def found_transfers(tz: ZoneInfo) -> set[int]:
    """Ids of the reported transfers the imported bank statement shows (`match_transfers`)."""
    reported = await Payment.filter(method=PaymentMethod.TRANSFER,
                                    status=PaymentStatus.REPORTED).values_list("last5", flat=True)
    last5s = {x for x in reported if x}
    if not last5s:
        return set()
    # Confirmed transfers take part too: a bank line that paid one cannot show another. A split
    # transfer is matched whole, and its reported parts are found with it.
    pays = await Payment.filter(method=PaymentMethod.TRANSFER, last5__in=last5s, parent_id=None,
                                status__in=(PaymentStatus.REPORTED, PaymentStatus.CONFIRMED, PaymentStatus.SPLIT))
    lines = await BankStatementLine.filter(last5__in=last5s)
    matched = match_transfers(
        [transfer_of(p, tz) for p in pays],
        [StatementLine(l.id, l.last5, l.amount, l.booked_on, l.payment_id) for l in lines],
    )
    found = {p.id for p in pays if p.status == PaymentStatus.REPORTED and p.id in matched}
    split = [p.id for p in pays if p.status == PaymentStatus.SPLIT and p.id in matched]
    if split:
        found |= set(await Payment.filter(parent_id__in=split, status=PaymentStatus.REPORTED)
                     .values_list("id", flat=True))
    return found


async def host_reports(day: date, tz: ZoneInfo, *, hosts: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Per host (member id; all, or those in ``hosts``) with unfinished campaigns: ``{"date",
    "statement_through", "campaigns": [summary…], "totals"}``. Hosts with nothing left to do
    are left out."""
    campaigns = await unfinished_campaigns()
    if hosts is not None:
        wanted = set(hosts)
        campaigns = [c for c in campaigns if c.host_id in wanted]
    if not campaigns:
        return {}
    orders = await Order.filter(campaign_id__in=[c.id for c in campaigns]).order_by("id")
    views_by_campaign: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for view in await order_views(orders):
        views_by_campaign[view["campaign"]["id"]].append(view)
    found = await found_transfers(tz)
    latest = await BankStatementLine.all().order_by("-booked_on").first()
    by_host: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for campaign in campaigns:
        summary = campaign_summary(campaign, views_by_campaign.get(campaign.id, []), found)
        if summary is not None:
            by_host[campaign.host_id].append(summary)
    return {
        host_id: {"date": day.isoformat(),
                  "statement_through": latest.booked_on.isoformat() if latest else None,
                  "campaigns": summaries, "totals": totals_of(summaries)}
        for host_id, summaries in by_host.items()
    }


async def unfinished_campaigns() -> list[Campaign]:
    """Campaigns (open or closed, with a host) that may still have something to report: an
    order not handed over, a transfer not confirmed, or a handover forced with a balance due."""
    ids = set(await Order.filter(status=OrderStatus.OPEN, campaign_id__isnull=False).distinct()
              .values_list("campaign_id", flat=True))
    ids |= set(await Payment.filter(status=PaymentStatus.REPORTED, order__campaign_id__isnull=False).distinct()
               .values_list("order__campaign_id", flat=True))
    ids |= set(await Handover.filter(forced=True, order__campaign_id__isnull=False).distinct()
               .values_list("order__campaign_id", flat=True))
    if not ids:
        return []
    return await Campaign.filter(id__in=ids, status__in=(CampaignStatus.OPEN, CampaignStatus.CLOSED),
                                 host_id__isnull=False).order_by("id")


async def host_line_ids(member_ids: Iterable[int]) -> dict[int, str]:
    rows = await Member.filter(id__in=list(member_ids), line_user_id__isnull=False).values_list("id", "line_user_id")
    return dict(rows)
