"""Counter lookup latency through the API, on a shop with years of history.

    python bench/lookup.py [--members 100000] [--orders 300000] [--n 300] [--backend sqlite|postgres|both]

Seeds members (90 % with a phone), campaigns, orders (1–2 lines each, the handed-over ones
paid) with bulk inserts, starts `plusone serve` on the database, and times sequential
`GET /api/lookup?q=…` requests by the last 4 digits of a phone, a full phone, an order
number, and (for reference) a name. Prints p50/p95/max per kind and the command line.
Target: p95 < 20 ms on SQLite for the first three.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench._db import fresh_database  # noqa: E402
from commerce.db import close_db, init_db  # noqa: E402

ORDERS_PER_CAMPAIGN = 1000
OPEN_CAMPAIGNS = 20
TOKEN = "po_bench_lookup_token"
COLUMNS = {
    "members": ("id", "line_user_id", "display_name", "phone", "phone_rev", "pickup_token", "is_host", "created_at"),
    "campaigns": ("id", "code", "title", "status", "closes_at", "pickup_from", "pickup_until", "pickup_place",
                  "created_at", "closed_at", "host_id"),
    "items": ("id", "label", "name", "price", "cap", "limit_per_buyer", "barcode", "sold", "position", "campaign_id"),
    "orders": ("id", "status", "created_at", "updated_at", "campaign_id", "member_id"),
    "order_lines": ("id", "qty", "unit_price", "status", "source", "source_message_id", "note", "created_at",
                    "item_id", "order_id"),
    "payments": ("id", "method", "amount", "tendered", "change", "status", "last5", "actor", "reason", "created_at",
                 "decided_at", "order_id"),
    "api_tokens": ("id", "token_hash", "role", "name", "revoked", "created_at"),
}


def build_rows(members: int, orders: int, seed: int = 7) -> dict[str, list[tuple]]:
    """Every table's rows as tuples in COLUMNS order (ids given, so the inserts are plain)."""
    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    phones = rnd.sample(range(10**8), members)
    rows: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    for i in range(members):
        national = f"09{phones[i]:08d}" if i % 10 else None
        rows["members"].append((i + 1, f"U{i:032x}", f"買家{i}", "+886" + national[1:] if national else None,
                                national[::-1] if national else None, f"tok{i:013d}", False, now))
    campaigns = -(-orders // ORDERS_PER_CAMPAIGN)
    for c in range(campaigns):
        is_open = c >= campaigns - OPEN_CAMPAIGNS
        start = now - timedelta(days=2 * (campaigns - c))
        rows["campaigns"].append((c + 1, f"B{c:05d}", f"團購 {c}", "open" if is_open else "closed",
                                  start + timedelta(days=5), start.date(), (start + timedelta(days=9)).date(), "本店",
                                  start, None if is_open else start + timedelta(days=5), None))
        for k, label in enumerate("ABC"):
            rows["items"].append((3 * c + k + 1, label, f"品項 {label}", 100 + 10 * k, None, None, None, 0, k, c + 1))
    line_id = pay_id = 0
    buyers: list[int] = []
    for o in range(orders):
        c = o // ORDERS_PER_CAMPAIGN
        if o % ORDERS_PER_CAMPAIGN == 0:  # one order per buyer per campaign
            buyers = rnd.sample(range(1, members + 1), min(ORDERS_PER_CAMPAIGN, members))
        member = buyers[o % ORDERS_PER_CAMPAIGN]
        old = c < campaigns - OPEN_CAMPAIGNS
        status = "picked_up" if old and o % 10 else "open"
        created = rows["campaigns"][c][8]
        rows["orders"].append((o + 1, status, created, created, c + 1, member))
        total = 0
        for k in range(1 + o % 2):
            line_id += 1
            qty = 1 + (o + k) % 3
            price = 100 + 10 * k
            total += qty * price
            rows["order_lines"].append((line_id, qty, price, "reserved", "chat", None, "", created, 3 * c + k + 1,
                                        o + 1))
        if status == "picked_up":
            pay_id += 1
            rows["payments"].append((pay_id, "cash", total, None, None, "confirmed", None, "bench", "", created,
                                     created, o + 1))
    rows["api_tokens"].append((1, hashlib.sha256(TOKEN.encode()).hexdigest(), "cashier", "bench", False, now))
    return rows


def seed_sqlite(url: str, rows: dict[str, list[tuple]]) -> None:
    db = sqlite3.connect(url.split("://", 1)[1].split("?", 1)[0])
    with db:
        for table, cols in COLUMNS.items():
            marks = ", ".join("?" for _ in cols)
            data = ([str(v) if isinstance(v, date) else v for v in r] for r in rows[table])
            db.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({marks})', data)
    db.close()


async def seed_postgres(url: str, rows: dict[str, list[tuple]]) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for table, cols in COLUMNS.items():
            await conn.copy_records_to_table(table, records=rows[table], columns=list(cols))
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        await conn.execute("ANALYZE")  # a live database has statistics; a fresh COPY has none yet
    finally:
        await conn.close()


def queries(rows: dict[str, list[tuple]], n: int, seed: int = 11) -> dict[str, list[tuple[str, int]]]:
    """Per kind, (q, the member id the answer must hold)."""
    rnd = random.Random(seed)
    with_phone = [m for m in rows["members"] if m[3]]
    picked = rnd.sample(with_phone, n)
    orders = rnd.sample(rows["orders"], n)
    named = rnd.sample(rows["members"], n)
    return {
        "last 4 digits": [(m[3][-4:], m[0]) for m in picked],
        "full phone": [(f"0{m[3][4:7]}-{m[3][7:10]}-{m[3][10:]}", m[0]) for m in picked],
        "order number": [(str(o[0]), o[5]) for o in orders],
        "name (ref.)": [(m[2], m[0]) for m in named],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(int(len(sorted_ms) * p), len(sorted_ms) - 1)]


async def time_lookups(base: str, kinds: dict[str, list[tuple[str, int]]]) -> dict[str, dict]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    results = {}
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(300):
            try:
                async with session.get(f"{base}/healthz") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        for q, _ in kinds["last 4 digits"][:30]:  # warm up connections and caches
            async with session.get(f"{base}/api/lookup", params={"q": q}) as r:
                await r.read()
        for kind, cases in kinds.items():
            times, misses, found = [], 0, 0
            for q, member_id in cases:
                t0 = time.perf_counter()
                async with session.get(f"{base}/api/lookup", params={"q": q}) as r:
                    body = await r.json()
                times.append((time.perf_counter() - t0) * 1000)
                if r.status != 200:
                    raise SystemExit(f"{kind} {q!r}: HTTP {r.status} {body}")
                ids = [m["id"] for m in body["members"]]
                found += len(ids)
                misses += member_id not in ids
            times.sort()
            results[kind] = {"p50": pct(times, 0.5), "p95": pct(times, 0.95), "max": times[-1],
                             "members": found / len(cases), "misses": misses}
    return results


async def run(backend: str, members: int, orders: int, n: int) -> None:
    async with fresh_database(backend) as url:
        await init_db(url)  # the schema, by the migrations
        await close_db()
        t0 = time.perf_counter()
        rows = build_rows(members, orders)
        if backend == "sqlite":
            seed_sqlite(url, rows)
        else:
            await seed_postgres(url, rows)
        seeded = time.perf_counter() - t0
        print(f"{backend}: seeded {', '.join(f'{len(v):,} {k}' for k, v in rows.items() if k != 'api_tokens')}"
              f" in {seeded:.1f} s", flush=True)
        port = free_port()
        env = {**os.environ, "PLUSONE_DATABASE_URL": url, "PLUSONE_SCHEDULER": "off"}
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plusone.cli", "serve", "--port", str(port), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            results = await time_lookups(f"http://127.0.0.1:{port}", queries(rows, n))
        finally:
            server.send_signal(signal.SIGTERM)
            await server.wait()
    print(f"{'backend':9} {'query':14} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'members/answer':>14} {'misses':>6}")
    for kind, r in results.items():
        print(f"{backend:9} {kind:14} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['max']:>7.2f} {r['members']:>14.1f}"
              f" {r['misses']:>6}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--n", type=int, default=300, help="lookups per kind")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.members < ORDERS_PER_CAMPAIGN:
        parser.error(f"--members must be at least {ORDERS_PER_CAMPAIGN} (one order per buyer per campaign)")
    if not args.child:
        print(f"command: python bench/lookup.py --members {args.members} --orders {args.orders} --n {args.n}"
              f" --backend {args.backend}", flush=True)
    if args.backend == "both":  # Tortoise cannot switch dialects inside one process
        for backend in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--members", str(args.members), "--orders", str(args.orders),
                            "--n", str(args.n), "--backend", backend, "--child"], check=True)
        return
    asyncio.run(run(args.backend, args.members, args.orders, args.n))


if __name__ == "__main__":
    main()
