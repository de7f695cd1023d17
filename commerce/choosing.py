"""Which campaign a buyer's message in a group means (DESIGN.md, Chat grammar:
`choose_campaign`; `batch_choice` for a run of plain "+1"s), and the reads the conversations
make around it. Reads only."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Q

from commerce.models import Campaign, CampaignGroup, Item, OrderLine
from commerce.ordering import ACTIVE
from commerce.states import CampaignStatus
from commerce.rules import open_at, takes_orders


@dataclass(frozen=True)
class Choice:
    """The campaign a group message means, or why there is none: several take orders
    (`several`), or none does (`last` is the group's latest campaign, closed or past its
    deadline)."""

    campaign: Campaign | None = None
    several: tuple[Campaign, ...] = field(default=())
    last: Campaign | None = None


async def choose_campaign(group_id: str, quoted_message_id: str | None, now: datetime, *,
                          fits: Callable[[list[Item]], bool] | None = None) -> Choice:
    """The quoted campaign (its announcement, or a "+1" of it), else the group's only one
    taking orders at ``now``, else (when several do) the only one whose items ``fits`` takes."""
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
    lines = OrderLine.filter(order__campaign_id__in=[c.id for c in campaigns], status__in=ACTIVE,
                             order__member__line_user_id=user_id or "")
    if label is not None:
        lines = lines.filter(item__label=label)
    held = set(await lines.values_list("order__campaign_id", flat=True))
    return [c for c in campaigns if c.id in held]


async def items_of(campaign_id: int) -> list[Item]:
    return await Item.filter(campaign_id=campaign_id).order_by("position", "id")


async def with_items(campaign_ids: Iterable[int]) -> tuple[dict[int, Campaign], dict[int, list[Item]]]:
    """The campaigns by id, and their items, in two queries."""
    campaigns = {c.id: c for c in await Campaign.filter(id__in=list(campaign_ids))}
    items: dict[int, list[Item]] = {c: [] for c in campaigns}
    for item in await Item.filter(campaign_id__in=list(campaigns)).order_by("position", "id"):
        items[item.campaign_id].append(item)
    return campaigns, items


# --- a run of "+1"s ------------------------------------------------------------------------

@dataclass(frozen=True)
class Ask:
    key: int
    group_id: str
    quoted_message_id: str | None
    at: datetime  # the message's stamp


async def batch_choice(asks: Sequence[Ask]) -> dict[int, int]:
    """The campaign id of each ask (by its key), by ``choose_campaign``'s rule without its last
    step: the quoted announcement's, else the group's only campaign taking orders at the ask's
    stamp. Asks with neither are left out; a quote that is not an announcement is too."""
    groups = {a.group_id for a in asks}
    candidates = defaultdict(list)
    for r in await Campaign.filter(status=CampaignStatus.OPEN,
                                   groups__group__line_group_id__in=groups).order_by("id").values(
            "id", "status", "closes_at", group="groups__group__line_group_id"):
        candidates[r["group"]].append(r)
    announced = {(r["group"], r["announce_message_id"]): r["campaign_id"] for r in await CampaignGroup.filter(
        announce_message_id__in={a.quoted_message_id for a in asks if a.quoted_message_id}).values(
        "campaign_id", "announce_message_id", group="group__line_group_id")}
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


async def groups_owed_close_notice(group_ids: Iterable[str]) -> set[str]:
    """Those of ``group_ids`` owed a notice (closed, changed, cancelled) by the reply to their
    next message."""
    owed = Q(close_notice="due") | Q(change_notice__in=("changed", "cancelled"))
    return set(await CampaignGroup.filter(owed, group__line_group_id__in=list(group_ids))
               .values_list("group__line_group_id", flat=True))
