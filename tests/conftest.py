"""Shared fixtures. The whole suite runs on SQLite, and on PostgreSQL when
PLUSONE_TEST_POSTGRES_URL is set (each test gets its own database).

The schema is migrated once per session into a template; each test gets a copy of it (a file
copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), which is about fifty times
cheaper than migrating a fresh database per test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from commerce.db import close_db, init_db, utcnow
from plusone.app import create_app
from plusone.settings import Settings
from tests.fake_line import fake_line_fixture  # noqa: F401  (the `fake_line` fixture)
from tests.fake_printer import printer  # noqa: F401  (the `printer` fixture)

PG_URL = os.environ.get("PLUSONE_TEST_POSTGRES_URL")
BACKEND = "postgres" if PG_URL else "sqlite"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_database_url(name: str) -> str:
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


def _migrate(url: str) -> None:
    """`plusone db upgrade` in its own process, so no ORM state leaks into the test session."""
    env = {**os.environ, "PLUSONE_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "plusone.cli", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"migrating the test template failed:\n{result.stderr}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database that per-test databases are copied from (a path or a database name)."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "plusone.db"
        _migrate(f"sqlite://{path}")
        yield path
        return
    import asyncio

    name = f"plusone_tpl_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(_pg_database_url(name))
        yield name
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _a_database(tmp_path, template: object | None):
    """A URL to a new database: a copy of ``template``, or empty when it is None."""
    if not PG_URL:
        path = tmp_path / "plusone.db"
        if template is not None:
            shutil.copyfile(template, path)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(f"{template}{suffix}"):
                    shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
        yield f"sqlite://{path}"
        return
    name = f"plusone_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_database_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db_url(tmp_path, template_db):
    """A URL to a fresh database of the backend under test, schema already migrated."""
    async for url in _a_database(tmp_path, template_db):
        yield url


@pytest.fixture
async def empty_db_url(tmp_path):
    """A URL to a fresh database with no schema at all (for the migration tests)."""
    async for url in _a_database(tmp_path, None):
        yield url


@pytest.fixture
async def db(db_url):
    """Tortoise initialised on a fresh, migrated database."""
    ctx = await init_db(db_url, upgrade=False)
    try:
        yield db_url
    finally:
        await close_db(ctx)


@pytest.fixture
async def client(aiohttp_client, db_url):
    """The app (sandbox mode, default settings) on a fresh database, driven over HTTP."""
    return await aiohttp_client(create_app(Settings(database_url=db_url)))


@pytest.fixture
def now():
    """A fixed instant for tests that stay in this process (rules and services take `now`).

    A test that starts a server, a worker process or a browser must not use it: those read the
    real clock, so it uses ``live_now`` (the suite passes 400 days from today, see README)."""
    return datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def live_now():
    """The real clock at the start of the test, for tests whose servers read the real clock."""
    return utcnow()


@pytest.fixture
def later(now):
    return now + timedelta(days=6)


@pytest.fixture
async def browser():
    """Headless Debian Chromium (tests/browser.py), for the page tests; skips without it."""
    from tests.browser import launch_chromium

    async with launch_chromium() as chromium:
        yield chromium



@pytest.fixture
def aiohttp_client(aiohttp_client):  # noqa: F811  (pytest-aiohttp's, wrapped)
    """Every app a test starts checks each /api answer against the OpenAPI document
    (tests/api_contract.py); a test that got an answer the document does not describe fails."""
    from tests.api_contract import Contract

    contracts = []

    async def make(app, *args, **kwargs):
        from aiohttp import web

        if isinstance(app, web.Application):
            contracts.append(Contract.watch(app))
        return await aiohttp_client(app, *args, **kwargs)

    yield make
    broken = [problem for contract in contracts for problem in contract.problems]
    assert not broken, "answers that do not match the OpenAPI document:\n" + "\n".join(broken)
