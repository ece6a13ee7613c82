"""A year's official holiday schedule as admins paste or upload it (DOMAIN §9).

The State Council publishes each year's holidays and adjusted working weekends (调休) late in the
year before. Admins paste the dates (one a line: ``2027-02-06 休`` / ``2027-02-13 班``, an optional
note after) or upload an .ics or .csv file; this module turns the text into entries
(date, is working day, note) for the calendar overrides, and says when the next year still needs
confirming. Pure Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .periods import MAX_YEAR, MIN_YEAR

__all__ = [
    "CONFIRM_FROM",
    "ScheduleEntry",
    "ScheduleError",
    "parse_ics",
    "parse_lines",
    "parse_schedule",
    "unconfirmed_year",
]

# From this day (month, day) on, next year's schedule must be confirmed by an admin.
CONFIRM_FROM = (11, 1)

HOLIDAY_WORDS = frozenset({"休", "假", "放假", "休息", "holiday", "off", "h", "0", "false"})
WORKDAY_WORDS = frozenset({"班", "上班", "调休上班", "补班", "work", "workday", "working", "w", "1", "true"})

# An all-day event longer than this is not a holiday (the longest, Spring Festival, is 8–9 days):
# a typo such as DTEND:29991231 would otherwise write one override a day for a thousand years.
MAX_EVENT_DAYS = 31

_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
_LINE = re.compile(rf"^\s*{_DATE}\s*[,;，；\t ]\s*([^\s,;，；]+)\s*[,;，；\t ]?\s*(.*)$")


class ScheduleError(ValueError):
    """A line of the schedule could not be read; ``line`` is 1-based."""

    def __init__(self, line: int, text: str, *, contradicts: int | None = None) -> None:
        reason = f"contradicts line {contradicts}" if contradicts else "cannot read"
        super().__init__(f"line {line}: {reason} {text!r}")
        self.line = line
        self.text = text
        self.contradicts = contradicts  # the earlier line that gave this date the other kind


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    date: dt.date
    is_working_day: bool
    note: str = ""


def _kind(word: str) -> bool | None:
    word = word.strip().lower()
    if word in WORKDAY_WORDS:
        return True
    if word in HOLIDAY_WORDS:
        return False
    return None


def parse_lines(text: str) -> list[ScheduleEntry]:
    """``2027-02-06 休`` / ``2027-02-13 班`` lines (also csv ``2027-02-13,班,春节调休``).

    Blank lines, ``#`` comments and a csv header line are skipped; anything else unreadable raises
    ScheduleError naming the line. A date given twice the same way keeps the last entry; a date
    given as both 休 and 班 raises ScheduleError naming both lines (which one the State Council
    meant cannot be guessed, and keeping the last silently could charge a holiday as late work).
    """
    entries: dict[dt.date, ScheduleEntry] = {}
    lines: dict[dt.date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            if number == 1 and not re.search(r"\d{4}", line):
                continue  # a csv header such as "date,type,note"
            raise ScheduleError(number, raw)
        year, month, day, word, note = match.groups()
        kind = _kind(word)
        try:
            date = _bounded(dt.date(int(year), int(month), int(day)))
        except ValueError:
            raise ScheduleError(number, raw) from None
        if kind is None:
            raise ScheduleError(number, raw)
        if date in entries and entries[date].is_working_day != kind:
            raise ScheduleError(number, raw, contradicts=lines[date])
        entries[date] = ScheduleEntry(date, kind, note.strip().strip(",;，；").strip()[:100])
        lines[date] = number
    return sorted(entries.values(), key=lambda e: e.date)


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw.rstrip("\r"))
    return lines


def _bounded(date: dt.date) -> dt.date:
    """``date`` if its year is one the calendar can hold (periods.MIN_YEAR…MAX_YEAR), else ValueError:
    year 1 turned into UTC, or the day after 9999-12-31, overflows."""
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise ValueError(date)
    return date


def _ics_date(value: str) -> dt.date:
    return _bounded(dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date())  # noqa: DTZ007 - a date only


def parse_ics(text: str) -> list[ScheduleEntry]:
    """VEVENTs of an .ics file: each all-day event covers DTSTART up to (not incl.) DTEND.

    An event whose SUMMARY says 班/上班/补班 (or "work") marks working days; any other is a holiday.
    """
    entries: dict[dt.date, ScheduleEntry] = {}
    event: dict[str, str] | None = None
    for number, line in enumerate(_unfold(text), start=1):
        if line == "BEGIN:VEVENT":
            event = {}
            continue
        if line == "END:VEVENT" and event is not None:
            if "DTSTART" not in event:
                raise ScheduleError(number, "VEVENT without DTSTART")
            try:
                start = _ics_date(event["DTSTART"])
                end = _ics_date(event["DTEND"]) if "DTEND" in event else start + dt.timedelta(days=1)
            except ValueError:
                raise ScheduleError(number, event.get("DTSTART", "")) from None
            if (end - start).days > MAX_EVENT_DAYS:
                raise ScheduleError(number, f"{event['DTSTART']}–{event.get('DTEND', '')}")
            summary = event.get("SUMMARY", "").replace("\\,", ",").strip()
            working = bool(re.search(r"班|\bwork", summary, re.IGNORECASE))
            day = start
            while day < max(end, start + dt.timedelta(days=1)):
                entries[day] = ScheduleEntry(day, working, summary[:100])
                day += dt.timedelta(days=1)
            event = None
            continue
        if event is not None and ":" in line:
            name, value = line.split(":", 1)
            event[name.split(";", 1)[0].upper()] = value
    return sorted(entries.values(), key=lambda e: e.date)


def parse_schedule(text: str) -> list[ScheduleEntry]:
    """An .ics calendar when it says BEGIN:VCALENDAR, else date lines / csv."""
    if "BEGIN:VCALENDAR" in text or "BEGIN:VEVENT" in text:
        return parse_ics(text)
    return parse_lines(text)


def unconfirmed_year(today: dt.date, known: Iterable[int]) -> int | None:
    """The first year whose schedule the timers need and nobody confirmed (``known``: confirmed or
    bundled): this year, whose timers run on it now, then from 1 November on the next. The warning
    that began in November stays after New Year's Day until the year is confirmed (DOMAIN §9)."""
    needed = [today.year] + ([today.year + 1] if (today.month, today.day) >= CONFIRM_FROM else [])
    known = set(known)
    return next((year for year in needed if year not in known), None)
