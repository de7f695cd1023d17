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
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp
import pytest
from tests.api_helpers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ROOT = pathlib.Path(__file__).resolve().parent.parent

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")


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


class Watch:
    """What a page did that it must not: script errors and dialogs (alert, confirm…)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []


DESKTOP = {"width": 1280, "height": 800}


async def new_page(browser, viewport: Mapping[str, int] = DESKTOP, *, timezone_id: str = "Asia/Taipei"):
    """A fresh zh-TW context and page, and the Watch recording its script errors and dialogs
    (each dialog is dismissed)."""
    context = await browser.new_context(viewport=dict(viewport), locale="zh-TW", timezone_id=timezone_id,
                                        device_scale_factor=1)
    page = await context.new_page()
    watch = Watch()
    page.on("pageerror", lambda error: watch.errors.append(str(error)))

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        asyncio.ensure_future(dialog.dismiss())

    page.on("dialog", on_dialog)
    return page, watch


async def plusone_cli(*args: str, db: str, stdin: str | None = None) -> str:
    """Run `plusone …` on the database `db` (e.g. to add a staff login before serve_app)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")} | {"PLUSONE_DATABASE_URL": db}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plusone.cli", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate(stdin.encode() if stdin else None)
    assert proc.returncode == 0, err.decode()
    return out.decode()
