#!/usr/bin/env python
"""Benchmark: the paired pages in-process at store and group scope, their queries and query plans
(issue #25). Not a unit test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/group_pages_bench.py
    … --profile "group:full open list"   # cProfile of that page rendered --n times: the top lines
    … --explain-only                      # only the query-plan check (exit status 1 when it fails)

For each page of ``bench/pages.py`` (django.test.Client, config.settings.production, warm):
1. SQL queries per request and the median in-process time of ``--n`` requests;
2. the query-plan check: every SELECT of the request is EXPLAINed on the generated data; a
   sequential scan of a table of more than 100,000 rows (customers, visits, tasks, surveys …) fails
   the page — no page may read a large table to keep a page of rows;
3. one table appended to bench/RESULTS.md (``--no-record`` to skip); with ``--profile`` the top
   lines of the profile too.

Targets: ≤ 15 ms for every list and ticket page, ≤ 50 ms for the report dashboard (group scale).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages as paired  # noqa: E402
import scale_common as common  # noqa: E402

LARGE_TABLE_ROWS = 100_000


def client_for(user: Any, *, api: bool) -> Any:
    from django.test import Client
    from rest_framework.test import APIClient

    client: Any = APIClient() if api else Client()
    client.force_login(user)
    return client


def large_tables() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s", [LARGE_TABLE_ROWS]
        )
        return {row[0] for row in cursor.fetchall()}


def seq_scans(plan: dict[str, Any]) -> list[str]:
    """The relations a plan reads by sequential scan (every node, sub-plans included)."""
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append(plan.get("Relation Name", "?"))
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


def plan_violations(queries: list[dict[str, str]], large: set[str]) -> list[str]:
    """The large tables any SELECT of the request scans sequentially (EXPLAIN on the real data)."""
    from django.db import connection

    bad = []
    with connection.cursor() as cursor:
        for q in queries:
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            bad += [f"Seq Scan on {rel}" for rel in seq_scans(plan) if rel in large]
    return sorted(set(bad))


def measure(page: paired.Page, user: Any, n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(user, api=page.path.startswith("/api/"))
    response = client.get(page.path)  # warm: caches, plans, the report figures' first computation
    assert response.status_code == 200, (page.label, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page.path)
    assert response.status_code == 200, (page.label, response.status_code)
    captured = list(ctx.captured_queries)  # the next request's request_started resets the log
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(page.path)
        times.append(time.perf_counter() - t0)
    return {
        "queries": len(captured),
        "captured": captured,
        "median": statistics.median(times),
        "bytes": len(response.content),
    }


def profile(page: paired.Page, user: Any, n: int, top: int) -> str:
    """The top lines (by own time and by cumulative time) of ``n`` requests of one page."""
    client = client_for(user, api=page.path.startswith("/api/"))
    client.get(page.path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(page.path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20, help="requests per page (median)")
    parser.add_argument("--only", default="", help="only pages whose 'scope:label' contains this text")
    parser.add_argument("--profile", default="", help="profile the pages whose 'scope:label' contains this")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--explain-only", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args, _unknown = parser.parse_known_args()  # run_all.sh passes the same flags to every bench

    common.setup_django()
    load_before = common.load_average()
    all_pages = paired.pages()
    chosen = [p for p in all_pages if args.only in f"{p.scope}:{p.label}"]
    people = paired.users({p.username for p in chosen})
    large = large_tables()

    if args.profile:
        lines = []
        for page in [p for p in chosen if args.profile in f"{p.scope}:{p.label}"]:
            text = profile(page, people[page.username], args.n, args.top)
            print(f"== {page.scope}: {page.label} ({page.path})\n{text}")
            lines.append((page, text))
        if lines and not args.no_record:
            record_profiles(lines, load_before, args.n)
        return

    rows = []
    failed = False
    for page in chosen:
        m = measure(page, people[page.username], 1 if args.explain_only else args.n)
        bad = plan_violations(m["captured"], large)
        failed = failed or bool(bad)
        target = 50.0 if "report" in page.label else 15.0
        rows.append([
            page.scope, page.label, f"`{page.path}`", m["queries"], f"{m['median'] * 1000:.1f} ms",
            f"≤ {target:.0f} ms", "yes" if m["median"] * 1000 <= target else "no",
            "; ".join(bad) or "no large-table scan",
        ])  # fmt: skip
        print(rows[-1])
    if args.explain_only:
        sys.exit(1 if failed else 0)
    lines = common.header(
        "Paired pages in-process at store and group scope (`bench/group_pages_bench.py`, issue 25)",
        load_before,
        [
            f"django.test.Client, config.settings.production, warm; median of {args.n} requests; "
            "queries include the session and user lookups",
            f"query plans: every SELECT EXPLAINed on this data; a Seq Scan of a table over "
            f"{LARGE_TABLE_ROWS:,} rows fails the page",
        ],
    )
    lines += common.table(
        ["scope", "page", "URL", "queries", "in-process", "target", "met?", "query plans"], rows
    )
    common.record(lines, enabled=not args.no_record)
    sys.exit(1 if failed else 0)


def record_profiles(items: list[tuple[paired.Page, str]], load_before: str, n: int) -> None:
    lines = common.header(
        "Profiles of the slowest pages (`bench/group_pages_bench.py --profile`, issue 25)",
        load_before,
        [f"cProfile of {n} warm requests through django.test.Client, config.settings.production"],
    )
    for page, text in items:
        body = [ln for ln in text.splitlines() if ln.strip()]
        lines += ["", f"### {page.scope}: {page.label} (`{page.path}`)", "", "```", *body, "```"]
    common.record(lines, enabled=True)


if __name__ == "__main__":
    main()
