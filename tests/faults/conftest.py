"""Fixtures of the fault tests: the shared world's store, its agent and sales manager (both without
an e-mail address, so no e-mail deliveries), and a ticket."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.services import workflow
from tests.factories import CustomerFactory
from tests.fixtures import ACCOUNTS, accounts_fixture

accounts = accounts_fixture(
    {**ACCOUNTS, "agent": {"username": "agent"}, "sales_mgr": {"username": "sales_mgr"}}
)


@pytest.fixture
def ticket(agent: Any, care: Any, store: Any) -> Any:
    """A complaint registered by customer care, waiting to be dispatched."""
    return workflow.complaint_create(
        actor=agent,
        customer=CustomerFactory(store=store),
        content="保养后异响。",
        received_by_department=care,
        category="sales",
    )
