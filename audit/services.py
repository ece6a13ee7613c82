"""The one place an export of personal data is recorded."""

from __future__ import annotations

from typing import Any

from audit.models import ExportRecord


def export_record_create(
    *,
    user: Any,
    kind: str,
    scope: dict[str, Any] | None = None,
    row_count: int | None = None,
    store_id: int | None = None,
    via: str = "web",
) -> ExportRecord:
    """Write the audit row of one download: who, what, with which filter, how many rows."""
    authenticated = user is not None and user.is_authenticated
    return ExportRecord.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        kind=kind,
        store_id=store_id,
        scope={k: v for k, v in (scope or {}).items() if v not in (None, "")},
        row_count=row_count,
        via=via,
    )


def export_recorded(sender: Any, **kwargs: Any) -> None:
    """Receiver of ``csat.exports.personal_data_exported`` (connected in AuditConfig.ready)."""
    kwargs.pop("signal", None)
    export_record_create(**kwargs)
