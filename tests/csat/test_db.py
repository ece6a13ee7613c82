"""Session settings for heavy reads: parallel workers only inside ``parallel_queries``."""

from __future__ import annotations

import pytest
from django.db import connection

from csat.db import parallel_queries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL session setting"),
]


def _workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return str(cursor.fetchone()[0])


def test_pages_run_without_parallel_workers_and_reports_with_them() -> None:
    assert _workers() == "0"  # the connection's own setting (config.settings.base)
    with parallel_queries():
        assert _workers() == "2"
    assert _workers() == "0"


def test_the_setting_is_restored_when_the_read_fails() -> None:
    with pytest.raises(ZeroDivisionError), parallel_queries(workers=1):
        assert _workers() == "1"
        _ = 1 / 0
    assert _workers() == "0"
