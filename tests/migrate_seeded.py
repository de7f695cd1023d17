"""Apply the migrations one at a time to a database that has rows in every table, as a shop's
database has when it upgrades: after each migration, one more row goes into every table that
exists then. Prints a JSON object: each table's row count at the end, and how many rows went in.

    python -m tests.migrate_seeded DATABASE_URL

Rows are filled from the live schema (a value of each column's type, unique per row); foreign
keys are not followed (SQLite does not enforce them on a plain connection; on PostgreSQL the
session sets ``session_replication_role = replica``). A migration that cannot run on rows —
adding a NOT NULL column with no database default, say — fails here as it would in a shop.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import sys
import traceback
import uuid
from pathlib import Path

from tortoise.migrations.api import migrate

from commerce.db import tortoise_config

MIGRATIONS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "commerce" / "migrations").glob("0*.py"))
SKIP = {"tortoise_migrations"}


def _value(kind: str, n: int):
    kind = kind.lower()
    if "timestamp" in kind or "datetime" in kind:
        return dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=n)
    if kind == "date":
        return dt.date(2026, 1, 1) + dt.timedelta(days=n)
    if "bool" in kind:
        return False
    if "json" in kind:
        return "{}"
    if "uuid" in kind or kind == "char(36)":
        return str(uuid.UUID(int=n))
    if "int" in kind or "serial" in kind:
        return n
    if "real" in kind or "double" in kind or "numeric" in kind or "decimal" in kind:
        return float(n)
    return f"v{n}"


def _sqlite_seed(path: str, n: int) -> list[str]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%'") if r[0] not in SKIP]
    for table in tables:
        cols = [(name, kind) for _, name, kind, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")')
                if not (pk and "INT" in kind.upper())]
        values = [_value(kind, n) for _, kind in cols]
        values = [v.isoformat(" ") if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date) else v
                  for v in values]
        conn.execute(f'INSERT INTO "{table}" ({", ".join(f"{c!r}".replace(chr(39), chr(34)) for c, _ in cols)})'
                     f' VALUES ({", ".join("?" * len(cols))})', values)
    conn.commit()
    conn.close()
    return tables


def _sqlite_counts(path: str) -> dict[str, int]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%'") if r[0] not in SKIP]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    conn.close()
    return counts


async def _pg(url: str):
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    await conn.execute("SET session_replication_role = replica")
    return conn


async def _pg_tables(conn) -> list[str]:
    rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                            " AND table_type = 'BASE TABLE'")
    return sorted(r["table_name"] for r in rows if r["table_name"] not in SKIP)


async def _pg_seed(url: str, n: int) -> list[str]:
    conn = await _pg(url)
    try:
        tables = await _pg_tables(conn)
        for table in tables:
            cols = [(r["column_name"], r["data_type"]) for r in await conn.fetch(
                "SELECT column_name, data_type, column_default FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position", table)
                if not (r["column_default"] or "").startswith("nextval(")]
            names = ", ".join(f'"{c}"' for c, _ in cols)
            marks = ", ".join(f"${i + 1}" for i in range(len(cols)))
            await conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', *[_value(k, n) for _, k in cols])
        return tables
    finally:
        await conn.close()


async def _pg_counts(url: str) -> dict[str, int]:
    conn = await _pg(url)
    try:
        return {t: await conn.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in await _pg_tables(conn)}
    finally:
        await conn.close()


async def main(url: str) -> dict:
    sqlite = url.startswith("sqlite://")
    path = url.removeprefix("sqlite://")
    inserted: dict[str, int] = {}
    for n, name in enumerate(MIGRATIONS, start=1):
        await migrate(config=tortoise_config(url), target=f"commerce.{name}")
        for table in (_sqlite_seed(path, n) if sqlite else await _pg_seed(url, n)):
            inserted[table] = inserted.get(table, 0) + 1
    counts = _sqlite_counts(path) if sqlite else await _pg_counts(url)
    return {"migrations": MIGRATIONS, "inserted": inserted, "counts": counts}


if __name__ == "__main__":
    code = 1
    try:
        print(json.dumps(asyncio.run(main(sys.argv[1]))))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # a migration that failed leaves an aiosqlite thread that would keep us alive
