"""Ticket numbers: how one is made (TSSZ01-20261206-00019: the store's code, the day it was received,
the ticket's id zero-padded to 5 digits) and how a number or its end finds the ticket (the header's
search box, complaints.search). Both here, because the finding relies on the making."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db.models import Q
from django.utils import timezone

# What the header search takes for a number or its end: TSSZ01-20261206-00019, SZ01-20261206-00019,
# 20261206-00019, 00019, 019 — a last part (the serial) of 3 to 9 digits.
_NUMBER_END = re.compile(r"^[A-Z0-9-]*?(\d{3,9})$")


def ticket_number(*, store_code: str, received_at: dt.datetime, pk: int) -> str:
    """The number of a ticket (given once its row has an id: csat.numbering)."""
    return f"TS{store_code}-{timezone.localtime(received_at):%Y%m%d}-{pk:05d}"


def ticket_number_q(text: str) -> Q | None:
    """The ticket whose number ends with ``text`` (any case; spaces ignored; full-width characters
    of a Chinese IME read as ASCII) when that end holds the whole serial. The serial is the
    ticket's id (``ticket_number``), so the primary key finds the one candidate and the number's
    end only confirms it: one indexed row at group scope, where ``number__endswith`` (or the
    list's ``icontains``) reads every ticket. None when ``text`` ends in no serial (fewer than 3
    digits, or digits run on from letters: a plate's or a mobile's digits are not a serial)."""
    word = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).upper()
    match = _NUMBER_END.match(word)
    if match is None:
        return None
    serial = match.group(1)
    if len(serial) < len(word) and word[-len(serial) - 1] != "-":
        return None
    return Q(pk=int(serial), number__endswith=word)
