"""Writes of the callbacks app: generation and expiry, the call workflow, surveys and the closed loop."""

from callbacks.services.calls import (
    call_attempt_log,
    call_dial,
    callback_task_assign,
    callback_task_cancel,
    callback_task_claim,
    callback_task_claim_next,
    callback_task_release,
)
from callbacks.services.closed_loop import survey_ticket_create, survey_ticket_words, ticket_departments
from callbacks.services.generation import callback_tasks_expire, callback_tasks_generate
from callbacks.services.manufacturer_scores import manufacturer_score_set
from callbacks.services.surveys import SurveyInput, survey_evaluate, survey_submit, survey_submit_by_customer

__all__ = [
    "SurveyInput",
    "call_attempt_log",
    "call_dial",
    "callback_task_assign",
    "callback_task_cancel",
    "callback_task_claim",
    "callback_task_claim_next",
    "callback_task_release",
    "callback_tasks_expire",
    "callback_tasks_generate",
    "manufacturer_score_set",
    "survey_evaluate",
    "survey_submit",
    "survey_submit_by_customer",
    "survey_ticket_create",
    "survey_ticket_words",
    "ticket_departments",
]
