"""Property tests of input validation: arbitrary text, numbers and dates into every form (and into
the import rows) give either a cleaned value or a field error in Chinese — never an exception — and
bad input through a page writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks.forms import AttemptForm, SurveyForm
from complaints import forms as complaint_forms
from complaints.models import Complaint
from crisis import forms as crisis_forms
from csat.forms import CalendarOverrideForm
from csat.models import Department, DepartmentKind, Role
from intake.columns import columns_of
from intake.reading import FileRejected
from prevention.forms import MeasureForm, StepForm
from tests.factories import DepartmentFactory, StaffFactory, StoreFactory
from tests.intake.support import grid, plan_for

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a user (or a script) may type into any field.
junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789-+.eE ", max_size=12),  # numbers, almost numbers
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "2026-13-01", "9999-99-99T99:99", "1e309", "NaN", "-0", "　", "\x00"]),
    st.text(min_size=300, max_size=1000),  # longer than most columns
)


def _departments() -> Any:
    return Department.objects.all()


# Every form with its constructor (a few take the records their choices come from).
FORMS: dict[str, Callable[[dict[str, Any]], forms.Form]] = {
    "complaint-intake": lambda d: complaint_forms.ComplaintIntakeForm(d),
    "complaint-note": lambda d: complaint_forms.NoteForm(d),
    "complaint-dispatch": lambda d: complaint_forms.DispatchForm(d, departments=_departments()),
    "complaint-contact": lambda d: complaint_forms.ContactForm(d),
    "complaint-progress": lambda d: complaint_forms.ProgressForm(d),
    "compensation-proposal": lambda d: complaint_forms.ProposeForm(d),
    "complaint-decision": lambda d: complaint_forms.DecisionForm(d),
    "complaint-resolve": lambda d: complaint_forms.ResolveForm(d),
    "complaint-follow-up": lambda d: complaint_forms.FollowUpForm(d),
    "assessment-adjustment": lambda d: complaint_forms.AdjustmentForm(d, departments=_departments()),
    "measure": lambda d: MeasureForm(d, departments=_departments()),
    "measure-step": lambda d: StepForm(d),
    "survey-sales": lambda d: SurveyForm(d, survey_type="sales"),
    "survey-after-sales": lambda d: SurveyForm(d, survey_type="after_sales"),
    "survey-five-dimension": lambda d: SurveyForm(d, survey_type="five_dimension"),
    "call-attempt": lambda d: AttemptForm(d),
    "crisis-open": lambda d: crisis_forms.OpenForm(d),
    "crisis-phase": lambda d: crisis_forms.PhaseForm(d),
    "crisis-team": lambda d: crisis_forms.TeamForm(d, store_id=None),
    "crisis-plan": lambda d: crisis_forms.PlanForm(d),
    "crisis-log": lambda d: crisis_forms.LogForm(d),
    "crisis-media": lambda d: crisis_forms.MediaForm(d),
    "crisis-action": lambda d: crisis_forms.ActionForm(d, store_id=None),
    "crisis-review": lambda d: crisis_forms.ReviewForm(d),
    "crisis-decision": lambda d: crisis_forms.DecisionForm(d),
    "calendar-override": lambda d: CalendarOverrideForm(d),
}


def _field_names(name: str) -> list[str]:
    return list(FORMS[name]({}).fields)


def _messages(errors: Any) -> list[str]:
    return [str(m) for field_errors in errors.values() for m in field_errors]


@pytest.fixture
def store() -> Any:
    store = StoreFactory(code="SZ01")
    for kind in (DepartmentKind.CUSTOMER_CARE, DepartmentKind.SALES):
        DepartmentFactory(store=store, kind=kind)
    return store


@pytest.mark.parametrize("name", list(FORMS))
def test_any_input_is_cleaned_or_refused_in_chinese(name: str, store: Any) -> None:
    fields = _field_names(name)

    @EXAMPLES
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, junk)))
    def check(data: dict[str, Any]) -> None:
        form = FORMS[name](data)
        if form.is_valid():
            assert set(form.cleaned_data) <= set(fields)
        else:
            messages = _messages(form.errors)
            assert messages
            assert all(CHINESE.search(m) for m in messages), messages

    check()


@pytest.mark.parametrize("kind", ["customers", "sales", "service_visits"])
def test_any_import_row_is_planned_or_reported_in_chinese(kind: str, store: Any) -> None:
    keys = [c.key for c in columns_of(kind)]

    @EXAMPLES
    @given(st.lists(st.fixed_dictionaries(dict.fromkeys(keys, junk)), min_size=1, max_size=3))
    def check(rows: list[dict[str, Any]]) -> None:
        try:
            plan = plan_for(kind, store, grid(kind, rows))
        except FileRejected as exc:  # the whole file refused (e.g. a NUL byte), with a reason
            assert CHINESE.search(str(exc)), exc
            return
        assert plan.total <= len(rows)  # blank rows are skipped
        for error in plan.errors:
            assert CHINESE.search(error["message"]), error

    check()


def test_bad_input_on_a_page_writes_nothing(store: Any) -> None:
    care = Department.objects.get(store=store, kind=DepartmentKind.CUSTOMER_CARE)
    agent = StaffFactory(username="agent", role=Role.AGENT, store=store, department=care)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    fields = _field_names("complaint-intake")

    @EXAMPLES
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, junk)))
    def check(data: dict[str, Any]) -> None:
        before = Complaint.objects.count()
        response = client.post("/complaints/new/", data)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert Complaint.objects.count() == before

    check()
