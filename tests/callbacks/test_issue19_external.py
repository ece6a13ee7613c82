"""Issue #19: a callback where the customer says they complained to the manufacturer, the media or a
government office (DOMAIN §9 "What counts against a department" and "The GM's gate"; complaint
source: 客户向厂家、媒体、政府部门投诉的，属重大投诉，须立即报告总经理).

The survey's flag makes the ticket a **major** complaint (criterion ``external``) and the GM hears
of it at once on every channel (inbox, e-mail, the GM office's robot webhook), exactly once; a survey
without the flag stays an ordinary ticket that tells the GM nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from callbacks.models import Classification, Survey
from complaints.models import Complaint, Kind, Severity, Status
from csat.models import Delivery, DepartmentKind, Notification
from tests.callbacks.test_services_surveys import SALES_ITEMS

pytestmark = pytest.mark.django_db

ROBOT = "https://robot.example.com/hook/gm-office"


@pytest.fixture
def gm_reachable(gm: Any) -> Any:
    """The GM with an e-mail address, the GM's office with its robot webhook."""
    gm.email = "gm@example.com"
    gm.save(update_fields=["email"])
    office = gm.profile.department
    assert office.kind == DepartmentKind.MANAGEMENT
    office.webhook_url = ROBOT
    office.save(update_fields=["webhook_url"])
    return gm


def _survey_post(**fields: Any) -> dict[str, Any]:
    return {"channel": "phone", **{f"item_{k}": v for k, v in SALES_ITEMS.items()}, **fields}


def _gm_major_notices(gm: Any, ticket: Complaint) -> list[Notification]:
    return list(Notification.objects.filter(recipient=gm, key__startswith=f"complaint:{ticket.pk}:major:"))


def test_rule_external_complaint_from_the_call_screen_is_major_and_the_gm_is_told_on_every_channel(
    store_a: Any, agent: Any, make_task: Any, gm_reachable: Any
) -> None:
    gm = gm_reachable
    task = make_task(store_a)
    client = Client()
    client.force_login(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    response = client.post(
        f"/callbacks/{task.pk}/survey/",
        _survey_post(score="40", complained_externally="on", remarks="已经打了厂家的投诉电话，还找了电视台"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    survey = Survey.objects.get()
    ticket = survey.complaint
    assert survey.classification == Classification.COMPLAINT
    assert (ticket.kind, ticket.severity, ticket.major_criteria) == (
        Kind.COMPLAINT,
        Severity.MAJOR,
        ["external"],
    )
    assert ticket.status == Status.REGISTERED and ticket.urgent
    # The GM's inbox has it, at once, once; the e-mail and the robot webhook too.
    [notice] = _gm_major_notices(gm, ticket)
    assert ticket.number in notice.title and "厂家、媒体或政府" in notice.title
    assert notice.url == f"/complaints/{ticket.pk}/"
    deliveries = list(Delivery.objects.filter(key=notice.key).values_list("channel", "target"))
    assert sorted(deliveries) == sorted(
        [(Delivery.Channel.EMAIL, gm.email), (Delivery.Channel.WEBHOOK, ROBOT)]
    )
    inbox = APIClient()
    inbox.force_authenticate(gm)
    titles = [row["title"] for row in inbox.get("/api/notifications/").json()["results"]]
    assert titles.count(notice.title) == 1


def test_rule_external_complaint_from_the_survey_api_is_major(
    store_a: Any, agent: Any, make_task: Any, gm_reachable: Any
) -> None:
    task = make_task(store_a)
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/surveys/",
        {
            "callback": task.pk,
            "type": "sales",
            "channel": "phone",
            "score": 90,
            "items": SALES_ITEMS,
            "complained_externally": True,
            "remarks": "我已经向消协投诉了",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    ticket = Survey.objects.get(pk=response.json()["id"]).complaint
    assert ticket.severity == Severity.MAJOR and "external" in ticket.major_criteria
    assert len(_gm_major_notices(gm_reachable, ticket)) == 1


def test_a_low_score_without_an_outside_complaint_stays_ordinary_and_tells_the_gm_nothing(
    store_a: Any, agent: Any, make_task: Any, gm_reachable: Any
) -> None:
    task = make_task(store_a)
    client = Client()
    client.force_login(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    client.post(f"/callbacks/{task.pk}/survey/", _survey_post(score="40", remarks="交车太慢"))
    ticket = Survey.objects.get().complaint
    assert ticket.kind == Kind.DISSATISFIED and ticket.severity == Severity.GENERAL
    assert not Notification.objects.filter(recipient=gm_reachable).exists()
