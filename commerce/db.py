"""Database set-up and the thin raw-SQL helper the hot paths use.

Tortoise keeps its state in a context variable: whatever runs queries must run
inside the context ``init_db`` returns (or a task created after it).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext

MODELS = ["commerce.models"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def normalise_url(db_url: str) -> str:
    """Give SQLite a busy timeout and PostgreSQL a small pool unless the URL says otherwise.

    A small pool matters: on a hot item row a pool of 32 halves throughput (requests
    queue on the row lock).
    """
    parts = urlsplit(db_url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        query.setdefault("busy_timeout", "15000")
        query.setdefault("journal_mode", "WAL")
        query.setdefault("synchronous", "NORMAL")
    elif parts.scheme in ("postgres", "postgresql", "asyncpg"):
        query.setdefault("minsize", "1")
        query.setdefault("maxsize", "8")
    return urlunsplit(parts._replace(query=urlencode(query)))


def tortoise_config(db_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(db_url)},
        "apps": {
            "commerce": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": "commerce.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def upgrade_schema(db_url: str) -> None:
    """Apply every migration not yet applied (creates the schema on an empty database)."""
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(db_url))


async def init_db(db_url: str, *, upgrade: bool = True) -> TortoiseContext:
    if upgrade:
        await upgrade_schema(db_url)
    # The global fallback lets request handlers (tasks aiohttp creates outside the task that
    # ran the start-up hook) see the ORM context.
    return await Tortoise.init(config=tortoise_config(db_url), _enable_global_fallback=True)


async def close_db(ctx: TortoiseContext | None = None) -> None:
    """Close the connections of ``ctx`` (what ``init_db`` returned) or of the current context.

    Pass the context when you have it: with the global fallback, "current" may be another
    one, and a connection left open is closed by the garbage collector on a dead loop."""
    if ctx is not None:
        await ctx.close_connections()
    else:
        await Tortoise.close_connections()


def dialect() -> str:
    return connections.get("default").capabilities.dialect


_PLACEHOLDER = re.compile(r"\?")
_converted: dict[tuple[str, str], str] = {}


def for_dialect(conn: Any, sql: str) -> str:
    """``sql`` written with ``?`` placeholders, as the connection's driver wants it."""
    name = conn.capabilities.dialect
    key = (name, sql)
    converted = _converted.get(key)
    if converted is None:
        if name == "sqlite":
            converted = sql
        else:
            counter = iter(range(1, 10_000))
            converted = _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)
        _converted[key] = converted
    return converted


async def execute(conn: Any, sql: str, *values: Any) -> int:
    """Run a write written with ``?`` placeholders; return the affected row count."""
    count, _ = await conn.execute_query(for_dialect(conn, sql), list(values))
    return count


async def fetch(conn: Any, sql: str, *values: Any) -> list[dict]:
    """Run a query (or a write with RETURNING) and return its rows as dicts."""
    return await conn.execute_query_dict(for_dialect(conn, sql), list(values))


async def new_ids(conn: Any, table: str, count: int) -> list[int]:
    """``count`` ids for rows about to be inserted into ``table`` in one multi-row statement
    (inside the caller's write transaction). PostgreSQL draws them from the table's sequence;
    SQLite counts on from the largest id (the transaction holds the only write lock)."""
    if count <= 0:
        return []
    if conn.capabilities.dialect == "postgres":
        rows = await fetch(conn, f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id"
                                 " FROM generate_series(1, ?::int)", count)
        return [int(r["id"]) for r in rows]
    top = (await fetch(conn, f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}"))[0]["top"]
    return list(range(int(top) + 1, int(top) + 1 + count))


# For the `tortoise` CLI (makemigrations): `tortoise -c commerce.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
