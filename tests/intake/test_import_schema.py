"""The schema of the tables an import writes (issue 25): every index costs an entry per imported
row, so an FK column has no index of its own where another index already leads with it — but every
FK column still leads some index (joins, PROTECT checks on delete), and the history rows' author
carries no database constraint (one deferred check per history row at commit)."""

from __future__ import annotations

import pytest
from django.db import connection

from csat.models import Customer, ServiceVisit, Vehicle


def _leading_columns(table: str) -> dict[str, list[list[str]]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    leads: dict[str, list[list[str]]] = {}
    for info in constraints.values():
        if (info["index"] or info["unique"]) and info["columns"]:
            leads.setdefault(info["columns"][0], []).append(info["columns"])
    return leads


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Customer, Vehicle, ServiceVisit])
def test_every_foreign_key_leads_an_index_and_only_one(model):
    leads = _leading_columns(model._meta.db_table)
    for field in model._meta.concrete_fields:
        if not field.is_relation:
            continue
        column = field.column
        assert column in leads, f"{model.__name__}.{field.name}: no index leads with {column}"
        single = [cols for cols in leads[column] if cols == [column]]
        wider = [cols for cols in leads[column] if len(cols) > 1]
        # A single-column index beside a wider one leading with the same column is a wasted entry
        # per imported row.
        assert not (single and wider), f"{model.__name__}.{field.name}: redundant index on {column}"


@pytest.mark.django_db
def test_history_author_has_no_database_constraint():
    for model in (Customer, Vehicle, ServiceVisit):
        history = getattr(model, "history", None)
        if history is None:
            continue
        author = history.model._meta.get_field("history_user")
        assert author.db_constraint is False
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, history.model._meta.db_table)
        assert not [
            c for c in constraints.values() if c["foreign_key"] and c["columns"] == ["history_user_id"]
        ]
