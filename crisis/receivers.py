"""What the crisis app does when something happens below it (csat.events, connected in ready())."""

from __future__ import annotations

from typing import Any

from crisis.early_warning import scan_complaint, scan_text
from crisis.models import CrisisCase
from crisis.services import crisis_open_from_complaint


def on_customer_words(
    sender: Any, *, source: str, record_id: int, store_id: int, customer_id: int | None, text: str, **_: Any
) -> None:
    scan_text(source=source, record_id=record_id, store_id=store_id, customer_id=customer_id, text=text)


def on_complaint_received(sender: Any, *, complaint: Any, words: str | None = None, **_: Any) -> None:
    scan_complaint(complaint=complaint, words=words)


def on_escalation_requested(
    sender: Any, *, complaint: Any, actor: Any, note: str = "", **_: Any
) -> CrisisCase:
    return crisis_open_from_complaint(actor=actor, complaint=complaint, note=note)
