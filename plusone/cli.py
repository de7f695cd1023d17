"""The `plusone` command line."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

from plusone.settings import Settings, SettingsError


def _run(coro_fn, settings: Settings, *, upgrade: bool = True):
    from commerce.db import close_db, init_db

    async def main():
        await init_db(settings.database_url, upgrade=upgrade)
        try:
            return await coro_fn()
        finally:
            await close_db()

    return asyncio.run(main())


def cmd_serve(args, settings: Settings) -> int:
    from aiohttp import web

    from plusone.app import create_app

    # force: python-escpos configures logging on import, which would silence ours.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    settings = Settings.validated(**{**settings.__dict__, "demo": args.demo})
    mode = "sandbox (no LINE channel configured)" if settings.sandbox else "LINE"
    print(f"PlusOne on http://{args.host}:{args.port}/  mode: {mode}  database: {urlsplit(settings.database_url).scheme}",
          flush=True)
    # run_app handles SIGINT and SIGTERM: it stops accepting, finishes requests, runs cleanup.
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None, shutdown_timeout=10)
    return 0


def cmd_staff_add(args, settings: Settings) -> int:
    from commerce.staff import add_staff

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("password: ")
    from commerce.errors import InvalidInput

    try:
        user = _run(lambda: add_staff(args.name, password, args.role), settings)
    except InvalidInput as err:
        print(f"plusone staff add: {err.message}", file=sys.stderr)
        return 2
    print(f"staff {user.username} ({user.role}) saved")
    return 0


def cmd_token_create(args, settings: Settings) -> int:
    from commerce.staff import create_token

    token = _run(lambda: create_token(args.role, args.name or ""), settings)
    print(f"API token for role {args.role} (shown once; send as 'Authorization: Bearer TOKEN'):")
    print(token)
    return 0


def cmd_host_add(args, settings: Settings) -> int:
    from commerce.members import add_host

    member = _run(lambda: add_host(args.line_user_id), settings)
    print(f"host {member.line_user_id} registered")
    return 0


def cmd_db_upgrade(args, settings: Settings) -> int:
    from commerce.db import upgrade_schema

    async def main():
        from tortoise import Tortoise

        await upgrade_schema(settings.database_url)
        await Tortoise.close_connections()

    asyncio.run(main())
    print("database schema is up to date")
    return 0


def cmd_backup(args, settings: Settings) -> int:
    url = urlsplit(settings.database_url)
    if url.scheme == "sqlite":
        source = settings.database_url.split("://", 1)[1].split("?", 1)[0]
        if not os.path.exists(source):
            print(f"no database at {source}", file=sys.stderr)
            return 1
        # SQLite's online backup: a consistent copy even while the server writes.
        with sqlite3.connect(source) as src, sqlite3.connect(args.path) as dest:
            src.backup(dest)
        print(f"backed up {source} to {args.path}")
        return 0
    if shutil.which("pg_dump") is None:
        print("PostgreSQL: install pg_dump and run: pg_dump --format=custom --file PATH DATABASE_URL", file=sys.stderr)
        return 1
    dsn = settings.database_url.split("?", 1)[0].replace("postgres://", "postgresql://", 1)
    subprocess.run(["pg_dump", "--format=custom", "--file", args.path, dsn], check=True)
    print(f"backed up with pg_dump to {args.path}")
    return 0


def cmd_printer_test(args, settings: Settings) -> int:
    from devices.escpos_render import render
    from devices.printers import PrinterError, open_printer, send_async
    from devices.test_page import describe_test_page, test_page_ops

    data = render(test_page_ops(settings.printer_width, settings.locale), settings.printer_encoding,
                  width_cols=settings.printer_width)
    try:
        asyncio.run(send_async(open_printer(settings.printer), data, timeout=10))
    except PrinterError as err:
        print(f"printer {settings.printer}: {err}", file=sys.stderr)
        return 1
    print(describe_test_page(data, printer=settings.printer, encoding=settings.printer_encoding,
                             width_cols=settings.printer_width))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plusone", description="Chat-bot group-buy (團購 +1) and pickup POS")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="webhook, counter, sandbox and scheduler in one process")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--demo", action="store_true", help="seed a shop, a staff login, a campaign and orders")
    serve.set_defaults(func=cmd_serve)

    staff = sub.add_parser("staff", help="staff logins").add_subparsers(dest="action", required=True)
    add = staff.add_parser("add", help="add a staff login (or reset its password)")
    add.add_argument("name")
    add.add_argument("--role", choices=["cashier", "manager", "admin"], required=True)
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=cmd_staff_add)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="print a new API token on the last line")
    create.add_argument("--role", choices=["cashier", "manager", "admin"], required=True)
    create.add_argument("--name", default="")
    create.set_defaults(func=cmd_token_create)

    host = sub.add_parser("host", help="group-buy hosts").add_subparsers(dest="action", required=True)
    hadd = host.add_parser("add", help="register a LINE user as a host")
    hadd.add_argument("line_user_id")
    hadd.set_defaults(func=cmd_host_add)

    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    printer = sub.add_parser("printer", help="receipt printer").add_subparsers(dest="action", required=True)
    printer.add_parser("test", help="print a test page on PLUSONE_PRINTER").set_defaults(func=cmd_printer_test)

    backup = sub.add_parser("backup", help="back the database up to PATH")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as err:
        print(f"settings: {err}", file=sys.stderr)
        return 2
    from commerce.errors import DomainError

    try:
        return args.func(args, settings)
    except DomainError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
