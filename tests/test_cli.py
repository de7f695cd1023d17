"""The `plusone` command line, run as a real process against a real database."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import PG_URL
from tests.api_helpers import free_port


def plusone(db_url, *args, stdin=None, timeout=60):
    env = {**os.environ, "PLUSONE_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "plusone.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout)


def test_db_upgrade_creates_the_schema_on_an_empty_database(empty_db_url):
    result = plusone(empty_db_url, "db", "upgrade")

    assert result.returncode == 0, result.stderr
    again = plusone(empty_db_url, "db", "upgrade")
    assert again.returncode == 0 and "up to date" in again.stdout


def test_token_create_prints_the_token_alone_on_the_last_line_and_it_opens_the_api(db_url):
    result = plusone(db_url, "token", "create", "--role", "manager")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("po_") and " " not in token and len(token) > 30
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "plusone.cli", "serve", "--port", str(port)],
                              env={**os.environ, "PLUSONE_DATABASE_URL": db_url},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(port)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/campaigns/1",
                                     headers={"Authorization": f"Bearer {token}"})
        with pytest.raises(urllib.error.HTTPError) as err:  # authenticated, but no campaign 1
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 404
        err.value.close()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0


def _wait_healthy(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def test_serve_demo_seeds_and_stops_gracefully_on_sigterm(db_url):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "plusone.cli", "serve", "--demo", "--port", str(port)],
                              env={**os.environ, "PLUSONE_DATABASE_URL": db_url},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_healthy(port)
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=20)
    assert server.returncode == 0
    assert "demo staff login: user 'demo', password '" in out


def test_staff_add_reads_the_password_from_stdin_and_refuses_a_short_one(db_url):
    ok = plusone(db_url, "staff", "add", "mei", "--role", "cashier", "--password-stdin", stdin="correct horse\n")
    short = plusone(db_url, "staff", "add", "bo", "--role", "cashier", "--password-stdin", stdin="abc\n")

    assert ok.returncode == 0 and "mei (cashier)" in ok.stdout
    assert short.returncode != 0 and "8 characters" in short.stderr


def test_host_add_registers_a_host(db_url):
    result = plusone(db_url, "host", "add", "Uabc123")

    assert result.returncode == 0 and "Uabc123" in result.stdout


@pytest.mark.skipif(bool(PG_URL), reason="SQLite online backup")
def test_backup_writes_a_valid_sqlite_database_with_the_data(db_url, tmp_path):
    plusone(db_url, "host", "add", "Ubackup")
    target = tmp_path / "backup.db"

    result = plusone(db_url, "backup", str(target))

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT line_user_id FROM members").fetchall() == [("Ubackup",)]


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL backup")
def test_backup_on_postgres_uses_pg_dump_or_says_how(db_url, tmp_path):
    plusone(db_url, "db", "upgrade")
    result = plusone(db_url, "backup", str(tmp_path / "dump"))

    if result.returncode == 0:
        assert (tmp_path / "dump").stat().st_size > 0
    else:
        assert "pg_dump" in result.stderr


def test_a_bad_setting_is_refused_with_a_clear_message(db_url):
    env = {**os.environ, "PLUSONE_DATABASE_URL": db_url, "PLUSONE_LOCALE": "fr"}
    result = subprocess.run([sys.executable, "-m", "plusone.cli", "db", "upgrade"], capture_output=True, text=True, env=env)

    assert result.returncode == 2 and "PLUSONE_LOCALE" in result.stderr
