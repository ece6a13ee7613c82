"""A short select's choices: the empty choice, then every row, read with one plain query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csat.forms import ShortModelChoiceField
from csat.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_choices_are_the_empty_one_then_every_row_in_one_plain_query() -> None:
    stores = [StoreFactory(), StoreFactory()]
    field = ShortModelChoiceField(
        queryset=Store.objects.order_by("pk"), required=False, empty_label="全部门店"
    )
    with CaptureQueriesContext(connection) as ctx:
        choices = [(str(value), label) for value, label in field.choices]
    assert choices == [("", "全部门店"), *((str(s.pk), str(s)) for s in stores)]
    assert len(ctx.captured_queries) == 1
    assert not ctx.captured_queries[0]["sql"].startswith("DECLARE")  # no server-side cursor
    assert field.clean(str(stores[1].pk)) == stores[1]
