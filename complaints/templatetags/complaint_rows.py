"""``{% list_rows tickets can_bulk store_names %}`` and ``{% table_rows tickets [status=False] [store=True] %}``: the ticket tables' rows
written in Python (complaints.rows, issue #25)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from complaints import rows

register = template.Library()


@register.simple_tag
def list_rows(tickets: Iterable[Any], can_bulk: bool = False, store_names: Any = None) -> SafeString:
    return rows.list_rows(tickets, can_bulk=bool(can_bulk), store_names=store_names)


@register.simple_tag
def table_rows(tickets: Iterable[Any], status: bool = True, store: bool = False) -> SafeString:
    return rows.table_rows(tickets, status=bool(status), store=bool(store))
