"""Pagination of the API lists.

``Pagination`` numbers pages and counts the rows: for the small lists (stores, departments, reports…).
``KeysetPagination`` is for the large ones (callbacks, complaints, surveys, customers and their
records): an opaque cursor holds the sort key of the last row shown, the next page is an index walk
from there (``WHERE (key) > (last) ORDER BY key LIMIT n``), however deep, and no ``COUNT(*)`` is run.
CONTRACT.md: lists answer ``next``, ``previous``, ``results``, and ``count`` where cheap. A client that
asks for ``?page=N``, or sorts by a field that may be empty, gets numbered pages with ``count``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from csat.params import MAX_DATE, MAX_INT, MIN_DATE, BadParameter, int_param


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class KeysetPagination(BasePagination):
    """Cursor pagination on the view's ordering plus ``id``.

    The view names the fields it may sort by that are never empty in ``keyset_fields``; the ordering
    comes from ``?ordering=`` (OrderingFilter) or the view's ``ordering``.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"
    invalid_cursor_message = gettext_lazy("分页游标无效，请从列表的第一页重新开始。")

    def __init__(self) -> None:
        self.fallback: Pagination | None = None

    # --- choosing ---------------------------------------------------------------------------------

    def _ordering(self, request: Any, queryset: QuerySet[Any], view: Any) -> list[tuple[str, bool]] | None:
        ordering: Any = None
        for backend in getattr(view, "filter_backends", []):
            if hasattr(backend, "get_ordering"):
                ordering = backend().get_ordering(request, queryset, view)
                break
        ordering = ordering or getattr(view, "ordering", None) or ["-id"]
        if isinstance(ordering, str):
            ordering = [ordering]
        allowed = set(getattr(view, "keyset_fields", ())) | {"id", "pk"}
        keys = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
        if any(name not in allowed for name, _desc in keys):
            return None
        if not any(name in ("id", "pk") for name, _desc in keys):
            keys.append(("id", keys[-1][1] if keys else True))
        return keys

    def _page_size(self, request: Any) -> int:
        """``?page_size=`` within 1…max_page_size; a larger number is the maximum, as before."""
        name = self.page_size_query_param
        try:
            size = int_param(request.query_params, name, minimum=1)
        except BadParameter:  # say the real range, not the database's integers
            message = _("应为 %(min)d 到 %(max)d 之间的整数。") % {"min": 1, "max": self.max_page_size}
            raise BadParameter(name, message) from None
        return self.page_size if size is None else min(size, self.max_page_size)

    # --- cursors ----------------------------------------------------------------------------------

    def _encode(self, values: list[Any], backwards: bool) -> str:
        raw = json.dumps({"k": [_plain(v) for v in values], "b": backwards}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, request: Any, width: int) -> tuple[list[Any], bool] | None:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            values, backwards = data["k"], bool(data["b"])
        except (binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if not isinstance(values, list) or len(values) != width:
            raise NotFound(self.invalid_cursor_message)
        return values, backwards

    def _typed(self, model: Any, keys: list[tuple[str, bool]], values: list[Any]) -> list[Any]:
        """The cursor's values as their fields' types; a tampered cursor (a list, an object, null,
        a NUL byte, text for a date, an integer beyond the database's) is "Invalid cursor", not a 500."""
        typed = []
        for (name, _desc), value in zip(keys, values, strict=True):
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            if value is None or isinstance(value, list | dict | bool) or "\x00" in str(value):
                raise NotFound(self.invalid_cursor_message)
            try:
                value = field.to_python(value)
            except (DjangoValidationError, ValueError, TypeError, OverflowError):
                raise NotFound(self.invalid_cursor_message) from None
            if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
                raise NotFound(self.invalid_cursor_message)
            if (
                isinstance(value, dt.date)
                and not MIN_DATE <= (value.date() if isinstance(value, dt.datetime) else value) <= MAX_DATE
            ):
                raise NotFound(self.invalid_cursor_message)
            if isinstance(value, dt.datetime) and timezone.is_naive(value):
                value = timezone.make_aware(value)
            typed.append(value)
        return typed

    @staticmethod
    def _beyond(keys: list[tuple[str, bool]], values: list[Any], backwards: bool) -> Q:
        """Rows after (or, backwards, before) the cursor row in the ordering ``keys``."""
        beyond = Q()
        equal = Q()
        for (name, desc), value in zip(keys, values, strict=True):
            op = "lt" if desc != backwards else "gt"
            beyond |= equal & Q(**{f"{name}__{op}": value})
            equal &= Q(**{name: value})
        first, desc = keys[0]
        # The redundant bound on the leading key lets the database start the index scan there.
        return Q(**{f"{first}__{'lte' if desc != backwards else 'gte'}": values[0]}) & beyond

    # --- paging -----------------------------------------------------------------------------------

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        keys = self._ordering(request, queryset, view)
        if keys is None or request.query_params.get("page"):
            self.fallback = Pagination()
            return self.fallback.paginate_queryset(queryset, request, view)
        self.request = request
        self.keys = keys
        size = self._page_size(request)
        cursor = self._decode(request, len(keys))
        if cursor is not None:
            cursor = self._typed(queryset.model, keys, cursor[0]), cursor[1]
        backwards = bool(cursor and cursor[1])
        order = [("-" if desc != backwards else "") + name for name, desc in keys]
        qs = queryset.order_by(*order)
        if cursor is not None:
            qs = qs.filter(self._beyond(keys, cursor[0], backwards))
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.has_next = more if not backwards else cursor is not None
        self.has_previous = cursor is not None if not backwards else more
        self.rows = rows
        return rows

    def _link(self, row: Any, backwards: bool) -> str:
        values = [getattr(row, name) for name, _desc in self.keys]
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, "page")
        return replace_query_param(url, self.cursor_query_param, self._encode(values, backwards))

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.rows:
            return None
        return self._link(self.rows[-1], backwards=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.rows[0], backwards=True)

    def get_paginated_response(self, data: Any) -> Response:
        if self.fallback is not None:
            return self.fallback.get_paginated_response(data)
        return Response(
            OrderedDict(
                [("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "description": "only with ?page=N"},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "the cursor of the next or previous link",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"rows per page (at most {self.max_page_size})",
                "schema": {"type": "integer"},
            },
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "numbered pages with a count instead of the cursor",
                "schema": {"type": "integer"},
            },
        ]
