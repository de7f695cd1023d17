"""`plusone serve --demo`: a shop, a staff login, a campaign and some orders."""
from __future__ import annotations

import secrets
from datetime import timedelta

from bot.sandbox import (
    SANDBOX_GROUP as DEMO_GROUP,  # the demo campaign lives in the sandbox's group
)
from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.commands import NewPayment
from commerce.db import utcnow
from commerce.members import add_host, bind_phone, ensure_group, upsert_member
from commerce.models import Campaign
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment, report_transfer
from commerce.staff import add_staff
from commerce.states import PaymentMethod

BUYERS = [
    ("Udemo01", "小美", "0912-345-678"), ("Udemo02", "阿明", "0922-111-333"), ("Udemo03", "Jenny 陳", "0933-456-789"),
    ("Udemo04", "王媽媽", "0955-000-111"), ("Udemo05", "Kevin", None), ("Udemo06", "林小姐", "0988-765-432"),
]


async def seed(app=None) -> dict:
    """Seed once (a second run only resets the demo password); print the login."""
    password = secrets.token_urlsafe(9)
    await add_staff("demo", password, "admin")
    if not await Campaign.exists(title="草莓大福 Strawberry daifuku"):
        now = utcnow()
        host = await add_host("Udemohost", "團媽 Amy")
        await ensure_group(DEMO_GROUP, "社區團購群")
        campaign = await open_campaign(
            CampaignSpec(
                title="草莓大福 Strawberry daifuku",
                items=[ItemSpec(label="A", name="原味草莓大福", price=120, stock=50, barcode="4710000000011"),
                       ItemSpec(label="B", name="抹茶草莓大福", price=130, stock=30, limit_per_buyer=4, barcode="4710000000028"),
                       ItemSpec(label="C", name="綜合禮盒 6入", price=680, stock=5, barcode="4710000000035")],
                closes_at=now + timedelta(days=3), pickup_from=(now + timedelta(days=4)).date(),
                pickup_until=(now + timedelta(days=7)).date(), pickup_place="本店 (中山路 12 號)",
                host_user_id=host.line_user_id, group_ids=[DEMO_GROUP], announce=False,
            ),
            now=now,
        )
        for i, (uid, name, phone) in enumerate(BUYERS):
            member = await upsert_member(uid, name)
            if phone:
                await bind_phone(member.id, phone)
            wanted = [Wanted("A", 1 + i % 3)] + ([Wanted("B", 2)] if i % 2 else []) + ([Wanted("C", 1)] if i == 3 else [])
            booking = await reserve(campaign_id=campaign.id, member_id=member.id, wanted=wanted, now=now,
                                    source_message_id=f"demo-{i}")
            if i == 0:
                await record_payment(booking.order_id, NewPayment(method=PaymentMethod.CASH, amount=120, tendered=200),
                                     actor="demo", now=now)
            if i == 2:
                await report_transfer(order_id=booking.order_id, last5="54321", amount=360, actor=uid, now=now)
    print(f"demo staff login: user 'demo', password '{password}'", flush=True)
    return {"username": "demo", "password": password}
