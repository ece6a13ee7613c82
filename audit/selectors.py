"""Reading the audit history: per-record change lists with old → new values, and the audit log."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ExportRecord
from audit.registry import ACTION_LABELS, BY_KEY, TRACKED, VALUE_LABELS, Tracked
from csat import access
from csat.domain.privacy import mask_mobile

PAGE_SIZE = 20
# One record's panel reads at most this many versions per model (a record has a few dozen).
MAX_VERSIONS = 2000
TEXT_LIMIT = 120


@dataclass
class Change:
    name: str
    label: str
    old: Any
    new: Any


@dataclass
class Entry:
    at: dt.datetime
    user: str
    action: str
    action_label: str
    model_label: str
    object_id: int
    reason: str
    history_id: int = 0
    changes: list[Change] = field(default_factory=list)


# --- which rows ------------------------------------------------------------------------------


def history_model(tracked: Tracked) -> Any:
    return tracked.model.history.model  # type: ignore[attr-defined]


def _rows(tracked: Tracked, condition: Q) -> QuerySet[Any]:
    return (
        history_model(tracked)
        .objects.filter(condition)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


# Each record page shows its own history and that of the rows that belong to it.
PANELS: dict[str, list[tuple[str, str]]] = {
    "customer": [("customer", "id"), ("vehicle", "customer_id")],
    "complaint": [("complaint", "id"), ("complaint_attachment", "complaint_id")],
    "survey": [("survey", "id")],
    "crisis": [
        ("crisis", "id"),
        ("crisis_team", "crisis_id"),
        ("crisis_action", "crisis_id"),
        ("crisis_attachment", "crisis_id"),
    ],
    "measure": [("measure", "id")],
    "manufacturer_score": [("manufacturer_score", "id")],
}


def record_history(*, kind: str, pk: int, viewer: Any) -> list[Entry]:
    """Every change of one record (newest first), with its old → new values."""
    pairs = []
    for key, lookup in PANELS[kind]:
        tracked = BY_KEY[key]
        versions = list(_rows(tracked, Q(**{lookup: pk}))[:MAX_VERSIONS])
        pairs.append((tracked, versions, versions))
    return _entries(pairs, viewer=viewer)


def audit_log(
    *,
    viewer: Any,
    model_key: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    user_id: int | None = None,
    settings_only: bool = False,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> list[Entry]:
    """The changes the viewer may see across tracked models, newest first, filtered."""
    condition = Q()
    if date_from:
        condition &= Q(history_date__gte=_day_start(date_from))
    if date_to:
        condition &= Q(history_date__lt=_day_start(date_to + dt.timedelta(days=1)))
    if user_id:
        condition &= Q(history_user_id=user_id)
    selected = [
        t
        for t in TRACKED
        if (model_key is None or t.key == model_key) and (not settings_only or t.is_setting)
    ]
    page: list[tuple[Tracked, Any]] = []
    for tracked in selected:
        rows = _scoped(_rows(tracked, condition), tracked, viewer)
        page.extend((tracked, row) for row in rows[: offset + limit])
    page.sort(key=lambda pair: (pair[1].history_date, pair[1].history_id), reverse=True)
    page = page[offset : offset + limit]
    by_model: dict[Tracked, list[Any]] = defaultdict(list)
    for tracked, row in page:
        by_model[tracked].append(row)
    pairs = []
    for tracked, shown in by_model.items():
        # The version before each shown row, for its old values: one query per model.
        latest = max(row.history_date for row in shown)
        ids = {row.id for row in shown}
        versions = list(_rows(tracked, Q(id__in=ids, history_date__lte=latest)))
        pairs.append((tracked, shown, versions))
    return _entries(pairs, viewer=viewer)


def _scoped(rows: QuerySet[Any], tracked: Tracked, viewer: Any) -> QuerySet[Any]:
    if tracked.store_path is None or access.sees_all_stores(viewer):
        return rows
    store_id = access.user_store_id(viewer)
    if store_id is None:
        return rows.none()
    return rows.filter(**{tracked.store_path: store_id})


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def export_records(
    *,
    viewer: Any,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    user_id: int | None = None,
) -> QuerySet[ExportRecord]:
    qs = ExportRecord.objects.select_related("store")
    if not access.sees_all_stores(viewer):
        qs = qs.filter(Q(store_id=access.user_store_id(viewer)) | Q(user=viewer))
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if user_id:
        qs = qs.filter(user_id=user_id)
    return qs


# --- diffs and display -----------------------------------------------------------------------


def _entries(pairs: Iterable[tuple[Tracked, list[Any], list[Any]]], *, viewer: Any) -> list[Entry]:
    """Entries for ``shown`` rows; ``versions`` holds every version needed to find predecessors."""
    raw: list[tuple[Tracked, Any, list[tuple[str, Any, Any]]]] = []
    for tracked, shown, versions in pairs:
        previous = _predecessors(versions)
        for row in shown:
            raw.append((tracked, row, _raw_changes(tracked, row, previous.get(row.history_id))))
    names = _related_names(raw)
    sees_phones = access.sees_full_mobile(viewer)
    entries = []
    for tracked, row, changes in raw:
        shown_changes = [
            Change(
                name=name,
                label=_label(tracked, name),
                old=_display(tracked, name, old, names, sees_phones),
                new=_display(tracked, name, new, names, sees_phones),
            )
            for name, old, new in changes
        ]
        entries.append(
            Entry(
                at=timezone.localtime(row.history_date),
                user=_user_label(row.history_user),
                action=row.history_type,
                action_label=str(ACTION_LABELS[row.history_type]),
                model_label=tracked.label,
                object_id=row.id,
                reason=reason_shown(row.history_change_reason),
                history_id=row.history_id,
                changes=shown_changes,
            )
        )
    entries.sort(key=lambda e: (e.at, e.history_id), reverse=True)
    return entries


# What older rows stored as the reason when nobody typed one: the request ("POST /callbacks/12/")
# or the task. Not people's words: the page shows no reason for them (who and when are shown).
MACHINE_REASON = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /|^task [\w.]+$")


def reason_shown(reason: str | None) -> str:
    """The change's reason as the user typed it; none for a request path or a task name."""
    text = (reason or "").strip()
    return "" if MACHINE_REASON.match(text) else text


