"""Record numbers that need the row's primary key (TSSZ01-20261205-00011, WJSZ01-20261205-0003): the
row is inserted under a placeholder and numbered in the same transaction. The audit history shows
neither the placeholder nor the renumbering: a person never saw either."""

from __future__ import annotations

import datetime as dt
from typing import Any

PLACEHOLDER_PREFIX = "TMP-"


def placeholder(now: dt.datetime) -> str:
    return f"{PLACEHOLDER_PREFIX}{now.timestamp()}"


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX)
