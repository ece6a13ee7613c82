"""The tracked models: one entry each, with how its rows are scoped to a store and which fields
are hidden or masked in the history."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from callbacks.models import ReasonCode, Survey
from complaints.models import AssessmentAdjustment, CauseCode, Complaint
from crisis.models import CrisisAction, CrisisCase, SignalTerm, TeamMember
from csat.models import CalendarOverride, Customer, Department, StaffProfile, Store, Vehicle
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
    Tracked("complaint", Complaint, "store_id", phone_fields=frozenset({"phone"})),
    Tracked("crisis", CrisisCase, "store_id"),
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
