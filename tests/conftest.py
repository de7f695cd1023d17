"""Shared fixtures. The whole suite runs on SQLite, and on PostgreSQL when
PLUSONE_TEST_POSTGRES_URL is set (each test gets its own fresh database)."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from commerce.db import close_db, init_db

PG_URL = os.environ.get("PLUSONE_TEST_POSTGRES_URL")
BACKEND = "postgres" if PG_URL else "sqlite"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def db_url(tmp_path):
    """A URL to a fresh, empty database of the backend under test."""
    if not PG_URL:
        yield f"sqlite://{tmp_path}/plusone.db"
        return
    name = f"plusone_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(db_url):
    """Tortoise initialised on a fresh, migrated database."""
    ctx = await init_db(db_url)
    try:
        yield db_url
    finally:
        await close_db(ctx)


@pytest.fixture
def now():
    return datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def later(now):
    return now + timedelta(days=6)


@pytest.fixture
async def browser():
    """Headless Debian Chromium (tests/browser.py), for the page tests."""
    from tests.browser import launch_chromium

    async with launch_chromium() as chromium:
        yield chromium
