"""Fixtures of the crisis tests: helpers that open a crisis case and drive it with the real services,
and a complaint to hang one on. The world (stores, users, ``clock`` at ``T0``, clients) comes from
tests/fixtures.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from complaints.models import Complaint
from complaints.services import workflow
from crisis import services
from crisis.models import CrisisCase, Phase
from csat.models import Department, DepartmentKind

# The order of the phases, and the allowed path to reach each one from latent.
PATH_TO = {
    Phase.LATENT: [],
    Phase.OUTBREAK: [Phase.OUTBREAK],
    Phase.AFTERMATH: [Phase.OUTBREAK, Phase.AFTERMATH],
    Phase.RECOVERY: [Phase.OUTBREAK, Phase.AFTERMATH, Phase.RECOVERY],
}


@pytest.fixture
def open_crisis(agent: Any, store: Any, customer: Any) -> Callable[..., CrisisCase]:
    """open_crisis(**overrides) → a case opened with ``crisis_open`` (default: by the agent, type e)."""

    def make(**kwargs: Any) -> CrisisCase:
        defaults: dict[str, Any] = {
            "actor": agent,
            "store": store,
            "type": "e",
            "title": "客户扬言向电视台投诉",
            "summary": "客户多次来电，情绪激动。",
            "customer": customer,
        }
        defaults.update(kwargs)
        return services.crisis_open(**defaults)

    return make


@pytest.fixture
def to_phase(gm: Any) -> Callable[[CrisisCase, str], CrisisCase]:
    """to_phase(case, Phase.RECOVERY) walks the allowed path there with the GM as actor."""

    def step(crisis: CrisisCase, target: str) -> CrisisCase:
        for phase in PATH_TO[Phase(target)]:
            crisis = services.crisis_change_phase(
                crisis=crisis.pk, actor=gm, phase=phase, reason=f"进入{phase}"
            )
        return crisis

    return step


@pytest.fixture
def make_complaint(agent: Any, dept: Callable[[str], Department], customer: Any) -> Callable[..., Complaint]:
    """A ticket received by customer care (registered at once)."""

    def make(**kwargs: Any) -> Complaint:
        defaults: dict[str, Any] = {
            "actor": agent,
            "customer": customer,
            "content": "刹车异响，多次维修未解决，客户称要找记者。",
            "received_by_department": dept(DepartmentKind.CUSTOMER_CARE),
            "category": "repair",
        }
        defaults.update(kwargs)
        return workflow.complaint_create(**defaults)

    return make
