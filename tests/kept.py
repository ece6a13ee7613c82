"""Helpers of the tests of pages kept whole (csat.fragments): which tables a kept part's build read,
and that its revision watches every one of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csat import fragments, revisions

_TABLES = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


@pytest.fixture
def built_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[set[str]]]:
    """The tables each build of a kept part read (one set per build)."""
    reads: list[set[str]] = []
    original = fragments.kept

    def watching(request: Any, *, revision: str, key: str, build: Callable[[str], Any]) -> Any:
        def counted(csrf: str) -> Any:
            with CaptureQueriesContext(connection) as queries:
                part = build(csrf)
            reads.append({t.lower() for q in queries.captured_queries for t in _TABLES.findall(q["sql"])})
            return part

        return original(request, revision=revision, key=key, build=counted)

    monkeypatch.setattr(fragments, "kept", watching)
    yield reads


def assert_watched(reads: list[set[str]], revision: str, what: str) -> None:
    """Every table the builds read is watched by ``revision``: one it does not watch would leave a
    kept part stale after a write to it."""
    assert reads, f"{what} was not built through csat.fragments"
    watched = revisions.pattern(revision)
    unwatched = {table for tables in reads for table in tables if not watched.fullmatch(table)}
    assert not unwatched, f"read by {what}, not watched by its revision: {sorted(unwatched)}"
