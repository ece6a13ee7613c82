"""Survey submission: per-type validation, score_used, classification boundaries, grade
suggestions and overrides, and the closed loop into complaint tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from callbacks import services
from callbacks.models import CallAttempt, Classification, CloseReason, Survey, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from complaints.models import Complaint, Kind, Status
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import DepartmentKind, IdentityFlag, ServiceKind
from tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory

pytestmark = pytest.mark.django_db

SALES_ITEMS = {
    "consultant_knowledge": "satisfied",
    "consultant_attitude": "satisfied",
    "consultant_follow_up": "yes",
    "vehicle_introduction": "satisfied",
    "delivery": "satisfied",
}
AFTER_SALES_ITEMS = {
    "repair_quality": "satisfied",
    "running_since": "normal",
    "service_attitude": "satisfied",
    "service_reception": "satisfied",
    "technique_mechanical": "satisfied",
    "technique_body_paint": "not_applicable",
    "handover_explained": "yes",
    "handover_advice": "yes",
    "handover_prices": "yes",
}
GOOD = {"skill": 9, "attitude": 9, "timeliness": 8, "parts": 9, "overall": 9}


def sales(**fields: Any) -> SurveyInput:
    return SurveyInput(type=SurveyType.SALES, items=dict(SALES_ITEMS), **fields)


def after_sales(**fields: Any) -> SurveyInput:
    return SurveyInput(type=SurveyType.AFTER_SALES, items=dict(AFTER_SALES_ITEMS), **fields)


def submit(task: Any, agent: Any, data: SurveyInput, **kwargs: Any) -> Survey:
    return services.survey_submit(actor=agent, data=data, callback=task, **kwargs)


def errors_of(excinfo: Any) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- score and classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "remarks", "expected"),
    [
        (69, "", Classification.DISSATISFIED),
        (70, "", Classification.NONE),
        (70, "等待时间太长", Classification.AT_RISK_OPINION),
        (79, "等待时间太长", Classification.AT_RISK_OPINION),
        (80, "等待时间太长", Classification.OPINION),
        (80, "", Classification.NONE),
        (0, "", Classification.DISSATISFIED),
        (100, "", Classification.NONE),
    ],
)
def test_classification_boundaries(
    store_a: Any, agent: Any, make_task: Any, score: int, remarks: str, expected: str
) -> None:
    survey = submit(make_task(store_a), agent, sales(score=score, remarks=remarks))
    assert survey.score_used == score and survey.classification == expected
    assert (survey.complaint is not None) == (expected == Classification.DISSATISFIED)


def test_says_unsatisfied_is_dissatisfied_whatever_the_score(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    survey = submit(make_task(store_a), agent, sales(score=85, says_unsatisfied=True))
    assert survey.classification == Classification.DISSATISFIED


@pytest.mark.parametrize(
    ("level", "value", "expected"),
    [
        ("very_satisfied", None, 100),
        ("satisfied", None, 95),
        ("good", None, 85),
        ("good", 80, 80),
        ("good", 90, 90),
        ("average", None, 75),
        ("passable", 60, 60),
        ("not_very_satisfied", None, 50),
        ("very_dissatisfied", None, 10),
        ("良好", 88, 88),
    ],
)
def test_levels_convert_to_the_score_used(
    store_a: Any, agent: Any, make_task: Any, level: str, value: int | None, expected: int
) -> None:
    survey = submit(make_task(store_a), agent, sales(level=level, level_value=value))
    assert survey.score_used == expected and survey.score is None


@pytest.mark.parametrize(("level", "value"), [("good", 79), ("good", 91), ("average", 81), ("satisfied", 90)])
def test_a_value_outside_the_level_range_is_rejected(
    store_a: Any, agent: Any, make_task: Any, level: str, value: int
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a), agent, sales(level=level, level_value=value))
    assert "level_value" in errors_of(excinfo)
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"score": 101}, "score"),
        ({"score": 90, "level": "good"}, "level"),
        ({"level_value": 85}, "level_value"),
        ({"level": "superb"}, "level"),
        ({}, "not_rated_reason"),
        ({"score": 90, "not_rated_reason": "忙"}, "not_rated_reason"),
        ({"score": 90, "ratings": GOOD}, "ratings"),
    ],
)
def test_malformed_overall_satisfaction(
    store_a: Any, agent: Any, make_task: Any, fields: dict, key: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a), agent, sales(**fields))
    assert key in errors_of(excinfo)


def test_not_rated_is_kept_out_of_the_base_with_its_reason(store_a: Any, agent: Any, make_task: Any) -> None:
    survey = submit(make_task(store_a), agent, sales(not_rated_reason="客户说刚提车还没开，不好打分"))
    assert survey.score_used is None and survey.classification == Classification.NONE
    assert survey.not_rated_reason == "客户说刚提车还没开，不好打分"


# --- mandatory items ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing", ["consultant_knowledge", "consultant_follow_up", "vehicle_introduction", "delivery"]
)
def test_sales_mandatory_items(store_a: Any, agent: Any, make_task: Any, missing: str) -> None:
    data = sales(score=95)
    data.items = {k: v for k, v in SALES_ITEMS.items() if k != missing}
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a), agent, data)
    assert list(errors_of(excinfo)) == [f"items.{missing}"]


@pytest.mark.parametrize(
    "missing",
    ["repair_quality", "running_since", "service_attitude", "technique_body_paint", "handover_prices"],
)
def test_after_sales_mandatory_items(store_a: Any, agent: Any, make_task: Any, missing: str) -> None:
    data = after_sales(score=95)
    data.items = {k: v for k, v in AFTER_SALES_ITEMS.items() if k != missing}
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a, type=SurveyType.AFTER_SALES), agent, data)
    assert list(errors_of(excinfo)) == [f"items.{missing}"]


def test_optional_items_may_be_left_out_and_unknown_or_bad_answers_are_rejected(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    survey = submit(make_task(store_a, type=SurveyType.AFTER_SALES), agent, after_sales(score=96))
    assert survey.items["technique_mechanical"] == "satisfied" and "environment" not in survey.items
    data = after_sales(score=96)
    data.items = {**AFTER_SALES_ITEMS, "technique_mechanical": "great", "colour": "red"}
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a, type=SurveyType.AFTER_SALES), agent, data)
    assert set(errors_of(excinfo)) == {"items.technique_mechanical", "items.colour"}


# --- five dimensions ----------------------------------------------------------------------------


def test_five_dimension_score_is_the_mean_of_the_five_times_ten(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    survey = submit(task, agent, SurveyInput(type=SurveyType.FIVE_DIMENSION, ratings=GOOD))
    assert survey.score_used == 88 and survey.ratings == GOOD
    assert survey.suggested_grade == "B" and survey.grade_criteria == ["ratings_mean"]


def test_low_ratings_need_a_reason_code_of_their_dimension(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    ratings = {**GOOD, "parts": 6, "timeliness": 5}
    with pytest.raises(ValidationError) as excinfo:
        submit(
            task,
            agent,
            SurveyInput(type=SurveyType.FIVE_DIMENSION, ratings=ratings, reason_codes=["long_wait"]),
        )
    assert "服务及时性" in errors_of(excinfo)["reason_codes"][0]
    survey = submit(
        task,
        agent,
        SurveyInput(
            type=SurveyType.FIVE_DIMENSION, ratings=ratings, reason_codes=["long_wait", "arrived_late"]
        ),
    )
    assert sorted(survey.reason_codes.values_list("code", flat=True)) == ["arrived_late", "long_wait"]


@pytest.mark.parametrize(
    "ratings", [{**GOOD, "parts": None}, {**GOOD, "parts": 11}, {**GOOD, "parts": 0}, {**GOOD, "speed": 8}]
)
def test_five_dimension_ratings_must_be_complete_and_in_range(
    store_a: Any, agent: Any, make_task: Any, ratings: dict
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        submit(
            make_task(store_a, type=SurveyType.FIVE_DIMENSION),
            agent,
            SurveyInput(type="five_dimension", ratings=ratings),
        )
    assert "ratings" in errors_of(excinfo)


def test_reason_codes_must_be_active(store_a: Any, agent: Any, make_task: Any) -> None:
    from callbacks.models import ReasonCode

    ReasonCode.objects.filter(code="long_wait").update(active=False)
    ratings = {**GOOD, "parts": 4}
    with pytest.raises(ValidationError):
        submit(
            make_task(store_a, type=SurveyType.FIVE_DIMENSION),
            agent,
            SurveyInput(type=SurveyType.FIVE_DIMENSION, ratings=ratings, reason_codes=["long_wait"]),
        )


# --- grade --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (96, "A"), (95, "B"), (80, "B"), (79, "C"), (70, "C"), (69, "D"), (40, "D"), (39, "E")],
)
def test_grade_from_the_score(store_a: Any, agent: Any, make_task: Any, score: int, grade: str) -> None:
    survey = submit(make_task(store_a), agent, sales(score=score))
    assert survey.suggested_grade == grade and survey.grade == grade and survey.grade_criteria == ["score100"]


def test_two_quality_repairs_in_30_days_suggest_e(store_a: Any, agent: Any, make_task: Any) -> None:
    customer = CustomerFactory(store=store_a)
    vehicle = VehicleFactory(customer=customer, store=store_a)
    now = timezone.now()
    for days in (20, 10):
        ServiceVisitFactory(
            vehicle=vehicle,
            kind=ServiceKind.REPAIR,
            quality_related=True,
            opened_at=now - dt.timedelta(days=days),
        )
    survey = submit(make_task(store_a, customer=customer), agent, sales(score=95))
    assert survey.suggested_grade == "E" and "quality_repairs_30d" in survey.grade_criteria
    assert survey.grade_facts["quality_repairs_30d"] == 2


def test_parts_backorder_over_three_days_suggests_d_for_after_sales(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a, type=SurveyType.AFTER_SALES)
    task.visit.parts_backorder_days = 4
    task.visit.save()
    survey = submit(task, agent, after_sales(score=90))
    assert survey.suggested_grade == "D" and survey.grade_criteria == ["parts_backorder"]


def test_identity_flag_suggests_f(store_a: Any, agent: Any, make_task: Any) -> None:
    customer = CustomerFactory(store=store_a, identity_flags=[IdentityFlag.LAWYER])
    survey = submit(make_task(store_a, customer=customer), agent, sales(score=100))
    assert survey.suggested_grade == "F" and survey.grade_criteria == ["identity:lawyer"]


def test_observed_exposure_threat_suggests_e(store_a: Any, agent: Any, make_task: Any) -> None:
    survey = submit(make_task(store_a), agent, sales(score=75, observed=["threatens_exposure"]))
    assert survey.suggested_grade == "E" and survey.grade_criteria == ["threatens_exposure_hostile"]


def test_override_needs_a_reason(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    with pytest.raises(ValidationError) as excinfo:
        submit(task, agent, sales(score=85), grade="C")
    assert "grade_override_reason" in errors_of(excinfo)
    survey = submit(task, agent, sales(score=85), grade="C", grade_override_reason="语气平淡，多处细节不满")
    assert survey.suggested_grade == "B" and survey.grade == "C" and survey.grade_overridden
    confirmed = submit(make_task(store_a), agent, sales(score=85), grade="B", grade_override_reason="ignored")
    assert confirmed.grade_override_reason == ""


# --- the closed loop ----------------------------------------------------------------------------


def test_dissatisfied_sales_survey_dispatches_a_ticket_to_sales(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    survey = submit(task, agent, sales(score=60, remarks="交车时没讲清楚保养"))
    ticket = survey.complaint
    assert ticket.kind == Kind.DISSATISFIED and ticket.channel == "callback"
    assert ticket.status == Status.DISPATCHED and ticket.department.kind == DepartmentKind.SALES
    assert ticket.received_by_department.kind == DepartmentKind.CUSTOMER_CARE
    assert ticket.customer == task.customer and ticket.vehicle == task.vehicle
    assert "60" in ticket.content and "交车时没讲清楚保养" in ticket.content


def test_dissatisfied_after_sales_survey_goes_to_business(store_a: Any, agent: Any, make_task: Any) -> None:
    survey = submit(make_task(store_a, type=SurveyType.AFTER_SALES), agent, after_sales(score=50))
    assert survey.complaint.department.kind == DepartmentKind.BUSINESS


def test_external_complaint_becomes_a_complaint_registered_by_customer_care(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    survey = submit(
        make_task(store_a), agent, sales(score=30, complained_externally=True, remarks="已向厂家投诉")
    )
    ticket = survey.complaint
    assert survey.classification == Classification.COMPLAINT
    assert ticket.kind == Kind.COMPLAINT and ticket.status == Status.REGISTERED and ticket.department is None
    assert ticket.urgent


def test_grievance_is_fed_back_to_the_department(store_a: Any, agent: Any, make_task: Any) -> None:
    survey = submit(make_task(store_a), agent, sales(score=85, grievance=True, remarks="找过总经理"))
    assert survey.classification == Classification.GRIEVANCE
    assert (
        survey.complaint.kind == Kind.GRIEVANCE and survey.complaint.department.kind == DepartmentKind.SALES
    )


@pytest.mark.parametrize(("score", "remarks"), [(85, "希望多给点保养券"), (75, "等太久"), (95, "")])
def test_opinions_create_no_ticket(
    store_a: Any, agent: Any, make_task: Any, score: int, remarks: str
) -> None:
    survey = submit(make_task(store_a), agent, sales(score=score, remarks=remarks))
    assert survey.complaint is None and not Complaint.objects.exists()


def test_one_survey_never_creates_two_tickets(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    survey = submit(task, agent, sales(score=60))
    with pytest.raises(ApplicationError, match="已登记过调查"):
        submit(task, agent, sales(score=60))
    assert Complaint.objects.count() == 1
    other = submit(make_task(store_a), agent, sales(score=95))
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(pk=other.pk).update(complaint=survey.complaint)


def test_a_failing_ticket_rolls_the_survey_back(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    store_a.departments.filter(kind=DepartmentKind.CUSTOMER_CARE).update(kind=DepartmentKind.FINANCE + "_x")
    with pytest.raises(ApplicationError, match="客户部"):
        submit(task, agent, sales(score=50))
    task.refresh_from_db()
    assert not Survey.objects.exists() and task.status == TaskStatus.PENDING


# --- the task -----------------------------------------------------------------------------------


def test_survey_completes_the_task_and_records_the_reach(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    submit(task, agent, sales(score=95))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.close_reason == CloseReason.SURVEYED and task.reached_at
    assert CallAttempt.objects.filter(task=task, outcome="reached").count() == 1


def test_survey_type_must_match_the_task(store_a: Any, agent: Any, make_task: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        submit(make_task(store_a), agent, after_sales(score=90))
    assert "type" in errors_of(excinfo)


def test_unreachable_task_takes_a_letter_survey(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a, status=TaskStatus.UNREACHABLE)
    survey = submit(task, agent, sales(score=90, channel="letter"))
    task.refresh_from_db()
    assert survey.channel == "letter" and task.status == TaskStatus.DONE
    assert not CallAttempt.objects.filter(task=task).exists()


def test_survey_without_a_task_for_a_customer(store_a: Any, agent: Any, agent_b: Any) -> None:
    customer = CustomerFactory(store=store_a)
    survey = services.survey_submit(actor=agent, data=sales(score=92, channel="on_site"), customer=customer)
    assert survey.callback is None and survey.store == store_a
    with pytest.raises(NotAllowedError):
        services.survey_submit(actor=agent_b, data=sales(score=92), customer=customer)


@pytest.mark.parametrize("role_user", ["sales_manager", "gm", "hq", "front_line"])
def test_only_customer_care_logs_surveys(store_a: Any, make_task: Any, role_user: str, request: Any) -> None:
    with pytest.raises(NotAllowedError):
        submit(make_task(store_a), request.getfixturevalue(role_user), sales(score=90))


def test_ccmanager_may_log_surveys(store_a: Any, ccmanager: Any, make_task: Any) -> None:
    assert submit(make_task(store_a), ccmanager, sales(score=90)).surveyed_by == ccmanager


def test_a_grievance_ticket_is_scanned_on_the_customers_words_not_the_apps(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    # Issue 23 / DOMAIN §4 and §6: a grievance (the customer told the GM or a department head) is
    # fed back to the department, not a crisis. Its ticket's content is the app's summary —
    # "【销售回访】满意度 85 分。客户向总经理或部门主管反映了意见。" — and the text model used to read
    # that line as the customer's, putting every grievance on the GM's crisis board.
    from crisis.models import WarningSignal

    survey = submit(
        make_task(store_a), agent, sales(score=85, grievance=True, remarks="已经向总经理反映过，希望尽快答复")
    )
    assert "客户向总经理或部门主管反映了意见" in survey.complaint.content
    assert not WarningSignal.objects.filter(record_id=survey.complaint.pk, source="complaint").exists()
    # What the customer did and said is still read: a complaint to the manufacturer or media.
    other = submit(
        make_task(store_a), agent, sales(score=30, complained_externally=True, remarks="再不处理就找记者曝光")
    )
    signals = WarningSignal.objects.filter(record_id=other.complaint.pk, source="complaint")
    assert signals.filter(code__startswith="text:").exists()
    quotes = [(s.values or {}).get("quote", "") for s in signals.filter(code__startswith="text:")]
    assert quotes and all(q.endswith("再不处理就找记者曝光") and "满意度" not in q for q in quotes)


def test_the_feedback_export_reads_a_survey_ticket_on_the_customers_words(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    # Issue 23: the GM's verdicts exported for the next fit hold what the early warning read — the
    # customer's words — not the app's summary of the ticket (score, survey type).
    import csv
    import io

    from django.core.management import call_command

    from crisis.early_warning import signal_dismiss
    from crisis.models import WarningSignal

    survey = submit(
        make_task(store_a), agent, sales(score=30, complained_externally=True, remarks="再不处理就找记者曝光")
    )
    signal = WarningSignal.objects.filter(record_id=survey.complaint.pk, code__startswith="text:").first()
    signal_dismiss(signal=signal, actor=agent, reason="已解决")
    out = io.StringIO()
    call_command("export_signal_feedback", stdout=out, stderr=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t", quoting=csv.QUOTE_NONE))
    ticket = [r for r in rows if r["source"] == "complaint"]
    assert ticket and all(r["text"].endswith("再不处理就找记者曝光") for r in ticket)
    assert all("满意度" not in r["text"] and r["label"] == "0" for r in rows)
