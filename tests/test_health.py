"""GET /healthz: 200 with the database reachable, 503 when it is not."""
import os

from plusone.app import create_app
from plusone.settings import Settings
from tests.conftest import PG_URL, _pg_admin


async def test_health_is_ok_with_the_database_up(aiohttp_client, db_url):
    client = await aiohttp_client(create_app(Settings(database_url=db_url)))

    resp = await client.get("/healthz")

    assert resp.status == 200
    assert (await resp.json())["database"] == "ok"


async def test_health_is_503_when_the_database_is_gone(aiohttp_client, db_url):
    client = await aiohttp_client(create_app(Settings(database_url=db_url)))
    assert (await client.get("/healthz")).status == 200

    if PG_URL:
        await _pg_admin(f'DROP DATABASE "{db_url.rsplit("/", 1)[1]}" WITH (FORCE)')
    else:  # the database file is deleted (or its disk unmounted) under the open connection
        os.remove(db_url.split("://", 1)[1])

    resp = await client.get("/healthz")

    assert resp.status == 503
    assert (await resp.json())["database"] == "down"
