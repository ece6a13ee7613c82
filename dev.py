#!/usr/bin/env python3
"""The two commands a newcomer needs, on a machine with only Python >= 3.11 and git.

    python3 dev.py start   # install, migrate, seed demo data, run web + worker + beat on :8000
    python3 dev.py test    # install (with test tools) and run the test suite

Dependencies come from uv.lock (installed with uv, which is itself bootstrapped into .tools/).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
UV_VERSION = "0.13.9"
BIN = "Scripts" if os.name == "nt" else "bin"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def uv() -> Path:
    exe = TOOLS / BIN / "uv"
    if not exe.exists():
        run(sys.executable, "-m", "venv", TOOLS)
        run(TOOLS / BIN / "python", "-m", "pip", "install", "-q", f"uv=={UV_VERSION}")
    return exe


def sync(*, dev: bool) -> Path:
    """Install exactly what uv.lock pins into .venv; returns its python."""
    args = ["sync", "--frozen", "--python", sys.executable]
    if not dev:
        # --inexact: starting the app must not uninstall the test tools of an earlier `test`.
        args += ["--no-dev", "--inexact"]
    run(uv(), *args, env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)})
    return VENV / BIN / "python"


def wait_for_port(host: str, port: str, timeout: float = 30.0) -> None:
    """Until the web server accepts connections (or ``timeout`` seconds), then a little for the worker."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # a wildcard listen address is reached on loopback
            target = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
            with socket.create_connection((target, int(port)), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    time.sleep(3)  # the worker's banner follows the server's


def start() -> int:
    python = sync(dev=False)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1"}
    run(python, "manage.py", "migrate", "--no-input", env=env)
    run(python, "manage.py", "seed_demo", env=env)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    processes = [
        subprocess.Popen(
            [str(python), "manage.py", "runserver", f"{host}:{port}", "--noreload"], cwd=ROOT, env=env
        ),
        # One worker with an embedded beat scheduler is enough on a laptop.
        subprocess.Popen(
            [
                str(python),
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    wait_for_port(host, port)
    # The banner comes last, after the server's and the worker's start-up lines.
    print(f"\ncsat is running at http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    print("Sign in as agent, ccmanager, sales_mgr, business_mgr, service_mgr, admin_mgr, finance_mgr,")
    print("parts_sup, gm or hq with the password demo-pass-2026. Mail goes to .mail/.\n", flush=True)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in processes)


def test(extra: list[str]) -> int:
    python = sync(dev=True)
    if not extra:
        # The whole suite runs on every core (pytest-xdist, one test database per worker);
        # CSAT_TEST_WORKERS=0 runs it in one process.
        workers = os.environ.get("CSAT_TEST_WORKERS", str(min(os.cpu_count() or 1, 4)))
        if workers not in {"0", "1"}:
            extra = ["-n", workers, "--dist", "loadgroup"]
    return subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        print("csat needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    if not argv or argv[0] not in {"start", "test", "sync"}:
        print(__doc__)
        return 2
    if argv[0] == "start":
        return start()
    if argv[0] == "sync":
        sync(dev=True)
        return 0
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
