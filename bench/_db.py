"""Fresh throw-away databases for benchmarks."""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import asynccontextmanager

import asyncpg

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def fresh_database(backend: str, pg_url: str | None = None):
    """Yield a URL to a new empty database; drop it afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{os.path.join(tmp, 'bench.db')}"
        return
    pg_url = pg_url or os.environ.get("PLUSONE_TEST_POSTGRES_URL") or DEFAULT_PG
    name = f"plusone_bench_{uuid.uuid4().hex[:10]}"
    admin = pg_url.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
