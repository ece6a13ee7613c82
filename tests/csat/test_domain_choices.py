"""The pure tables in csat.domain name the stored choice values: keep them in step with the models."""

from __future__ import annotations

from callbacks.models import OPEN_STATUSES as TASK_OPEN
from callbacks.models import TaskStatus
from complaints.models import Category, Status
from complaints.selectors import OPEN_STATUSES as COMPLAINT_OPEN
from csat.domain import routing, transitions
from csat.models import DepartmentKind


def test_category_table_matches_the_choices() -> None:
    assert set(routing.CATEGORY_DEPARTMENT) == set(Category.values)
    kinds = {*routing.CATEGORY_DEPARTMENT.values(), "service"}
    assert kinds <= set(DepartmentKind.values)


def test_task_statuses_match_the_choices() -> None:
    assert tuple(TaskStatus.values) == transitions.TASK_STATUSES
    assert TASK_OPEN == transitions.TASK_OPEN_STATUSES


def test_complaint_statuses_match_the_choices() -> None:
    assert tuple(Status.values) == transitions.COMPLAINT_STATUSES
    assert tuple(s for s in Status.values if s != Status.CLOSED) == COMPLAINT_OPEN
