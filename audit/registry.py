"""The tracked models: one entry each, with how its rows are scoped to a store and which fields
are hidden or masked in the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from callbacks.models import Dimension, ManufacturerScore, ReasonCode, Survey
from callbacks.selectors.grades import criteria_labels
from callbacks.survey_items import ITEMS
from complaints.models import AssessmentAdjustment, CauseCode, Complaint, ComplaintAttachment, MajorCriterion
from crisis.models import CrisisAction, CrisisAttachment, CrisisCase, SignalTerm, TeamMember
from csat.models import CalendarOverride, Customer, Department, IdentityFlag, StaffProfile, Store, Vehicle
from prevention.models import PreventiveMeasure
from surveylinks.models import SurveyLink

# Not kept in history at all: bookkeeping that changes on every save.
# Derived columns: a ticket's next deadline is kept by the deadline services, not edited.
EXCLUDED = ("updated_at", "next_due_at", "next_due_kind")


@dataclass(frozen=True)
class Tracked:
    key: str
    model: type[models.Model]
    # Lookup from the historical row to the store id (None: a group-wide setting).
    store_path: str | None
    # Personal numbers: masked for roles that do not call customers.
    phone_fields: frozenset[str] = field(default_factory=frozenset)
    # Secrets (webhook keys): never shown, only that they changed.
    secret_fields: frozenset[str] = field(default_factory=frozenset)
    is_setting: bool = False

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)


TRACKED: tuple[Tracked, ...] = (
    Tracked("customer", Customer, "store_id", phone_fields=frozenset({"mobile", "extra_phones"})),
    Tracked("vehicle", Vehicle, "store_id"),
    Tracked("survey", Survey, "store_id"),
    Tracked("survey_link", SurveyLink, "store_id"),  # every invitation, send, answer and revocation
    Tracked("manufacturer_score", ManufacturerScore, "store_id"),  # issue #19: every value entered
    Tracked("complaint", Complaint, "store_id", phone_fields=frozenset({"phone"})),
    Tracked("complaint_attachment", ComplaintAttachment, "complaint__store_id"),  # issue #22
    Tracked("crisis", CrisisCase, "store_id"),
    Tracked("crisis_attachment", CrisisAttachment, "crisis__store_id"),
    Tracked("crisis_team", TeamMember, "crisis__store_id"),
    Tracked("crisis_action", CrisisAction, "crisis__store_id"),
    Tracked("adjustment", AssessmentAdjustment, "department__store_id"),
    Tracked("measure", PreventiveMeasure, "store_id"),
    Tracked("store", Store, "id", is_setting=True),
    Tracked("department", Department, "store_id", secret_fields=frozenset({"webhook_url"}), is_setting=True),
    Tracked("staff", StaffProfile, "store_id", phone_fields=frozenset({"phone"}), is_setting=True),
    Tracked("calendar", CalendarOverride, None, is_setting=True),
    Tracked("signal_term", SignalTerm, None, is_setting=True),
    Tracked("reason_code", ReasonCode, None, is_setting=True),
    Tracked("cause_code", CauseCode, None, is_setting=True),
)
BY_KEY = {t.key: t for t in TRACKED}
BY_MODEL = {t.model: t for t in TRACKED}

MODEL_CHOICES = [(t.key, t.model._meta.verbose_name) for t in TRACKED]
ACTION_LABELS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


# --- coded values in people's words (issue #22: "服务技能：4", not "skill: 4") -------------------


def _pair(label: Any, value: Any) -> str:
    return str(_("%(label)s：%(value)s") % {"label": label, "value": value})


def _joined(parts: list[str]) -> str:
    return str(_("、")).join(parts)


def _ratings(value: Any) -> str:
    labels = dict(Dimension.choices)
    return _joined([_pair(labels.get(k, k), v) for k, v in value.items()])


def _items(value: Any) -> str:
    known = {item.key: item for items in ITEMS.values() for item in items}
    parts = []
    for key, answer in value.items():
        item = known.get(key)
        if item is None:
            parts.append(_pair(key, answer))
            continue
        shown = dict(item.choices).get(answer, answer)
        parts.append(_pair(item.label, shown))
    return _joined(parts)


def _codes(choices: Any) -> Any:
    def label(value: Any) -> str:
        labels = dict(choices)
        return _joined([str(labels.get(code, code)) for code in value])

    return label


def _criteria(value: Any) -> str:
    return _joined(criteria_labels(value))


# (model key, field) → how a stored value (a dict or list of codes) reads on the page.
VALUE_LABELS: dict[tuple[str, str], Any] = {
    ("survey", "ratings"): _ratings,
    ("survey", "items"): _items,
    ("survey", "grade_criteria"): _criteria,
    ("complaint", "grade_criteria"): _criteria,
    ("customer", "identity_flags"): _codes(IdentityFlag.choices),
    ("complaint", "major_criteria"): _codes(MajorCriterion.choices),
}
