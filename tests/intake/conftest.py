"""Fixtures of the import tests: the shared world (tests/fixtures.py) with the store-A accounts, and
the staff the DMS files name."""

from __future__ import annotations

from typing import Any

import pytest

from csat.models import Role, Store
from tests.factories import StaffFactory
from tests.fixtures import ACCOUNTS_A, accounts_fixture
from tests.intake.support import ADVISOR, ADVISOR_NAME, CONSULTANT, TECHNICIAN

accounts = accounts_fixture(ACCOUNTS_A)


@pytest.fixture
def staff_a(store_a: Store) -> dict[str, Any]:
    """The advisor, technician and sales consultant the files name, in store A."""
    return {
        "advisor": StaffFactory(username=ADVISOR, name=ADVISOR_NAME, role=Role.STAFF, store=store_a),
        "technician": StaffFactory(username=TECHNICIAN, name="赵师傅", role=Role.STAFF, store=store_a),
        "consultant": StaffFactory(username=CONSULTANT, name="陈顾问", role=Role.STAFF, store=store_a),
    }
