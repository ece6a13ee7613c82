#!/usr/bin/env python3
"""Refresh the README's screenshots in docs/screenshots/ from the demo data.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a scratch SQLite database (migrate + seed_demo), serves it with runserver on a free port,
and photographs three signed-in pages with Playwright and Debian's chromium (never a downloaded
browser): the agent's work queue, the business department manager's complaint queue, and the
monthly report the GM reads, at 1366×820 in Chinese. Nothing outside --out and a temporary folder is touched.
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

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CSAT_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-pass-2026"  # noqa: S105 - seed_demo's published demo password (demo.seed.DEMO_PASSWORD)
# (file, account, page)
SHOTS = [
    ("agent_0.png", "agent", "/callbacks/"),
    ("manager_0.png", "business_mgr", "/complaints/"),
    ("gm_0.png", "gm", "/reports/"),
]


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
            photograph(base, args.out)
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
