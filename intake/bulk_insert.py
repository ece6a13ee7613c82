"""Insert many new rows fast: COPY on PostgreSQL, ``bulk_create`` elsewhere (SQLite, laptop mode).

An import of 100,000 service visits creates some 400,000 rows (customers, vehicles, their history
rows, the visits). Through ``bulk_create`` most of the time went into Django turning each value
into a query parameter (``prepare_value``/``get_db_prep_save``, ~1 M calls) and into building
model instances, the history rows' included. On PostgreSQL the rows go out as COPY text instead:
one converter per column, chosen once, a value that is the same on every row (the store, the
import's time, the history user) converted once, then a string join per row. The text is produced
while PostgreSQL reads it (a file object generating it on ``read``), so the two overlap. The new
ids are taken from the table's sequence first (``nextval`` over ``generate_series``): they are
known before the COPY, and the rows that refer to them (a vehicle's owner, a history row) are
written the same way.

The rows written are the ones ``bulk_create_with_history`` writes: every column not given takes
its model default, ``created_at``/``updated_at`` the time of the import, and each created record
of an audited model gets one history row ("+") naming the user and the reason given. A model with
something this module does not know how to write (a column type, a history field) takes the
``bulk_create`` path.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH = 1000  # bulk_create's batch (Django lowers it to SQLite's parameter limit)
USE_COPY = True  # tests switch it off to run the bulk_create path on PostgreSQL too
_BLOCK = 2000  # rows formatted per read() of the COPY stream
_HISTORY_FIELDS = ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


class _Unsupported(TypeError):
    """A column (or history field) the COPY path does not write: use bulk_create."""


def create_rows(
    model: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: dict[str, Any] | None = None,
    user: Any = None,
    reason: str = "",
) -> list[int]:
    """Insert ``rows`` (values in the order of ``columns``, field attnames) and return their new ids.

    ``constants``: attname → the value every row has. Every other column takes its default. An
    audited model (simple-history) gets one "+" history row per record, attributed to ``user``
    with ``reason``, as ``bulk_create_with_history`` writes them. Inside the caller's transaction.
    """
    if not rows:
        return []
    constants = constants or {}
    if USE_COPY and connection.vendor == "postgresql":
        try:
            copier = _Copier(model)
        except _Unsupported:
            pass
        else:
            return copier.insert(list(columns), rows, constants, user=user, reason=reason)
    objects = [model(**constants, **dict(zip(columns, row, strict=True))) for row in rows]
    if hasattr(model, "history"):
        bulk_create_with_history(
            objects, model, batch_size=BATCH, default_user=user, default_change_reason=reason
        )
    else:
        model.objects.bulk_create(objects, batch_size=BATCH)
    return [obj.pk for obj in objects]


# --- COPY ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    text = value if type(value) is str else str(value)
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def _boolean(value: Any) -> str:
    return "t" if value else "f"


def _integer(value: Any) -> str:
    return str(int(value))


def _datetime(value: Any) -> str:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, not {value!r}")
    return value.isoformat()


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"a date is required, not {value!r}")
    return value.isoformat()


_INTEGERS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_TEXTS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def _converter(field: models.Field) -> Callable[[Any], str]:
    """Python value → COPY text for one column (None, NULL, is handled by the caller)."""
    kind = field.get_internal_type()
    if isinstance(field, models.ForeignKey):
        kind = field.target_field.get_internal_type()
        if kind not in _INTEGERS:
            raise _Unsupported(field.name)
        return _integer
    if kind in _TEXTS:
        return _text
    if kind in _INTEGERS:
        return _integer
    if kind == "BooleanField":
        return _boolean
    if kind == "DateTimeField":
        return _datetime
    if kind == "DateField":
        return _date
    if kind == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]
        return lambda value: _text(json.dumps(value, cls=encoder))
    raise _Unsupported(field.name)


def _convert(field: models.Field, value: Any) -> str:
    return NULL if value is None else _converter(field)(value)


class _Stream:
    """A read-only text file whose content is made on ``read``: COPY lines, ``_BLOCK`` rows at a time."""

    def __init__(self, blocks: Iterator[str]) -> None:
        self.blocks = blocks

    def read(self, size: int = -1) -> str:
        return next(self.blocks, "")

    def readline(self, size: int = -1) -> str:  # pragma: no cover - psycopg2 reads with read()
        return self.read(size)


def _lines(
    rows: Sequence[Sequence[Any]], cells: list[tuple[int, Callable[[Any], str]] | str]
) -> Iterator[str]:
    """COPY text for ``rows``; each cell is (index into the row, converter) or a ready-made value."""
    for start in range(0, len(rows), _BLOCK):
        out = []
        for row in rows[start : start + _BLOCK]:
            values = []
            for cell in cells:
                if isinstance(cell, str):
                    values.append(cell)
                else:
                    index, convert = cell
                    value = row[index]
                    values.append(NULL if value is None else convert(value))
            out.append("\t".join(values))
        yield "\n".join(out) + "\n"


class _Copier:
    """How one model's rows (and its history rows) are written by COPY; raises ``_Unsupported``."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.pk = model._meta.pk
        if not isinstance(self.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            raise _Unsupported("pk")
        self.fields = [f for f in model._meta.concrete_fields if f is not self.pk]
        for field in self.fields:
            _converter(field)  # raises _Unsupported now rather than half-way
        self.history: Any = None
        if hasattr(model, "history") and getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            self.history = model.history.model
            history_fields = self.history._meta.concrete_fields
            names = {f.attname for f in model._meta.concrete_fields}
            self.tracked = [f for f in history_fields if f.attname not in _HISTORY_FIELDS]
            known = {f.attname for f in history_fields} - set(_HISTORY_FIELDS)
            if (
                self.history._meta.pk.attname != "history_id"
                or any(f.attname not in names for f in self.tracked)
                or known != {f.attname for f in self.tracked}
            ):
                raise _Unsupported("history")
            for field in self.tracked:
                _converter(field)

    def insert(
        self,
        columns: list[str],
        rows: Sequence[Sequence[Any]],
        constants: dict[str, Any],
        *,
        user: Any,
        reason: str,
    ) -> list[int]:
        unknown = set(columns) - {f.attname for f in self.fields}
        if unknown:
            raise ValueError(f"not columns of {self.model.__name__}: {sorted(unknown)}")
        now = timezone.now()
        ids = self._new_ids(len(rows))
        # The rows as COPY sees them: the new id first, then the given columns.
        keyed = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        position = {name: index + 1 for index, name in enumerate(columns)}
        position[self.pk.attname] = 0

        cells: dict[str, tuple[int, Callable[[Any], str]] | str] = {}
        for field in [self.pk, *self.fields]:
            if field.attname in position:
                cells[field.attname] = (position[field.attname], _converter(field))
            elif field.attname in constants:
                cells[field.attname] = _convert(field, constants[field.attname])
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                cells[field.attname] = _convert(field, now)  # as Model.save fills it
            else:
                cells[field.attname] = _convert(field, field.get_default())  # "" for text, else None
        fields = [self.pk, *self.fields]
        self._copy(self.model._meta.db_table, fields, keyed, [cells[f.attname] for f in fields])
        if self.history is not None:  # the record's values, then who, when and why
            meta = self.history._meta
            fixed = {
                "history_date": now,
                "history_change_reason": reason,
                "history_type": "+",
                "history_user_id": getattr(user, "pk", None),
            }
            extra = [meta.get_field(name.removesuffix("_id")) for name in _HISTORY_FIELDS[1:]]
            history_cells = [cells[f.attname] for f in self.tracked]
            history_cells += [_convert(f, fixed[f.attname]) for f in extra]
            self._copy(meta.db_table, [*self.tracked, *extra], keyed, history_cells)
        return ids

    def _new_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(self.model._meta.db_table), self.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _copy(
        table: str,
        fields: list[models.Field],
        rows: Sequence[Sequence[Any]],
        cells: list[tuple[int, Callable[[Any], str]] | str],
    ) -> None:
        quote = connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(str(f.column)) for f in fields)}) FROM STDIN"
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, _Stream(_lines(rows, cells)), size=1 << 16)
