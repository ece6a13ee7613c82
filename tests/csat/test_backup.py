"""Backup and restore round trip (scripts/backup_restore_check.sh) on the PostgreSQL test database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from tests.factories import CustomerFactory, StoreFactory, VehicleFactory

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "scripts" / "backup_restore_check.sh"
BASH = shutil.which("bash") or "/bin/bash"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="no pg_dump on PATH"),
    # Committed rows: the dump reads the database through its own connection.
    pytest.mark.django_db(transaction=True),
    # One worker runs every restore check: each creates and drops a scratch database, which another
    # worker's "no scratch database left" check would otherwise see come and go.
    pytest.mark.xdist_group("restore_check"),
]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [BASH, str(CHECK), database_url()],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def rows() -> Any:
    store = StoreFactory(code="BK01", name="备份测试店")
    customers = CustomerFactory.create_batch(7, store=store)
    for customer in customers[:3]:
        VehicleFactory(customer=customer, store=store)
    return customers


def scratch_databases() -> list[str]:
    """This test database's scratch copies (another xdist worker's come and go meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, left(current_database(), 40) || '_restorecheck')"
        )
        return [name for (name,) in cursor.fetchall()]


def test_restore_has_every_row(rows: Any) -> None:
    before = scratch_databases()
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every count matches" in result.stdout
    assert scratch_databases() == before  # the scratch database is dropped again


def test_a_restore_missing_rows_fails_the_check(rows: Any) -> None:
    # A dump without the customers' data: the check must notice the 7 missing rows.
    result = run_check(
        PG_DUMP_EXTRA_ARGS="--exclude-table-data=csat_customer --exclude-table-data=csat_vehicle"
    )
    assert result.returncode == 1
    assert "-public.csat_customer|7" in result.stdout
    assert "+public.csat_customer|0" in result.stdout
    assert "FAILED" in result.stderr


def test_usage_error_without_a_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(  # noqa: S603
        [BASH, str(CHECK)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
