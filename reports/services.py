"""Building a monthly report: a new, immutable version with its data and its xlsx.

A version is never changed after it is written; building again writes the next version. A
scheduled build carries a ``run_key``: when that key is already taken the existing report is
returned and nothing is built, and when two workers race, the unique constraints let exactly one
insert win — the loser returns the winner's row (same key) or takes the next version number.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from csat.models import Store
from reports import selectors
from reports.models import CHUNK_BYTES, MonthlyReport, MonthlyReportChunk, Trigger
from reports.xlsx import write_workbook

log = logging.getLogger(__name__)

__all__ = ["report_build"]

ATTEMPTS = 5


def _store_chunks(report: MonthlyReport, workbook: IO[bytes]) -> None:
    """Copy the finished file into the version's chunk rows, one piece in memory at a time."""
    workbook.seek(0)
    for seq, piece in enumerate(iter(lambda: workbook.read(CHUNK_BYTES), b"")):
        MonthlyReportChunk.objects.create(report=report, seq=seq, data=piece)


def _by_run_key(run_key: str | None) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(run_key=run_key).first() if run_key else None


def report_build(
    *,
    month: dt.date,
    store: Store | None = None,
    trigger: str,
    user: Any = None,
    run_key: str | None = None,
) -> MonthlyReport:
    """Build and store the next version of ``month``'s report for ``store`` (``None``: the group).

    The figures are read once (``data_as_of``); the xlsx is written in the active language.
    """
    if trigger not in Trigger.values:
        raise ValueError(f"unknown trigger {trigger!r}")
    existing = _by_run_key(run_key)
    if existing is not None:
        return existing
    month = month.replace(day=1)
    scope = selectors.scope_of(store)
    as_of = timezone.now()
    data = selectors.report_data(month=month, store=store, as_of=as_of)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                version = (
                    MonthlyReport.objects.filter(month=month, scope=scope).aggregate(v=Max("version"))["v"]
                    or 0
                ) + 1
                built_at = timezone.now()
                payload = {**data, "version": version}
                with tempfile.TemporaryFile() as workbook:
                    write_workbook(
                        payload, workbook, built_at=built_at, built_by=user, trigger=trigger, as_of=as_of
                    )
                    report = MonthlyReport(
                        month=month,
                        store=store,
                        scope=scope,
                        version=version,
                        trigger=trigger,
                        run_key=run_key or None,
                        built_by=user,
                        built_at=built_at,
                        data_as_of=as_of,
                        data=payload,
                        xlsx_size=workbook.tell(),
                    )
                    report.save(force_insert=True)
                    _store_chunks(report, workbook)
                return report
        except IntegrityError:
            existing = _by_run_key(run_key)
            if existing is not None:
                return existing
            log.info("report %s %s: version taken by a concurrent build, retry %s", scope, month, attempt)
    raise RuntimeError(f"could not store the report {scope} {month:%Y-%m} after {ATTEMPTS} attempts")
