#!/usr/bin/env python3
"""Refresh the README's screenshots in docs/screenshots/ from the demo data.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a scratch SQLite database (migrate + seed_demo), serves it with runserver on a free port,
and photographs three signed-in pages with Playwright and Debian's chromium (never a downloaded
browser): the agent's work queue, the business department manager's complaint queue, and the
monthly report the GM reads, at 1366×820 in Chinese. Nothing outside --out and a temporary folder is touched.

    .venv/bin/python scripts/screenshots.py --review --out /tmp/shots

photographs every role's daily pages instead (REVIEW), at 1366×768 and on a 390×844 phone, in
Chinese and English (full pages), for a look before a change lands.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CSAT_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-pass-2026"  # noqa: S105 - seed_demo's published demo password (demo.seed.DEMO_PASSWORD)
# (file, account, page)
SHOTS = [
    ("agent_0.png", "agent", "/callbacks/"),
    ("manager_0.png", "business_mgr", "/complaints/"),
    ("gm_0.png", "gm", "/reports/"),
]

# (account, pages) for --review: each role's home and the pages it works in.
REVIEW = [
    ("agent", ["/", "/callbacks/", "/complaints/new/"]),
    ("ccmanager", ["/", "/complaints/", "/complaints/list/"]),
    ("business_mgr", ["/", "/complaints/", "/complaints/{ticket}/"]),
    ("gm", ["/", "/complaints/", "/complaints/approvals/", "/crisis/", "/reports/"]),
    ("admin_mgr", ["/"]),
]
VIEWPORTS = {"wide": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"zh": ("zh-CN", "zh-hans"), "en": ("en-US", "en")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server at {url} did not answer within {seconds} s")


def _signed_in(browser: Any, base: str, username: str, **context: Any) -> Any:
    from playwright.sync_api import expect

    ctx = browser.new_context(timezone_id="Asia/Shanghai", reduced_motion="reduce", **context)
    page = ctx.new_page()
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.get_by_test_id("whoami")).to_be_attached()
    return ctx, page


def review(base: str, out: Path, ticket: int) -> None:
    """Every role's pages × two widths × two languages, full-page, named role_page_width_lang.png."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for username, paths in REVIEW:
            for width, viewport in VIEWPORTS.items():
                for lang, (locale, code) in LANGUAGES.items():
                    ctx, page = _signed_in(browser, base, username, locale=locale, viewport=viewport)
                    ctx.add_cookies([{"name": "django_language", "value": code, "url": base}])
                    for path in paths:
                        page.goto(base + path.format(ticket=ticket))
                        page.wait_for_load_state("networkidle")
                        slug = path.strip("/").replace("/", "_").replace("{ticket}", "ticket") or "home"
                        name = out / f"{username}_{slug}_{width}_{lang}.png"
                        page.screenshot(path=str(name), full_page=True)
                        print(name)
                    ctx.close()
        browser.close()


def photograph(base: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, username, path in SHOTS:
            context = browser.new_context(
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1366, "height": 820},
                reduced_motion="reduce",
            )
            page = context.new_page()
            page.goto(base + "/accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("#id_password").press("Enter")
            expect(page.get_by_test_id("whoami")).to_be_attached()
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name))
            print(out / name)
            context.close()
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--review", action="store_true", help="every role's pages, two widths, zh and en")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{scratch}/screenshots.sqlite3",
            "MEDIA_ROOT": f"{scratch}/media",
            "BROKER_DIR": f"{scratch}/broker",  # the laptop broker and cache, not the project's
        }
        env.pop("REDIS_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/accounts/login/")
            if args.review:
                ticket = subprocess.run(
                    [
                        *manage,
                        "shell",
                        "-c",
                        "from complaints.models import Complaint;"
                        "print(Complaint.objects.filter(department__kind='business').order_by('-pk')[0].pk)",
                    ],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()[-1]
                review(base, args.out, int(ticket))
            else:
                photograph(base, args.out)
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
