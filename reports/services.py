"""Building a monthly report: a new, immutable version with its data and its xlsx.

A version is never changed after it is written; building again writes the next version. A
scheduled build carries a ``run_key``: when that key is already taken the existing report is
returned and nothing is built, and when two workers race, the unique constraints let exactly one
insert win — the loser returns the winner's row (same key) or takes the next version number.

A closed month's build tells its readers (``report_publish``; issue #19), once per month and scope.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import IO, Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from csat.db import Aside
from csat.i18n import lazy_format, lazy_join
from csat.models import Store
from csat.notifications import notify
from reports import selectors
from reports.models import CHUNK_BYTES, MonthlyReport, MonthlyReportChunk, Trigger
from reports.xlsx import write_workbook

log = logging.getLogger(__name__)

__all__ = ["report_build", "report_publish"]

ATTEMPTS = 5


def _store_chunks(report: MonthlyReport, workbook: IO[bytes]) -> None:
    """Copy the finished file into the version's chunk rows, one piece in memory at a time."""
    workbook.seek(0)
    for seq, piece in enumerate(iter(lambda: workbook.read(CHUNK_BYTES), b"")):
        MonthlyReportChunk.objects.create(report=report, seq=seq, data=piece)


def _by_run_key(run_key: str | None) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(run_key=run_key).first() if run_key else None


def publication_key(report: MonthlyReport) -> str:
    """One event per month and scope, whatever the version: a rebuild or a second worker tells no
    one twice (the inbox row and each delivery are unique per key)."""
    return f"report:{report.scope}:{report.month:%Y-%m}"


def _absolute(path: str) -> str:
    return f"{settings.CSAT['SITE_URL'].rstrip('/')}{path}"


def report_publish(*, report: MonthlyReport) -> bool:
    """Tell the report's readers that a closed month's report is out (issue #19; DOMAIN §9 "Report
    scope"): inbox, e-mail and the departments' group robots, with a link to the dashboard and to
    the file (``reports.selectors.publication`` says who). Exactly once per month and scope
    (``publication_key``), in the caller's transaction, the e-mails and robots sent after the
    commit. A month still open (the 28th's build, a build of this month) is not published; returns
    whether the report was published (or had been already)."""
    if report.month >= selectors.current_month():
        return False
    store = report.store
    dashboard = (
        reverse("reports:index")
        + "?"
        + urlencode({"month": f"{report.month:%Y-%m}", "scope": str(store.pk) if store else selectors.GROUP})
    )
    file = reverse("reports:download", args=[report.pk])
    data = report.data if isinstance(report.data, dict) else {}
    satisfaction = ((data.get("surveys") or {}).get("satisfaction") or {}).get("current")
    # DOMAIN §9: complaints are kind ``complaint``; dissatisfied callbacks and grievances beside them.
    tickets = data.get("complaints") or {}
    complaints, others = tickets.get("complaints"), tickets.get("dissatisfied_grievances")
    # Lazy: the inbox shows it in each reader's language; e-mail and robots get the site's.
    scope = store.name if store else gettext_lazy("集团（全部门店）")
    title = lazy_format(
        gettext_lazy("%(month)s 月度客户满意度与投诉分析报告已发布：%(scope)s"),
        {"month": f"{report.month:%Y-%m}", "scope": scope},
    )
    figures = lazy_format(
        gettext_lazy(
            "顾客满意度 %(score)s（目标 %(target)s）；投诉 %(complaints)s 件，回访不满意、抱怨 %(others)s 件。"
        ),
        {
            "score": "—" if satisfaction is None else f"{satisfaction:.1f}",
            "target": settings.CSAT["SATISFACTION_TARGET"],
            "complaints": "—" if complaints is None else complaints,
            "others": "—" if others is None else others,
        },
    )
    body = lazy_join(
        "\n",
        [
            figures,
            lazy_format(gettext_lazy("查看报表：%(url)s"), {"url": _absolute(dashboard)}),
            lazy_format(gettext_lazy("下载 Excel：%(url)s"), {"url": _absolute(file)}),
        ],
    )
    notify(
        recipients=selectors.report_recipients(store=store),
        key=publication_key(report),
        title=title,
        body=body,
        url=dashboard,
        departments=selectors.report_webhook_departments(store=store),
    )
    return True


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
    # The figures are read on other connections while the file's record sheets are written (the
    # sheets need none of them; csat.db.Aside, issue #25).
    figures = Aside(lambda: selectors.report_data(month=month, store=store, as_of=as_of))
    for attempt in range(1, ATTEMPTS + 1):
        # The file is written before the transaction opens: seconds at group scope, no lock held
        # meanwhile. It carries the next free version; a concurrent build that stores that version
        # first makes the insert fail, and the file is written again with the next one.
        version = (
            MonthlyReport.objects.filter(month=month, scope=scope).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        built_at = timezone.now()
        with tempfile.TemporaryFile() as workbook:
            payload = write_workbook(
                lambda v=version: {**figures.result(), "version": v},
                workbook,
                built_at=built_at,
                built_by=user,
                trigger=trigger,
                as_of=as_of,
                month=month,
                store_ids=[store.pk] if store is not None else None,
            )
            try:
                with transaction.atomic():
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
                    report_publish(report=report)
                return report
            except IntegrityError:
                existing = _by_run_key(run_key)
                if existing is not None:
                    return existing
                log.info("report %s %s: version taken by a concurrent build, retry %s", scope, month, attempt)
    raise RuntimeError(f"could not store the report {scope} {month:%Y-%m} after {ATTEMPTS} attempts")
