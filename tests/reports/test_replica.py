"""The read replica (issue #25): the report's figures read the replica when one is configured; the
records behind them, pages and every write stay on the primary (stale-read rules in csat/db.py).

A second database stands in for the replica (config.settings.test): it has the schema but none of
the primary's rows, so a figure read there is visibly not the primary's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from complaints.models import Complaint
from csat.db import REPLICA, ReplicaRouter, read_alias, replica_reads
from reports import selectors
from tests.reports.builders import MONTH

BOTH = [DEFAULT_DB_ALIAS, REPLICA]


def test_without_a_replica_everything_reads_the_primary() -> None:
    with replica_reads():
        assert read_alias() == DEFAULT_DB_ALIAS
    assert ReplicaRouter().db_for_read(Complaint) is None


@override_settings(CSAT_READ_REPLICA=True)
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_go_to_the_replica_only_inside_replica_reads_and_outside_a_transaction() -> None:
    router = ReplicaRouter()
    assert read_alias() == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(Complaint) == REPLICA
        # A read inside a transaction on the primary may decide a write: it sees the primary.
        with transaction.atomic():
            assert router.db_for_read(Complaint) is None
        assert router.db_for_write(Complaint, instance=Complaint(pk=1)) == DEFAULT_DB_ALIAS
    assert read_alias() == DEFAULT_DB_ALIAS


@override_settings(CSAT_READ_REPLICA=True)
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_report_figures_come_from_the_replica_and_the_primary_keeps_the_records(march: Any) -> None:
    primary = selectors.report_data(month=MONTH)
    assert primary["complaints"]["total"] == 0  # the stand-in replica has no rows yet
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        selectors.report_data(month=MONTH)
    assert len(on_replica.captured_queries) > 0
    # Outside the report's figures every read is the primary's: the records are there.
    assert Complaint.objects.count() > 0

    with override_settings(CSAT_READ_REPLICA=False):
        live = selectors.report_data(month=MONTH)
    assert live["complaints"]["total"] > 0  # the same figure read from the primary


def test_the_replica_is_never_migrated_outside_the_tests_stand_in() -> None:
    with override_settings(CSAT_REPLICA_IS_STANDIN=False):
        assert ReplicaRouter().allow_migrate(REPLICA, "complaints") is False
    assert ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "complaints") is None
