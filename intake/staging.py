"""The rows a preview parsed, kept for the import so the file is not read and parsed a second time.

Validation parses and checks every cell (intake.planning.parse_rows); what that yields depends on
the file alone, so the import starts from it and only redoes the matching against the database.
The rows are stored compactly: zlib-compressed JSON, one list per row in a fixed column order,
datetimes and dates as ISO text (decoded exactly: a time read as local time comes back in the
same zone object). A value of any other type is not stored: the import then reads the file.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

from csat.business_time import business_tz
from intake.columns import columns_of, parse_date, parse_datetime

FORMAT = 1
_PLAIN = (str, int, float, bool, type(None))


class NotStorable(ValueError):
    """A parsed value this format does not keep; the import falls back to the file."""


def _encode_datetime(value: Any, tz: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise NotStorable(type(value).__name__)
    if value.tzinfo is tz:  # the usual case: a local time read from the file
        return value.replace(tzinfo=None).isoformat()
    return value.isoformat()  # another zone: with its offset


def _decode_datetime(text: str | None, tz: Any) -> dt.datetime | None:
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _encode_date(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not dt.date:
        raise NotStorable(type(value).__name__)
    return value.isoformat()


def _check_plain(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise NotStorable(type(value).__name__)


def pack(kind: str, parsed: list[tuple[int, dict[str, Any]]]) -> bytes:
    """The parsed rows as bytes; ``NotStorable`` when a row holds something this format does not keep."""
    keys = list(parsed[0][1]) if parsed else []
    key_set = set(keys)
    parse_of = {c.key: c.parse for c in columns_of(kind)}
    tz = business_tz()
    encoders: list[Any] = []
    for key in keys:
        if parse_of.get(key) is parse_datetime:
            encoders.append(lambda v, tz=tz: _encode_datetime(v, tz))
        elif parse_of.get(key) is parse_date:
            encoders.append(_encode_date)
        else:
            encoders.append(_check_plain)
    rows = []
    for row_no, values in parsed:
        if values.keys() != key_set:  # a cell that did not parse: such a file is never imported
            raise NotStorable("columns")
        rows.append([row_no, *(encode(values[key]) for encode, key in zip(encoders, keys, strict=True))])
    payload = {"format": FORMAT, "kind": kind, "keys": keys, "rows": rows}
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def unpack(kind: str, data: bytes) -> list[tuple[int, dict[str, Any]]] | None:
    """The rows ``pack`` stored, or None when they are of another format or kind (read the file)."""
    payload = json.loads(zlib.decompress(data))
    if payload.get("format") != FORMAT or payload.get("kind") != kind:
        return None
    keys = payload["keys"]
    parse_of = {c.key: c.parse for c in columns_of(kind)}
    tz = business_tz()
    datetimes = [i for i, key in enumerate(keys) if parse_of.get(key) is parse_datetime]
    dates = [i for i, key in enumerate(keys) if parse_of.get(key) is parse_date]
    out = []
    for row in payload["rows"]:
        values = row[1:]
        for i in datetimes:
            values[i] = _decode_datetime(values[i], tz)
        for i in dates:
            if values[i] is not None:
                values[i] = dt.date.fromisoformat(values[i])
        out.append((row[0], dict(zip(keys, values, strict=True))))
    return out
