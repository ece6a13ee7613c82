"""Quiet hours for SMS: none between 21:00 and 08:00 Asia/Shanghai; a message due then waits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)


def next_send_time(
    now: dt.datetime, *, start: dt.time = QUIET_START, end: dt.time = QUIET_END
) -> dt.datetime:
    """``now`` when it is outside the quiet hours, else the end of them (08:00 Shanghai time)."""
    local = now.astimezone(SHANGHAI)
    clock = local.time()
    if end <= clock < start:
        return now
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=SHANGHAI)
