"""The preventive-measure list (page and /api/preventive-measures/) and a measure's page answer in a
fixed number of queries, whatever the number of measures and steps."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from prevention import views as prevention_views
from prevention.models import MeasureStatus, PreventiveMeasure
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db

STATES = itertools.cycle(
    [MeasureStatus.AWAITING_APPROVAL, MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.REJECTED]
)


def test_measure_lists_have_a_fixed_query_count(
    clock: Any,
    drive: Callable[..., PreventiveMeasure],
    gm: Any,
    agent: Any,
    business_mgr: Any,
    viewer: Any,
) -> None:
    first = drive(MeasureStatus.DONE)
    made = [first]

    def grow(k: int) -> None:
        made.extend(drive(next(STATES)) for _ in range(k))

    bodies = assert_flat(
        {
            "page_gm": (gm, "/complaints/measures/", False),
            "page_agent": (agent, "/complaints/measures/", False),
            "page_owner": (business_mgr, "/complaints/measures/", False),
            "page_group": (viewer, "/complaints/measures/", False),
            "measure_page": (gm, f"/complaints/measures/{first.pk}/", False),
            "api_gm": (gm, "/api/preventive-measures/", True),
            "api_open": (agent, "/api/preventive-measures/?status=in_progress", True),
        },
        grow,
        pinned={
            # the list paginated (a count and a page) and the role's own queues, each bounded
            "page_gm": 6,
            "page_agent": 5,
            "page_owner": 5,
            "page_group": 5,
            "measure_page": 4,
            "api_gm": 3,
            "api_open": 3,
        },
    )
    assert all(f"/complaints/measures/{m.pk}/" in bodies["page_gm"] for m in made)


def test_the_measure_list_is_paginated(
    clock: Any, monkeypatch: pytest.MonkeyPatch, propose: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    monkeypatch.setattr(prevention_views, "MEASURE_PAGE_ROWS", 2)
    made = sorted((propose() for _ in range(3)), key=lambda m: (m.due_date, m.pk))
    client = Client()
    client.force_login(gm)
    first, second = (client.get(f"/complaints/measures/?page={n}") for n in (1, 2))
    assert [m.pk for m in first.context["measures"]] == [m.pk for m in made[:2]]
    assert [m.pk for m in second.context["measures"]] == [made[2].pk]
    assert first.context["page"].paginator.count == 3
    assert len(first.context["awaiting"]) == 2
    assert 'data-testid="measure-pager"' in first.content.decode()
    assert "?page=2" in first.content.decode()
