"""Reads the conversations share: which campaign a group message means, who is talking.

Reads only, except `buyer`, which creates the member on first sight (commerce.members).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.events import BotContext, Incoming
from bot.messages import text_message
from commerce.members import upsert_member
from commerce.models import Campaign, CampaignGroup, Item, Member, OrderLine

log = logging.getLogger(__name__)

CLOSING_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class Choice:
    """The campaign a group message means, or why there is none: several open (`several`),
    or none open (`last` is the group's latest campaign, closed or past its deadline)."""

    campaign: Campaign | None = None
    several: tuple[Campaign, ...] = field(default=())
    last: Campaign | None = None


def is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.status == "open" and campaign.closes_at > now


def closes_soon(campaign: Campaign, now: datetime) -> bool:
    return is_open(campaign, now) and campaign.closes_at - now <= CLOSING_SOON


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
    return await Campaign.filter(groups__group__line_group_id=group_id, status="open",
                                 closes_at__gt=now).order_by("id")


async def latest_campaign(group_id: str) -> Campaign | None:
    link = await CampaignGroup.filter(group__line_group_id=group_id).order_by("-campaign_id") \
        .prefetch_related("campaign").first()
    return link.campaign if link is not None else None


async def choose_campaign(group_id: str, quoted_message_id: str | None, now: datetime) -> Choice:
    """DESIGN.md, Chat grammar: the quoted campaign, else the group's only open one."""
    quoted = await quoted_campaign(group_id, quoted_message_id)
    if quoted is not None:
        return Choice(campaign=quoted)
    found = await open_campaigns(group_id, now)
    if len(found) == 1:
        return Choice(campaign=found[0])
    if found:
        return Choice(several=tuple(found))
    return Choice(last=await latest_campaign(group_id))


async def items_of(campaign_id: int) -> list[Item]:
    return await Item.filter(campaign_id=campaign_id).order_by("position", "id")


def item_dicts(items: list[Item]) -> list[dict]:
    return [{"label": i.label, "name": i.name, "price": i.price} for i in items]


async def known_member(user_id: str | None) -> Member | None:
    return await Member.get_or_none(line_user_id=user_id) if user_id else None


async def is_host(user_id: str | None) -> bool:
    return bool(user_id) and await Member.exists(line_user_id=user_id, is_host=True)


async def buyer(incoming: Incoming, ctx: BotContext) -> Member:
    """The member for the sender, created on first sight. The display name is fetched only
    when we have none: profiles are an outside call and names rarely change."""
    user_id = incoming.user_id
    assert user_id is not None
    member = await Member.get_or_none(line_user_id=user_id)
    if member is not None and member.display_name:
        return member
    name = await _profile_name(ctx, user_id, incoming.group_id)
    if member is not None and not name:
        return member
    return await upsert_member(user_id, name, known=member)


async def _profile_name(ctx: BotContext, user_id: str, group_id: str | None) -> str | None:
    try:
        return await ctx.profiles.display_name(user_id, group_id)
    except Exception:  # an edge we do not own must not lose the buyer's order
        log.warning("display name of %s could not be fetched", user_id, exc_info=True)
        return None


def actor(incoming: Incoming) -> str:
    return f"line:{incoming.user_id}"


def reply(incoming: Incoming, *texts: str) -> list[dict]:
    """Text replies; the first quotes the message it answers when LINE gave a quote token."""
    return [text_message(text, incoming.quote_token if i == 0 else None)
            for i, text in enumerate(texts)]
