"""The GM's verdicts on word signals as labelled texts, for the next fit of the early-warning model.

The shipped model (``csat/domain/signals/model.json``) learnt from written texts only; the texts a
store's customers and agents really wrote, with the GM's verdict on each (a case opened from the
signal: crisis-worthy; the signal dismissed: not), are the data that would teach it the store's own
words (issue 23). ``feedback_rows`` reads them — word signals only (``text:*``), decided ones only —
with the words of every record that fired, scrubbed of what identifies a person
(``csat.domain.privacy.scrub_text``), one row per distinct text. A text the GM judged both ways (two
customers, two verdicts) is left out. The columns are those of ``bench/early_warning/fresh.tsv``
(what ``bench/early_warning_train.py --feedback`` reads) and what a reviewer needs beside them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from callbacks.models import CallAttempt, Survey
from callbacks.services import survey_ticket_words
from complaints.models import Complaint
from crisis.models import SignalRecord, WarningSignal
from csat.domain import signals as text_rules
from csat.domain.privacy import scrub_text
from csat.models import Customer, StaffProfile, Store

COLUMNS = (
    "label",
    "type",
    "identity",
    "hard_negative",
    "author",
    "text",
    "source",
    "verdict",
    "reason",
    "decided_at",
    "flagged",
)
OPENED, DISMISSED = "opened", "dismissed"
# Where the words of a record are kept, per signal source.
_WORDS: dict[str, tuple[Any, str]] = {
    WarningSignal.Source.SURVEY: (Survey, "remarks"),
    WarningSignal.Source.CALL: (CallAttempt, "note"),
    WarningSignal.Source.COMPLAINT: (Complaint, "content"),
}


@dataclass(frozen=True, slots=True)
class Feedback:
    rows: list[dict[str, str]]
    conflicting: int  # distinct texts left out: judged crisis-worthy for one customer, not for another
    missing: int  # records whose words are gone (the record was deleted)


def feedback_rows(*, stores: Iterable[Store] | None = None, since: dt.datetime | None = None) -> Feedback:
    """The decided word signals (of ``stores``, fired since ``since``) as labelled, scrubbed texts,
    in the order the signals were decided."""
    signals = WarningSignal.objects.filter(code__startswith="text:").filter(
        Q(crisis__isnull=False) | Q(dismissed_at__isnull=False)
    )
    if stores is not None:
        signals = signals.filter(store__in=list(stores))
    if since is not None:
        signals = signals.filter(created_at__gte=since)
    signals = signals.select_related("store", "crisis")
    by_signal = {s.pk: s for s in signals}
    records = list(SignalRecord.objects.filter(signal__in=signals).order_by("seen_at", "pk"))
    words = _words(records)
    customers = dict(
        Customer.objects.filter(pk__in={s.customer_id for s in by_signal.values()} - {None}).values_list(
            "pk", "name"
        )
    )
    staff = _staff_names()

    found: dict[str, dict[str, str]] = {}
    labels: dict[str, set[str]] = {}
    missing = 0
    for record in records:
        signal = by_signal[record.signal_id]
        text = words.get((record.source, record.record_id))
        if text is None:
            missing += 1
            continue
        customer = customers.get(signal.customer_id or 0, "")
        names = [customer, *staff.get(signal.store_id, ()), *staff.get(None, ())]
        text = scrub_text(" ".join(text.split()), names)
        if not text:
            continue
        crisis = signal.crisis
        opened = crisis is not None
        decided = crisis.created_at if crisis is not None else signal.dismissed_at
        labels.setdefault(text, set()).add("1" if opened else "0")
        if text in found and found[text]["label"] == "1":
            continue  # the opened verdict names the case's type
        found[text] = {
            "label": "1" if opened else "0",
            "type": crisis.type if crisis is not None else "",
            "identity": "",
            "hard_negative": "",
            "author": f"store:{signal.store.code}",
            "text": text,
            "source": record.source,
            "verdict": OPENED if opened else DISMISSED,
            "reason": scrub_text(" ".join(signal.dismiss_reason.split()), names) if not opened else "",
            "decided_at": decided.isoformat() if decided else "",
            "flagged": "1" if text_rules.crisis_worthy(text) else "0",
        }
    conflicting = {t for t, seen in labels.items() if len(seen) > 1}
    rows = sorted((r for t, r in found.items() if t not in conflicting), key=lambda r: r["decided_at"])
    return Feedback(rows, len(conflicting), missing)


def _words(records: Iterable[SignalRecord]) -> dict[tuple[str, int], str]:
    """(source, record id) → the record's words, one query per source."""
    wanted: dict[str, set[int]] = {}
    for record in records:
        wanted.setdefault(record.source, set()).add(record.record_id)
    found: dict[tuple[str, int], str] = {}
    for source, ids in wanted.items():
        if source not in _WORDS:
            continue
        model, field = _WORDS[source]
        for chunk in _chunks(sorted(ids)):
            for pk, text in model.objects.filter(pk__in=chunk).values_list("pk", field):
                found[(source, pk)] = text or ""
    # A survey's ticket holds the app's summary; the early warning read the customer's words.
    complaint = str(WarningSignal.Source.COMPLAINT)
    for chunk in _chunks(sorted(wanted.get(complaint, set()))):
        for survey in Survey.objects.filter(complaint_id__in=chunk):
            if survey.complaint_id is not None:
                found[(complaint, survey.complaint_id)] = survey_ticket_words(survey)
    return found


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    """``ids`` in slices small enough for any database's limit on query parameters."""
    return (ids[i : i + size] for i in range(0, len(ids), size))


def _staff_names() -> dict[int | None, list[str]]:
    """Per store (None: head office), the names of its staff, to scrub from its texts."""
    names: dict[int | None, list[str]] = {}
    for store_id, first, last in StaffProfile.objects.values_list(
        "store_id", "user__first_name", "user__last_name"
    ):
        names.setdefault(store_id, []).extend([f"{last}{first}", f"{first}{last}", f"{first} {last}"])
    return names