def _label(tracked: Tracked, name: str) -> str:
    model_field: Any = tracked.model._meta.get_field(name)
    return str(model_field.verbose_name)


def _predecessors(versions: list[Any]) -> dict[int, Any]:
    """history_id → the same object's previous version."""
    by_object: dict[int, list[Any]] = defaultdict(list)
    for row in versions:
        by_object[row.id].append(row)
    previous = {}
    for rows in by_object.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        for before, after in zip(rows, rows[1:], strict=False):
            previous[after.history_id] = before
    return previous


def _field_order(tracked: Tracked) -> list[str]:
    return [f.name for f in tracked.model._meta.concrete_fields if f.editable and f.name != "id"]


# Kept on the row for audit, not for reading in its history: the system's inputs to a grade
# suggestion (identity: [], quality_repairs_30d: 0); the criteria they led to are shown, in words.
HIDDEN_FIELDS = frozenset({"grade_facts"})


def _raw_changes(tracked: Tracked, row: Any, before: Any) -> list[tuple[str, Any, Any]]:
    order = _field_order(tracked)
    if row.history_type == "-":
        return []
    if before is None:  # created (or the first version kept): its filled-in values
        return [
            (name, None, value)
            for name in order
            if name not in HIDDEN_FIELDS
            and (value := getattr(row, row._meta.get_field(name).attname)) not in (None, "", [], {})
        ]
    delta = row.diff_against(before)
    changed = {change.field: change for change in delta.changes}
    return [
        (name, changed[name].old, changed[name].new)
        for name in order
        if name in changed and name not in HIDDEN_FIELDS
    ]


def _related_names(raw: list[tuple[Tracked, Any, list[tuple[str, Any, Any]]]]) -> dict[tuple[type, Any], str]:
    """Names of the users, departments, … that changed foreign keys point to: one query per model."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    for tracked, _row, changes in raw:
        for name, old, new in changes:
            model_field = tracked.model._meta.get_field(name)
            if model_field.is_relation and model_field.related_model is not None:
                wanted[model_field.related_model].update(v for v in (old, new) if v is not None)
    names: dict[tuple[type, Any], str] = {}
    user_model = get_user_model()
    for model, ids in wanted.items():
        if model is user_model:
            for user in user_model.objects.filter(pk__in=ids):
                names[(model, user.pk)] = _user_label(user)
        else:
            for obj in model._default_manager.select_related().filter(pk__in=ids):
                names[(model, obj.pk)] = str(obj)
    return names


def _user_label(user: Any) -> str:
    if user is None:
        return _("系统")
    return str(user.get_full_name() or user.username)


def _display(
    tracked: Tracked, name: str, value: Any, names: dict[tuple[type, Any], str], sees_phones: bool
) -> str:
    if value is None or value in ("", [], {}):
        return "—"
    if name in tracked.secret_fields:
        return _("（已设置，内容隐藏）")
    model_field: Any = tracked.model._meta.get_field(name)
    if name in tracked.phone_fields and not sees_phones:
        if isinstance(value, list):
            return ", ".join(mask_mobile(str(v)) for v in value)
        return mask_mobile(str(value))
    coded = VALUE_LABELS.get((tracked.key, name))
    if coded is not None and isinstance(value, dict | list):
        return str(coded(value)) or "—"
    if model_field.is_relation and model_field.related_model is not None:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return f"{value:f}"
    if isinstance(value, list):
        return _("、").join(str(v) for v in value)
    if isinstance(value, dict):
        return _("、").join(_("%(label)s：%(value)s") % {"label": k, "value": v} for k, v in value.items())
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
