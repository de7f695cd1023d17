"""Small builders for service-level tests (they call the real services)."""
from __future__ import annotations

from datetime import datetime, timedelta

from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.members import upsert_member
from commerce.models import Campaign, Member


async def a_campaign(now: datetime, *items: ItemSpec, title: str = "草莓大福", groups=("Cgroup1",),
                     host: str | None = "Uhost", announce: bool = False) -> Campaign:
    items = items or (ItemSpec(label="A", name="原味", price=120, stock=50),)
    return await open_campaign(
        CampaignSpec(title=title, items=items, closes_at=now + timedelta(days=3), group_ids=groups,
                     host_user_id=host, announce=announce),
        now=now,
    )


async def members(n: int, prefix: str = "Ubuyer") -> list[Member]:
    return [await upsert_member(f"{prefix}{i:05d}", f"買家{i}") for i in range(n)]
