"""Shared by the dealer-group-at-scale benches (http_bench, sweep_bench, report_bench): settings,
machine and data description, results table. Not a bench itself (run_all.sh runs *_bench.py).

The benches run against the database ``generate_load`` filled (default csat_bench):

    CSAT_BENCH=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python manage.py generate_load
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/csat_bench"
PASSWORD = "bench-pass-2026"  # noqa: S105 - bench.loadgen.PASSWORD, throwaway accounts
STORE = "LG001"


def production_env() -> dict[str, str]:
    """Production settings (DEBUG off, whitenoise, Redis cache) on plain HTTP over loopback."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "STATIC_ROOT": os.environ.get("BENCH_STATIC_ROOT", "/tmp/csat_bench_static"),  # noqa: S108
    }


def setup_django() -> None:
    for key, value in production_env().items():
        os.environ.setdefault(key, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} × {cpu}"


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def git_commit() -> str:
    def run(*args: str) -> str:
        command = ["git", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603

    commit = run("rev-parse", "--short", "HEAD") or "unknown"
    dirty = run(
        "status", "--porcelain", "--untracked-files=no", "--", "csat", "callbacks", "complaints", "reports"
    )
    return f"{commit}{' (+ uncommitted changes)' if dirty else ''}"


def data_size() -> str:
    """Row counts of the big tables (planner estimates: exact counts of 4M rows take seconds)."""
    from django.db import connection

    tables = [
        ("customers", "csat_customer"),
        ("visits", "csat_servicevisit"),
        ("tasks", "callbacks_callbacktask"),
        ("surveys", "callbacks_survey"),
        ("complaints", "complaints_complaint"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM csat_store")
        stores = cursor.fetchone()[0]
        parts = [f"{stores} stores"]
        for label, table in tables:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            parts.append(f"{_short(cursor.fetchone()[0])} {label}")
    return ", ".join(parts)


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def header(title: str, load_before: str, notes: list[str] | None = None) -> list[str]:
    from django.db import connection

    version = getattr(connection, "pg_version", 0)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "",
        f"## {title}",
        "",
        f"- date: {stamp}; commit {git_commit()}",
        f"- machine: {machine()}; load average {load_before} → {load_average()} (1 min)",
        f"- PostgreSQL {version // 10000}.{version % 10000}; data: {data_size()}",
    ]
    lines += [f"- {note}" for note in notes or []]
    return lines


def table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def record(lines: list[str], *, enabled: bool) -> None:
    text = "\n".join(lines) + "\n"
    print(text)
    if enabled:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(text)
        print(f"appended to {RESULTS.relative_to(ROOT)}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
