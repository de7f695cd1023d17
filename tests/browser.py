"""Shared helpers for tests that drive the real server in a real headless Chromium.

- `serve_app(tmp_path, env=..., demo=True)` runs `python -m plusone.cli serve` as a subprocess
  on a free port, waits for /healthz and yields the base URL; on exit it sends SIGTERM and
  waits. The server's output goes to `tmp_path / "server.log"`, shown when the body fails.
- `launch_chromium()` launches Debian's /usr/bin/chromium headless through Playwright's async
  API (Playwright cannot download its own browsers here) and yields the `Browser`.
- `needs_chromium` is a skip mark for when Chromium is not installed.
"""
from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ROOT = pathlib.Path(__file__).resolve().parent.parent

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serve_app(tmp_path: pathlib.Path, env: Mapping[str, str] | None = None, demo: bool = True,
                    timeout: float = 30) -> AsyncIterator[str]:
    """The app as a real process, in sandbox mode unless `env` sets LINE credentials.

    The database defaults to a fresh SQLite file in `tmp_path`; `env` adds or overrides
    variables (LINE_* from the calling environment are dropped first).
    """
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
    full_env["PLUSONE_DATABASE_URL"] = f"sqlite://{tmp_path}/plusone.db"
    full_env.update(env or {})
    args = [sys.executable, "-m", "plusone.cli", "serve", "--port", str(port)] + (["--demo"] if demo else [])
    log_path = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, env=full_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            await _wait_healthy(base, proc, log_path, timeout)
            yield base
        except BaseException:
            print(f"--- server log ({log_path}) ---\n{_tail(log_path)}", file=sys.stderr)
            raise
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.to_thread(proc.wait, 20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    await asyncio.to_thread(proc.wait)


async def _wait_healthy(base: str, proc: subprocess.Popen, log_path: pathlib.Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"server did not become healthy in {timeout} s:\n{_tail(log_path)}")


def _tail(path: pathlib.Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@asynccontextmanager
async def launch_chromium(**launch_options):
    """Headless Debian Chromium through Playwright's async API; yields the Browser."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS, **launch_options)
        try:
            yield browser
        finally:
            await browser.close()
