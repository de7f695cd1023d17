"""Run the whole suite the way CI does: on SQLite, on PostgreSQL, and on SQLite again with the
clock 400 days ahead (Debian's `faketime`), so no test depends on today's date.

Every pass runs even when an earlier one fails; the exit status is non-zero if any failed.
A pass whose tool is missing is reported as skipped, naming the package to install.

    python -m tests.run [--only sqlite|postgres|future] [pytest arguments…]

PostgreSQL comes from PLUSONE_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"
FUTURE = "+400 days"


def passes(pg_url: str) -> list[tuple[str, list[str], dict[str, str], str | None]]:
    """(name, command prefix, environment changes, why it cannot run or None)."""
    sqlite_env = {"PLUSONE_TEST_POSTGRES_URL": ""}
    faketime = shutil.which("faketime")
    return [
        ("sqlite", [], sqlite_env, None),
        ("postgres", [], {"PLUSONE_TEST_POSTGRES_URL": pg_url}, None),
        ("future", [faketime or "faketime", FUTURE], sqlite_env,
         None if faketime else "faketime is not installed (apt-get install faketime)"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgres", "future"], action="append")
    args, pytest_args = parser.parse_known_args(argv)
    pg_url = os.environ.get("PLUSONE_TEST_POSTGRES_URL") or DEFAULT_PG
    results: list[tuple[str, str, float]] = []
    for name, prefix, env_changes, missing in passes(pg_url):
        if args.only and name not in args.only:
            continue
        if missing:
            results.append((name, f"skipped: {missing}", 0.0))
            continue
        env = {**os.environ, **env_changes}
        if not env.get("PLUSONE_TEST_POSTGRES_URL"):
            env.pop("PLUSONE_TEST_POSTGRES_URL", None)
        command = [*prefix, sys.executable, "-m", "pytest", "-q", *pytest_args]
        print(f"\n=== {name}: {' '.join(command)}", flush=True)
        started = time.monotonic()
        code = subprocess.call(command, env=env)
        results.append((name, "passed" if code == 0 else f"FAILED (exit {code})", time.monotonic() - started))
    print("\n=== summary")
    for name, outcome, seconds in results:
        print(f"{name:<9} {outcome:<60} {seconds:7.1f} s")
    return 1 if any(outcome.startswith("FAILED") for _, outcome, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
