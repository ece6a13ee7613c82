"""The crisis board, the case page and /api/crises/ answer in a fixed number of queries, whatever the
number of cases, actions, log entries and linked tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from crisis import services
from crisis.models import CrisisCase
from tests.fixtures import T0
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def test_crisis_lists_have_a_fixed_query_count(
    clock: Any,
    open_crisis: Callable[..., CrisisCase],
    make_complaint: Callable[..., Any],
    gm: Any,
    agent: Any,
    sales_mgr: Any,
    viewer: Any,
) -> None:
    first = open_crisis(title="首个危机")
    made = [first]

    def grow(k: int) -> None:
        for i in range(k):
            case = open_crisis(title=f"危机 {len(made)}")
            services.crisis_team_set(crisis=case, actor=gm, user=sales_mgr, role="成员")
            for crisis in (case, first):
                services.crisis_action_add(
                    crisis=crisis,
                    actor=gm,
                    title=f"行动 {i}",
                    owner=sales_mgr,
                    due_at=T0 + dt.timedelta(days=1),
                )
                services.crisis_log_add(crisis=crisis, actor=gm, kind="negotiation", text=f"记录 {i}")
            made.append(case)

    bodies = assert_flat(
        {
            "board": (gm, "/crisis/", False),
            "board_agent": (agent, "/crisis/", False),
            "board_team_member": (sales_mgr, "/crisis/", False),
            "board_group": (viewer, "/crisis/", False),
            "case_page": (gm, f"/crisis/{first.pk}/", False),
            "api_crises": (gm, "/api/crises/", True),
            "api_crisis_detail": (gm, f"/api/crises/{first.pk}/", True),
        },
        grow,
        pinned={
            "board": 4,
            "board_agent": 4,
            "board_team_member": 4,
            "board_group": 3,  # head office acts on no warning: the board reads none
            "case_page": 14,  # one query per timeline (events, actions, plan, log, media, tickets, team,
            # attachments…)
            "api_crises": 7,
            "api_crisis_detail": 6,
        },
    )
    assert all(c.number in bodies["board"] for c in made)
