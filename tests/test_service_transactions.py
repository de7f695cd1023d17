"""A service that writes in several steps writes all of them or none: a step that the database
refuses (a real input it cannot store, or a constraint it enforces) leaves nothing half-written."""
from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError

from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.models import Campaign, CampaignGroup, Item, LineGroup, Member, Notification, StaffSession, StaffUser
from commerce.sessions import sign_in, session_for
from commerce.staff import add_staff
from tests.conftest import BACKEND


async def test_a_campaign_whose_items_the_database_cannot_store_leaves_no_campaign_group_or_host(db, now):
    # Given a price past what an integer column holds: built without validation (the command
    # refuses it), so that it reaches the items' insert, which fails.
    too_big = ItemSpec.model_construct(label="B", name="抹茶", price=2**63, stock=None, limit_per_buyer=None,
                                       barcode=None)
    spec = CampaignSpec(title="草莓大福", items=[ItemSpec(label="A", name="原味", price=120)],
                        closes_at=now + timedelta(days=3), host_user_id="Uhost", group_ids=["Cnew"])
    spec = spec.model_copy(update={"items": [*spec.items, too_big]})

    with pytest.raises((OverflowError, OperationalError)):  # OverflowError: SQLite's driver
        await open_campaign(spec, now=now)

    assert (await Campaign.all().count(), await Item.all().count(), await CampaignGroup.all().count()) == (0, 0, 0)
    assert (await LineGroup.all().count(), await Member.all().count(), await Notification.all().count()) == (0, 0, 0)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the refusing trigger is written in SQLite's dialect")
async def test_a_password_reset_whose_sign_outs_the_database_refuses_keeps_the_old_password_and_role(db, now):
    # Given a cashier signed in, and a database that refuses to end staff sessions.
    await add_staff("amy", "old-password", "cashier")
    token, _ = await sign_in("amy", "old-password", address="10.0.0.1", now=now)
    await connections.get("default").execute_script(
        "CREATE TRIGGER keep_sessions BEFORE DELETE ON staff_sessions BEGIN SELECT RAISE(ABORT, 'kept'); END;")

    with pytest.raises(IntegrityError):
        await add_staff("amy", "new-password", "manager")

    user = await StaffUser.get(username="amy")
    assert user.role == "cashier" and await StaffSession.filter(user_id=user.id).count() == 1
    assert await session_for(token, now=now) is not None
    assert await sign_in("amy", "new-password", address="10.0.0.1", now=now) is None
