"""The English sweep on the demo data (issue #22 "English and polish"): the demo seed puts tickets in
every state, surveys of every kind and grade, callback tasks with attempts — states the matrix world
does not reach. Every demo account opens its home, its lists and dashboards and the records it may
read, in English; no Chinese may remain outside stored data (test_english_pages.leftovers)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from callbacks.models import CallbackTask, Survey
from complaints.models import Complaint
from crisis.models import CrisisCase
from csat.models import Customer
from demo.seed import DEMO_ACCOUNTS, seed_demo
from tests.i18n.test_english_pages import data_values, english_client, leftovers

pytestmark = pytest.mark.django_db

LISTS = [
    "home",
    "notifications",
    "calendar-overrides",
    "callbacks:index",
    "callbacks:dashboard",
    "complaints:index",
    "complaints:list",
    "complaints:approvals",
    "complaints:assessment",
    "prevention:measures",
    "crisis:index",
    "reports:index",
    "import-list",
]


def _records() -> list[str]:
    """One record of each state and kind (the first of each), as URLs."""
    urls = []
    for status in Complaint.objects.values_list("status", flat=True).distinct():
        ticket = Complaint.objects.filter(status=status).order_by("pk").first()
        urls.append(reverse("complaints:detail", args=[ticket.pk]))
    for kind in Survey.objects.values_list("type", "classification").distinct():
        survey = Survey.objects.filter(type=kind[0], classification=kind[1]).order_by("pk").first()
        urls.append(reverse("callbacks:survey", args=[survey.pk]))
    for status in CallbackTask.objects.values_list("type", "status").distinct():
        task = CallbackTask.objects.filter(type=status[0], status=status[1]).order_by("pk").first()
        urls.append(reverse("callbacks:call", args=[task.pk]))
    for crisis in CrisisCase.objects.order_by("pk")[:2]:
        urls.append(reverse("crisis:detail", args=[crisis.pk]))
    customer = Customer.objects.filter(complaints__isnull=False).order_by("pk").first()
    if customer:
        urls.append(reverse("customer-detail", args=[customer.pk]))
    return urls


def test_demo_accounts_see_english_pages(settings: Any) -> None:
    seed_demo.__wrapped__(customers=24, months=2, seed=2026)  # not the process-wide cached call
    assert Complaint.objects.values("status").distinct().count() > 3
    data = data_values()
    urls = [reverse(name) for name in LISTS] + _records()
    problems: list[str] = []
    opened = 0
    users = get_user_model().objects.in_bulk([a[0] for a in DEMO_ACCOUNTS] + ["hq"], field_name="username")
    for username, user in users.items():
        client = english_client(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            opened += 1
            problems += [f"{username} {url}: {item}" for item in leftovers(response.content.decode(), data)]
    assert opened > 100
    assert not problems, "Chinese on English pages (translate them):\n" + "\n".join(sorted(set(problems)))
