"""Complaint-step deadlines (DOMAIN §5, complaint-handling-procedure).

Each step is a timer: it opens at ``opens_at``, warns at ``warn_at`` and is breached after
``due_at``. The 30-minute and 2-hour steps run on the wall clock for urgent or major complaints
and in working time (office hours of working days) otherwise. Progress reports count working
days from the department's receipt of the form (dispatch); the same-day result report runs to the
end of the working day the customer accepted the solution; the follow-up window counts calendar
days and, when it holds no working time, reaches to the end of the next working day (DOMAIN §9
"Timers that were missing or shifted").

Durations are module constants; a settings layer overrides them by passing ``duration=`` etc.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import calendar as wcal
from .calendar import OfficeHoursLike, Overrides

__all__ = [
    "DEADLINE_KINDS",
    "DISPATCH",
    "DISPATCH_DURATION",
    "FIRST_CONTACT",
    "FIRST_CONTACT_DURATION",
    "FOLLOW_UP",
    "FOLLOW_UP_CLOSES_DAY",
    "FOLLOW_UP_OPENS_DAY",
    "HANDOFF",
    "HANDOFF_DURATION",
    "PROGRESS_REPORT",
    "PROGRESS_REPORT_WORKING_DAYS",
    "RESULT_REPORT",
    "RESULT_REPORT_WARNING",
    "SHORT_STEP_WARNING",
    "DeadlineSpec",
    "compute_deadline",
    "dispatch_deadline",
    "first_contact_deadline",
    "follow_up_window",
    "handoff_deadline",
    "is_breached",
    "progress_report_deadline",
    "result_report_deadline",
    "uses_wall_clock",
]

HANDOFF = "handoff"
DISPATCH = "dispatch"
FIRST_CONTACT = "first_contact"
PROGRESS_REPORT = "progress_report"
FOLLOW_UP = "follow_up"
RESULT_REPORT = "result_report"
DEADLINE_KINDS: tuple[str, ...] = (
    HANDOFF,
    DISPATCH,
    FIRST_CONTACT,
    PROGRESS_REPORT,
    RESULT_REPORT,
    FOLLOW_UP,
)

HANDOFF_DURATION = dt.timedelta(minutes=30)  # receiver → customer care
DISPATCH_DURATION = dt.timedelta(minutes=30)  # registration → responsible department
FIRST_CONTACT_DURATION = dt.timedelta(hours=2)  # department receives form → calls the customer
SHORT_STEP_WARNING = dt.timedelta(minutes=15)  # warn this long before a 30-min / 2-h step is due
PROGRESS_REPORT_WORKING_DAYS = 3  # unresolved → progress report, again every 3 working days
FOLLOW_UP_OPENS_DAY = 5  # customer care calls back on day 5…
FOLLOW_UP_CLOSES_DAY = 7  # …to day 7 after receiving the returned form (calendar days)
RESULT_REPORT_WARNING = dt.timedelta(hours=1)  # warn an hour before the working day ends


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    kind: str
    opens_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value


def _local(value: dt.datetime, tz: dt.tzinfo | None, name: str) -> dt.datetime:
    value = _aware(value, name)
    return value.astimezone(tz) if tz is not None else value


def uses_wall_clock(*, urgent: bool, major: bool) -> bool:
    """Urgent or major complaints run on the wall clock; the rest in working time."""
    return bool(urgent or major)


def _short_step(
    kind: str,
    start: dt.datetime,
    duration: dt.timedelta,
    *,
    urgent: bool,
    major: bool,
    office_hours: OfficeHoursLike,
    overrides: Overrides | None,
    tz: dt.tzinfo | None,
    warning: dt.timedelta,
    resumes_off_hours: bool = False,
) -> DeadlineSpec:
    start = _local(start, tz, "start")
    if duration <= dt.timedelta(0):
        raise ValueError(f"{kind} duration must be positive, got {duration}")
    if warning < dt.timedelta(0):
        raise ValueError(f"warning must not be negative, got {warning}")
    if uses_wall_clock(urgent=urgent, major=major):
        base = start
        if resumes_off_hours and not wcal.is_working_time(
            start, office_hours=office_hours, overrides=overrides
        ):
            # DOMAIN §9 "Off hours": the duty leaders are alerted at once; the handoff and the
            # registration fall due 30 minutes after working time resumes, never in the night.
            base = wcal.next_working_time(start, office_hours=office_hours, overrides=overrides)
        due = base + duration
    else:
        due = wcal.add_working_time(start, duration, office_hours=office_hours, overrides=overrides)
    # The warning is "15 minutes before" on the wall clock, never before the step opened.
    warn = max(start, due - warning)
    return DeadlineSpec(kind, start, due, warn)


def handoff_deadline(
    received_at: dt.datetime,
    *,
    urgent: bool,
    major: bool,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
    duration: dt.timedelta = HANDOFF_DURATION,
    warning: dt.timedelta = SHORT_STEP_WARNING,
) -> DeadlineSpec:
    """Whoever received the complaint hands it to customer care within 30 min of ``received_at``.

    On the wall clock (urgent/major) a complaint received outside working time is due 30 min after
    working time resumes (DOMAIN §9 "Off hours")."""
    return _short_step(
        HANDOFF,
        received_at,
        duration,
        urgent=urgent,
        major=major,
        office_hours=office_hours,
        overrides=overrides,
        tz=tz,
        warning=warning,
        resumes_off_hours=True,
    )


def dispatch_deadline(
    registered_at: dt.datetime,
    *,
    urgent: bool,
    major: bool,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
    duration: dt.timedelta = DISPATCH_DURATION,
    warning: dt.timedelta = SHORT_STEP_WARNING,
) -> DeadlineSpec:
    """Customer care dispatches the registered form within 30 min of ``registered_at`` (outside
    working time: 30 min after it resumes, as the handoff)."""
    return _short_step(
        DISPATCH,
        registered_at,
        duration,
        urgent=urgent,
        major=major,
        office_hours=office_hours,
        overrides=overrides,
        tz=tz,
        warning=warning,
        resumes_off_hours=True,
    )


def first_contact_deadline(
    dispatched_at: dt.datetime,
    *,
    urgent: bool,
    major: bool,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
    duration: dt.timedelta = FIRST_CONTACT_DURATION,
    warning: dt.timedelta = SHORT_STEP_WARNING,
) -> DeadlineSpec:
    """The department manager calls the customer within 2 h of receiving the form."""
    return _short_step(
        FIRST_CONTACT,
        dispatched_at,
        duration,
        urgent=urgent,
        major=major,
        office_hours=office_hours,
        overrides=overrides,
        tz=tz,
        warning=warning,
    )


def progress_report_deadline(
    from_dt: dt.datetime,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
    working_days: int = PROGRESS_REPORT_WORKING_DAYS,
) -> DeadlineSpec:
    """A progress report is due ``working_days`` working days after ``from_dt``.

    ``from_dt`` is when the department received the form, then the last progress report (the
    report repeats while the complaint is open). Always counted in working days, also for
    urgent/major complaints. The warning comes one working day before, same clock time.
    """
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise ValueError(f"working_days must be a positive integer, got {working_days!r}")
    start = _local(from_dt, tz, "from_dt")
    due = wcal.add_working_days(start, working_days, office_hours=office_hours, overrides=overrides)
    warn = wcal.add_working_days(start, working_days - 1, office_hours=office_hours, overrides=overrides)
    return DeadlineSpec(PROGRESS_REPORT, start, due, max(start, warn))


def result_report_deadline(
    accepted_at: dt.datetime,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
    warning: dt.timedelta = RESULT_REPORT_WARNING,
) -> DeadlineSpec:
    """Customer satisfied → the department reports the result to customer care the same day.

    Source §6 "当天"; DOMAIN §9: due at the end of the working day on which the customer accepted
    the solution (closing time of office hours); accepted outside working time → the end of the
    next working day. The warning fires ``warning`` before, never before the step opened.
    """
    start = _local(accepted_at, tz, "accepted_at")
    hours = wcal.OfficeHours.coerce(office_hours)
    day = start.date()
    if not wcal.is_working_day(day, overrides=overrides) or start.time() >= hours.end:
        day = wcal.next_working_time(
            dt.datetime.combine(day, hours.end, tzinfo=start.tzinfo), office_hours=hours, overrides=overrides
        ).date()
    due = dt.datetime.combine(day, hours.end, tzinfo=start.tzinfo)
    return DeadlineSpec(RESULT_REPORT, start, due, max(start, due - warning))


def follow_up_window(
    resolved_at: dt.datetime,
    *,
    tz: dt.tzinfo | None = None,
    opens_day: int = FOLLOW_UP_OPENS_DAY,
    closes_day: int = FOLLOW_UP_CLOSES_DAY,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
) -> DeadlineSpec:
    """Customer care's follow-up call window, day 5 to day 7 after ``resolved_at``.

    ``resolved_at`` is when customer care received the returned form (day 0). Calendar days in
    the local zone: the window opens at 00:00 of day 5 and is due at the end of day 7
    (23:59:59.999999). DOMAIN §9: when no day of the window is a working day (a long holiday),
    it reaches to the end of office hours of the first working day after it, so nobody is
    charged for a holiday. The warning fires when the window opens.
    """
    for name, value in (("opens_day", opens_day), ("closes_day", closes_day)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if closes_day < opens_day:
        raise ValueError(f"the window closes (day {closes_day}) before it opens (day {opens_day})")
    resolved = _local(resolved_at, tz, "resolved_at")
    day0 = resolved.date()
    first, last = day0 + dt.timedelta(days=opens_day), day0 + dt.timedelta(days=closes_day)
    opens = dt.datetime.combine(first, dt.time.min, tzinfo=resolved.tzinfo)
    due = dt.datetime.combine(last, dt.time.max, tzinfo=resolved.tzinfo)
    window = (first + dt.timedelta(days=i) for i in range(closes_day - opens_day + 1))
    if not any(wcal.is_working_day(day, overrides=overrides) for day in window):
        hours = wcal.OfficeHours.coerce(office_hours)
        resumes = wcal.next_working_time(due, office_hours=hours, overrides=overrides)
        due = dt.datetime.combine(resumes.date(), hours.end, tzinfo=resolved.tzinfo)
    return DeadlineSpec(FOLLOW_UP, opens, due, opens)


def compute_deadline(
    kind: str,
    start: dt.datetime,
    *,
    urgent: bool,
    major: bool,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
) -> DeadlineSpec:
    """Dispatch on ``kind`` with the default durations.

    ``start`` is received_at (handoff), registered_at (dispatch), dispatched_at (first_contact),
    the dispatch or last report (progress_report), the customer's acceptance (result_report) or
    resolved_at (follow_up). ``urgent``/``major``
    only matter for the 30-min and 2-h steps.
    """
    if kind in (HANDOFF, DISPATCH, FIRST_CONTACT):
        step = {
            HANDOFF: handoff_deadline,
            DISPATCH: dispatch_deadline,
            FIRST_CONTACT: first_contact_deadline,
        }[kind]
        return step(start, urgent=urgent, major=major, office_hours=office_hours, overrides=overrides, tz=tz)
    if kind == PROGRESS_REPORT:
        return progress_report_deadline(start, office_hours=office_hours, overrides=overrides, tz=tz)
    if kind == RESULT_REPORT:
        return result_report_deadline(start, office_hours=office_hours, overrides=overrides, tz=tz)
    if kind == FOLLOW_UP:
        return follow_up_window(start, tz=tz, office_hours=office_hours, overrides=overrides)
    raise ValueError(f"unknown deadline kind {kind!r}; expected one of {', '.join(DEADLINE_KINDS)}")


def is_breached(due_at: dt.datetime, *, now: dt.datetime, met_at: dt.datetime | None = None) -> bool:
    """A step is breached when it was met after ``due_at``, or is still unmet and ``now`` is past it."""
    due_at = _aware(due_at, "due_at")
    moment = _aware(met_at, "met_at") if met_at is not None else _aware(now, "now")
    return moment > due_at
