"""Correlated subqueries for list annotations.

A ``Count`` over a join makes the list (and its COUNT) GROUP BY every row of the table; a correlated
subquery per shown row keeps the list an index walk with a LIMIT, and lets ``.count()`` drop it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


class _Count(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def subquery_count(queryset: QuerySet[Any]) -> Func:
    """COUNT(*) of ``queryset`` (filtered on an OuterRef) for each row of the outer query."""
    return Coalesce(_Count(queryset.order_by().values("pk")), 0)
