"""manage.py generate_load: a tiny group on PostgreSQL — counts, determinism, valid data, usable by the app."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.test import Client
from django.utils import timezone

from bench import loadgen
from callbacks.models import CallbackTask, Survey
from complaints.models import Complaint, Deadline, DeadlineAlert, Status
from crisis.models import CrisisAction
from csat.domain.identifiers import normalize_mobile, normalize_plate, normalize_vin
from csat.models import Customer, StaffProfile, Store, Vehicle
from reports.models import Trigger
from reports.services import report_build

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="generate_load runs on PostgreSQL only"
)


def _generate(seed: int = 5) -> dict[str, int]:
    lines: list[str] = []
    result = loadgen.generate(
        stores=3, customers=1000, seed=seed, until=timezone.localdate(), out=lines.append
    )
    assert lines[-1].startswith("elapsed ")
    return result


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for other databases")
def test_refuses_sqlite_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("generate_load", "--scale", "0.001", stdout=StringIO())
    assert not Customer.objects.exists()


@postgres_only
def test_counts_are_proportional_and_printed() -> None:
    out = StringIO()
    call_command("generate_load", "--stores", "3", "--scale", "0.001", "--flush", stdout=out)
    counts = loadgen.counts()
    assert {k: counts[k] for k in ("customers", "vehicles", "sales", "service visits", "callback tasks")} == {
        "customers": 1000,
        "vehicles": 1200,
        "sales": 300,
        "service visits": 4000,
        "callback tasks": 3000,
    }
    assert counts["complaints"] == 50
    assert counts["crisis actions"] == 1
    # About two surveys per three tasks, exactly one per surveyed task.
    surveyed = CallbackTask.objects.filter(status="done", close_reason="surveyed").count()
    assert counts["surveys"] == surveyed
    assert 1800 <= surveyed <= 2200
    assert Store.objects.count() == 3
    assert StaffProfile.objects.filter(store__isnull=True, role="group_viewer").count() == 1
    text = out.getvalue()
    assert "customers" in text and "1,000" in text and "elapsed" in text
    with pytest.raises(CommandError, match="--flush"):
        call_command("generate_load", "--stores", "3", "--scale", "0.001", stdout=StringIO())


@postgres_only
def test_same_seed_same_data_other_seed_other_data() -> None:
    # Sequences are not rolled back with the earlier tests' transactions: start from a flushed
    # database (RESTART IDENTITY), as `generate_load --flush` does.
    loadgen.flush()
    _generate(seed=5)
    first = loadgen.checksums()
    assert all(first.values())
    loadgen.flush()
    _generate(seed=5)
    assert loadgen.checksums() == first
    loadgen.flush()
    _generate(seed=6)
    other = loadgen.checksums()
    assert other["customers"] != first["customers"] and other["surveys"] != first["surveys"]


@postgres_only
def test_values_satisfy_the_models_and_the_invariants() -> None:
    _generate()
    now = timezone.now()
    for mobile in Customer.objects.values_list("mobile", flat=True):
        assert normalize_mobile(mobile) == mobile
    for plate, vin in Vehicle.objects.values_list("plate", "vin"):
        assert normalize_plate(plate) == plate
        assert normalize_vin(vin) == vin
    for model in (Customer, Vehicle, CallbackTask, Survey, Complaint, Deadline, CrisisAction):
        for obj in model.objects.order_by("?")[:50]:
            obj.full_clean(validate_unique=False)
    # Everything lies in the past few years.
    assert not Survey.objects.filter(
        Q(surveyed_at__gt=now) | Q(surveyed_at__lt=now - dt.timedelta(days=4 * 365))
    )
    # A survey exactly for each surveyed task, by its store's agent, never for a do-not-contact customer.
    assert not Survey.objects.exclude(callback__status="done", callback__close_reason="surveyed").exists()
    assert not Survey.objects.filter(customer__do_not_contact=True).exists()
    assert not Survey.objects.exclude(surveyed_by__profile__store=models_f("store")).exists()
    # Open tasks are recent; the queue has work.
    open_tasks = CallbackTask.objects.filter(status__in=["pending", "in_progress"])
    assert open_tasks.exists()
    assert not open_tasks.filter(due_at__lt=now - dt.timedelta(days=17)).exists()
    # Complaints in every state; an open ticket has exactly one open deadline, a closed one none;
    # a breached deadline has its warning, breach and timeline event.
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Status.values)
    per_ticket = Complaint.objects.annotate(
        open=Count(
            "deadlines", filter=Q(deadlines__met_at__isnull=True, deadlines__cancelled_at__isnull=True)
        )
    )
    assert set(per_ticket.exclude(status=Status.CLOSED).values_list("open", flat=True)) == {1}
    assert set(per_ticket.filter(status=Status.CLOSED).values_list("open", flat=True)) == {0}
    # Each ticket stores its open deadline as its next one (the board ranks by it), a closed one none.
    soonest = Deadline.objects.filter(
        complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    )
    stored = Complaint.objects.annotate(
        due=Subquery(soonest.values("due_at")[:1]), kind_=Subquery(soonest.values("kind")[:1])
    )
    assert not stored.exclude(next_due_at=F("due"), next_due_kind=F("kind_")).exclude(status=Status.CLOSED)
    assert not stored.filter(status=Status.CLOSED).exclude(next_due_at=None, next_due_kind="")
    breached = Deadline.objects.filter(breached_at__isnull=False)
    assert breached.exists()
    assert DeadlineAlert.objects.filter(kind="breach").count() == breached.count()
    assert not breached.filter(warned_at__isnull=True).exists()
    assert Complaint.objects.filter(events__action="deadline_breached").distinct().count() == (
        Complaint.objects.filter(deadlines__breached_at__isnull=False).distinct().count()
    )
    # Nothing is waiting for the sweep as of the data's end.
    assert not Deadline.objects.filter(
        met_at__isnull=True, breached_at__isnull=True, due_at__lt=loadgen_anchor()
    ).exists()


def models_f(name: str):  # noqa: ANN201 - tiny helper for readability above
    from django.db.models import F

    return F(name)


def loadgen_anchor() -> dt.datetime:
    return dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=loadgen.SHANGHAI)


@postgres_only
def test_the_app_works_on_the_generated_data() -> None:
    _generate()
    client = Client()
    agent = StaffProfile.objects.get(user__username="lg001_agent1").user
    client.force_login(agent)
    assert client.get("/callbacks/").status_code == 200
    api = client.get("/api/callbacks/")
    assert api.status_code == 200
    assert api.json()["results"]
    customer = Customer.objects.filter(store__code="LG001").order_by("id")[0]
    found = client.get("/customers/", {"q": customer.mobile})
    assert found.status_code == 200
    assert customer.name in found.content.decode()
    manager = StaffProfile.objects.get(user__username="lg001_ccmanager").user
    client.force_login(manager)
    assert client.get("/complaints/").status_code == 200
    assert client.get("/api/complaints/").status_code == 200
    ticket = Complaint.objects.filter(store__code="LG001").exclude(status=Status.CLOSED).order_by("id")[0]
    page = client.get(f"/complaints/{ticket.pk}/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    client.force_login(StaffProfile.objects.get(user__username="lg001_gm").user)
    assert client.get("/complaints/approvals/").status_code == 200
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report = report_build(month=last_month, store=None, trigger=Trigger.BUTTON)
    assert report.xlsx
    assert Survey.objects.filter(surveyed_at__date__gte=last_month).exists()
