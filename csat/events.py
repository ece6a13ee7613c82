"""Events that travel up the import graph.

An app may only import the apps below it (README, "Where things are"). When something that happens
low down must have an effect higher up — a complaint's words scanned for a crisis, a calendar change
moving the complaint timers, a download recorded by the audit app — the lower app sends one of these
signals and the upper app connects a receiver in its ``AppConfig.ready``. Receivers run
synchronously, inside the sender's transaction, exactly where a direct call used to be.
"""

from __future__ import annotations

from django.dispatch import Signal

# Customer words were recorded (survey remarks, a call note). kwargs: source, record_id, store_id,
# customer_id, text. Connected by: crisis (early warning).
customer_words_recorded = Signal()

# A complaint ticket was created. kwargs: complaint, words (what the customer said when the
# ticket's content is the system's own summary, else None). Connected by: crisis (early warning).
complaint_received = Signal()

# A complaint is escalated to a crisis case. kwargs: complaint, actor, note. The receiver opens
# (or returns) the crisis case and returns it. Connected by: crisis.
escalation_requested = Signal()

# Working days changed from ``date`` on (an admin's calendar override). kwargs: date.
# Connected by: complaints (recomputes open deadlines).
calendar_changed = Signal()

# Personal data was downloaded. kwargs: user, kind, scope, row_count, store_id, via.
# Connected by: audit (writes the export record).
personal_data_exported = Signal()

# A callback task became unreachable after failed calls (not a wrong number). kwargs: task_id,
# store_id. Connected by: surveylinks (a one-time survey link by SMS, issue #24).
callback_task_unreachable = Signal()
