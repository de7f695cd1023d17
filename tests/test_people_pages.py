"""The pages of #18 as rendered by the server: download links, links to the buyer page, the
members pages, and the new-campaign form choosing hosts and groups by name (group names read
from LINE's group summary when the bot joins)."""
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import add_host, bind_phone, upsert_member
from commerce.models import LineGroup
from commerce.ordering import Wanted, reserve
from tests.api_helpers import signed_in
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, join_event
from tests.line_app import line_app, post_events, settled

EVIL = "<script>alert(1)</script>"


async def a_buyer_with_an_order():
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="原味", price=120))
    member = await upsert_member("Uevil", EVIL)
    await bind_phone(member.id, "0912-345-678")
    await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", 1)], now=utcnow())
    return campaign, member


async def test_the_campaign_and_pick_list_pages_link_the_orders_csv_and_each_buyer(client):
    campaign, member = await a_buyer_with_an_order()
    await signed_in(client, "manager", page="/manager/campaigns")

    page = await (await client.get(f"/manager/campaigns/{campaign.id}")).text()
    english = await (await client.get(f"/manager/campaigns/{campaign.id}?lang=en")).text()
    picklist = await (await client.get(f"/manager/campaigns/{campaign.id}/picklist")).text()

    assert f'href="/api/campaigns/{campaign.id}/orders?format=csv&amp;lang=zh-TW"' in page
    assert f'href="/api/campaigns/{campaign.id}/orders?format=csv&amp;lang=en"' in english
    assert f'href="/api/campaigns/{campaign.id}/orders?format=csv&amp;lang=zh-TW"' in picklist
    assert f'<a href="/manager/members/{member.id}">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in page
    assert EVIL not in page


async def test_a_cashier_searches_members_and_opens_a_buyer_with_the_name_escaped(client):
    _, member = await a_buyer_with_an_order()
    await signed_in(client, "cashier")

    listing = await client.get("/manager/members?q=678")
    buyer = await client.get(f"/manager/members/{member.id}")
    missing = await client.get("/manager/members/99999")

    assert listing.status == buyer.status == 200 and missing.status == 404
    text = await listing.text()
    assert f'href="/manager/members/{member.id}"' in text and "&lt;script&gt;" in text and EVIL not in text
    page = await buyer.text()
    assert EVIL not in page and "0912-345-678" in page and "草莓大福" in page
    assert 'id="note-form"' in page and "people.js" in page


async def test_the_members_pages_need_a_sign_in(client):
    resp = await client.get("/manager/members", allow_redirects=False)

    assert resp.status == 303 and resp.headers["Location"].startswith("/login?next=/manager/members")


async def test_the_new_campaign_form_offers_registered_hosts_by_name(client):
    await add_host("Uhost0001", "團媽 <Amy>")
    await upsert_member("Ubuyer", "只是買家")
    await signed_in(client, "manager", page="/manager/campaigns")

    page = await (await client.get("/manager/campaigns")).text()

    assert '<select id="nc-host" name="host_user_id"' in page
    assert '<option value="Uhost0001">團媽 &lt;Amy&gt;</option>' in page
    assert "只是買家" not in page


async def test_the_bot_joining_a_group_stores_its_name_from_line_and_the_form_shows_it(aiohttp_client, db_url,
                                                                                       fake_line):
    fake_line.set_group_name(GROUP_ID, "草莓團 <b>")
    client = await aiohttp_client(line_app(db_url, fake_line))

    resp = await post_events(client, [join_event(GROUP_ID), join_event("Cunnamed0000000000000000000000001")])
    await settled()
    await signed_in(client, "manager", page="/manager/campaigns")
    page = await (await client.get("/manager/campaigns")).text()

    assert resp.status == 200
    assert (await LineGroup.get(line_group_id=GROUP_ID)).name == "草莓團 <b>"
    assert (await LineGroup.get(line_group_id="Cunnamed0000000000000000000000001")).name == ""
    assert [a.path for a in fake_line.requests if a.path.endswith("/summary")] == [
        f"/v2/bot/group/{GROUP_ID}/summary", "/v2/bot/group/Cunnamed0000000000000000000000001/summary"]
    assert '<span class="group-name">草莓團 &lt;b&gt;</span>' in page
    assert '<span class="group-name">（未取得群組名稱）</span>' in page
