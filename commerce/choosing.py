"""Which campaign a buyer's message in a group means (DESIGN.md, Chat grammar), and the reads
the conversations make around it. Reads only.

`choose_campaign` is the rule: the campaign whose announcement (or whose "+1") the message
quotes, else the group's only campaign taking orders, else the one of those whose items the
order names. `batch_choice` is the same rule for a run of plain "+1"s read in one query.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commerce.db import fetch
from commerce.models import Campaign, CampaignGroup, Item, OrderLine
from commerce.rules import open_at, takes_orders

CLOSING_SOON = timedelta(hours=1)  # a confirmation then says when the campaign closes


@dataclass(frozen=True)
class Choice:
    """The campaign a group message means, or why there is none: several take orders
    (`several`), or none does (`last` is the group's latest campaign, closed or past its
    deadline)."""

    campaign: Campaign | None = None
    several: tuple[Campaign, ...] = field(default=())
    last: Campaign | None = None


def closes_soon(campaign: Campaign, now: datetime) -> bool:
    return takes_orders(campaign.status, campaign.closes_at, now) and campaign.closes_at - now <= CLOSING_SOON


async def choose_campaign(group_id: str, quoted_message_id: str | None, now: datetime, *,
                          fits: Callable[[list[Item]], bool] | None = None) -> Choice:
    """The quoted campaign, else the group's only one taking orders at ``now``, else (when
    several do) the only one whose items ``fits`` accepts."""
    quoted = await quoted_campaign(group_id, quoted_message_id)
    if quoted is not None:
        return Choice(campaign=quoted)
    found = await open_campaigns(group_id, now)
    if len(found) == 1:
        return Choice(campaign=found[0])
    if not found:
        return Choice(last=await latest_campaign(group_id))
    fitting = [c for c in found if fits(await items_of(c.id))] if fits else []
    return Choice(campaign=fitting[0]) if len(fitting) == 1 else Choice(several=tuple(found))


async def quoted_campaign(group_id: str, quoted_message_id: str | None) -> Campaign | None:
    """The campaign whose announcement in this group was quoted; quoting a buyer's "+1"
    names that order's campaign too."""
    if not quoted_message_id:
        return None
    link = await CampaignGroup.filter(
        group__line_group_id=group_id, announce_message_id=quoted_message_id
    ).prefetch_related("campaign").first()
    if link is not None:
        return link.campaign
    line = await OrderLine.filter(source_message_id=quoted_message_id).prefetch_related("item").first()
    if line is not None and await CampaignGroup.exists(
        campaign_id=line.item.campaign_id, group__line_group_id=group_id
    ):
        return await Campaign.get(id=line.item.campaign_id)
    return None


async def open_campaigns(group_id: str, now: datetime) -> list[Campaign]:
    # One query with joins: this runs for every "+1" (a prefetch would be two).
    return await Campaign.filter(open_at(now), groups__group__line_group_id=group_id).order_by("id")


async def latest_campaign(group_id: str) -> Campaign | None:
    link = await CampaignGroup.filter(group__line_group_id=group_id).order_by("-campaign_id") \
        .prefetch_related("campaign").first()
    return link.campaign if link is not None else None


async def group_campaign_ids(group_id: str) -> set[int]:
    return set(await CampaignGroup.filter(group__line_group_id=group_id).values_list("campaign_id", flat=True))


async def campaigns_by_code(group_id: str, codes: Iterable[str]) -> list[Campaign]:
    """The group's campaigns with one of ``codes``."""
    return await Campaign.filter(groups__group__line_group_id=group_id, code__in=list(codes))


async def campaigns_by_id(ids: Sequence[int]) -> list[Campaign]:
    """The campaigns of ``ids`` that exist, in the order given."""
    by_id = {c.id: c for c in await Campaign.filter(id__in=list(ids))}
    return [by_id[i] for i in ids if i in by_id]


async def campaigns_holding(campaigns: Sequence[Campaign], user_id: str | None, label: str | None) -> list[Campaign]:
    """Those of ``campaigns`` in which the buyer holds a line (of ``label``, when given)."""
    lines = OrderLine.filter(order__campaign_id__in=[c.id for c in campaigns], status__in=("reserved", "waitlisted"),
                             order__member__line_user_id=user_id or "")
    if label is not None:
        lines = lines.filter(item__label=label)
    held = set(await lines.values_list("order__campaign_id", flat=True))
    return [c for c in campaigns if c.id in held]


async def items_of(campaign_id: int) -> list[Item]:
    return await Item.filter(campaign_id=campaign_id).order_by("position", "id")


async def with_items(campaign_ids: Iterable[int]) -> dict[int, tuple[Campaign, list[Item]]]:
    """Each campaign with its items, in two queries."""
    ids = list(campaign_ids)
    found = {c.id: (c, []) for c in await Campaign.filter(id__in=ids)}
    for item in await Item.filter(campaign_id__in=ids).order_by("position", "id"):
        found[item.campaign_id][1].append(item)
    return found


# --- a run of "+1"s, in the caller's transaction ------------------------------------------

@dataclass(frozen=True)
class Ask:
    key: int
    group_id: str
    quoted_message_id: str | None
    at: datetime  # the message's stamp


async def batch_choice(conn, asks: Sequence[Ask]) -> dict[int, int]:
    """The campaign id of each ask (by its key), by ``choose_campaign``'s rule without its last
    step: the quoted announcement's, else the group's only campaign taking orders at the ask's
    stamp. Asks with neither are left out; a quote that is not an announcement is too."""
    groups = list(dict.fromkeys(a.group_id for a in asks))
    if not groups:
        return {}
    candidates: dict[str, list] = {g: [] for g in groups}
    for r in await fetch(
            conn, "SELECT c.id, c.status, c.closes_at, g.line_group_id FROM campaigns c"
            " JOIN campaign_groups cg ON cg.campaign_id = c.id JOIN line_groups g ON g.id = cg.group_id"
            f" WHERE c.status = 'open' AND g.line_group_id IN ({', '.join('?' * len(groups))}) ORDER BY c.id",
            *groups):
        candidates[r["line_group_id"]].append(r)
    quoted = list({a.quoted_message_id for a in asks if a.quoted_message_id})
    announced: dict[tuple[str, str], int] = {}
    if quoted:
        for r in await fetch(
                conn, "SELECT cg.campaign_id, cg.announce_message_id, g.line_group_id FROM campaign_groups cg"
                " JOIN line_groups g ON g.id = cg.group_id"
                f" WHERE cg.announce_message_id IN ({', '.join('?' * len(quoted))})", *quoted):
            announced[(r["line_group_id"], r["announce_message_id"])] = r["campaign_id"]
    choice = {}
    for a in asks:
        if a.quoted_message_id:
            if (a.group_id, a.quoted_message_id) in announced:
                choice[a.key] = announced[(a.group_id, a.quoted_message_id)]
            continue
        now_open = [r["id"] for r in candidates[a.group_id] if takes_orders(r["status"], r["closes_at"], a.at)]
        if len(now_open) == 1:
            choice[a.key] = now_open[0]
    return choice


async def groups_owed_close_notice(conn, group_ids: Sequence[str]) -> set[str]:
    """Those of ``group_ids`` owed a "closed" notice by the reply to their next message."""
    if not group_ids:
        return set()
    return {r["line_group_id"] for r in await fetch(
        conn, "SELECT g.line_group_id FROM campaign_groups cg JOIN line_groups g ON g.id = cg.group_id"
        f" WHERE cg.close_notice = 'due' AND g.line_group_id IN ({', '.join('?' * len(group_ids))})", *group_ids)}
