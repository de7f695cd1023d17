"""The admins' staff page in a real headless Chromium against the real server process: an admin
adds a cashier, the cashier signs in in another browser, the admin disables them and the
cashier's open page is signed out on its next request."""
from __future__ import annotations

import pathlib
import re

from playwright.async_api import Page, expect

from tests.browser import needs_chromium, new_page, plusone_cli, serve_app

pytestmark = needs_chromium

OUT = pathlib.Path(__file__).resolve().parent / "output"
ADMIN_PASSWORD = "admin-pass-1"
CASHIER_PASSWORD = "cashier-pass-1"


async def sign_in(page: Page, base: str, username: str, password: str, path: str) -> None:
    await page.goto(f"{base}/login?next={path}")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")


async def test_an_admin_adds_a_cashier_then_disables_them_and_the_cashiers_open_page_is_signed_out(tmp_path, browser):
    db = f"sqlite://{tmp_path}/plusone.db"
    await plusone_cli("staff", "add", "boss", "--role", "admin", "--password-stdin", db=db, stdin=ADMIN_PASSWORD + "\n")
    async with serve_app(tmp_path, demo=False) as base:
        admin, admin_watch = await new_page(browser)
        await sign_in(admin, base, "boss", ADMIN_PASSWORD, "/manager/staff")
        await admin.wait_for_url(f"{base}/manager/staff")
        await expect(admin.locator('nav a[href="/manager/staff"]')).to_have_attribute("aria-current", "page")

        # a too-short password is refused next to its field, and nothing is added
        await admin.fill("#new-username", "mei")
        await admin.fill("#new-password", "short")
        await admin.click("#add-form button[type=submit]")
        await expect(admin.locator("#add-form .field-error")).to_have_text("密碼至少 8 個字元")
        await expect(admin.locator("tr.login")).to_have_count(1)

        await admin.fill("#new-password", CASHIER_PASSWORD)
        await admin.select_option("#new-role", "cashier")
        await admin.click("#add-form button[type=submit]")
        mei = admin.locator('tr.login[data-username="mei"]')
        await expect(mei).to_have_count(1)
        await expect(mei.locator('select[name="role"]')).to_have_value("cashier")
        await expect(admin.locator("#toast")).to_have_text("已新增帳號 mei")

        cashier, cashier_watch = await new_page(browser)
        await sign_in(cashier, base, "mei", CASHIER_PASSWORD, "/counter")
        await cashier.wait_for_url(f"{base}/counter")
        await expect(cashier.locator('nav a[href="/manager/staff"]')).to_have_count(0)

        await mei.locator('button[data-action="disable"]').click()
        await expect(admin.locator('tr.login[data-username="mei"] [data-role="state"]')).to_have_text("已停用")
        await expect(admin.locator("tr.change").first).to_contain_text("停用")

        # the cashier's open page: its next request to the API sends it to sign in
        await cashier.evaluate("PO.api('GET', '/api/lookup?q=1234')")
        await cashier.wait_for_url(re.compile(r"/login\?next="))
        await cashier.fill("#username", "mei")
        await cashier.fill("#password", CASHIER_PASSWORD)
        await cashier.click("button[type=submit]")
        await expect(cashier.locator("#password-error")).to_have_text("帳號或密碼錯誤")

        # the last admin cannot disable themself: told in the row, nothing changes
        boss = admin.locator('tr.login[data-username="boss"]')
        await boss.locator('button[data-action="disable"]').click()
        await expect(boss.locator("[data-row-error]")).to_contain_text("最後一個啟用中的管理員")
        await expect(boss.locator('[data-role="state"]')).to_have_text("啟用中")

        # a token for a script: its secret is shown once, on the page that made it
        await admin.fill("#token-name", "till 2")
        await admin.click("#token-form button[type=submit]")
        await expect(admin.locator("#token-secret-value")).to_have_text(re.compile(r"^po_[\w-]{30,}$"))

        OUT.mkdir(parents=True, exist_ok=True)
        await admin.screenshot(path=str(OUT / "staff.png"), full_page=True)
        assert admin_watch.errors == [] and cashier_watch.errors == []
        assert admin_watch.dialogs == [] and cashier_watch.dialogs == []
