"""Pages of the agents' work: the queue and dashboard, the call page, surveys."""

from callbacks.views.call import attempt, call, dial, grade_preview, release, survey_detail, survey_submit
from callbacks.views.queue import claim, claim_next, dashboard, index
from callbacks.views.start import start_for_customer

__all__ = [
    "attempt",
    "call",
    "claim",
    "claim_next",
    "dial",
    "dashboard",
    "grade_preview",
    "index",
    "release",
    "start_for_customer",
    "survey_detail",
    "survey_submit",
]
