#!/usr/bin/env python
"""Benchmark: the customer's survey page (issue #24: ≤ 30 ms at p95 server-side, < 100 kB). Not a
unit test (the unit test pins the weight in bytes, never the time).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/survey_link_bench.py
    … --n 500 --no-record

On the generated data set (``manage.py generate_load``), production settings (DEBUG off, Redis
cache — so the per-token and per-address rate limiters run as in production, with limits raised
so that they count but never refuse), in-process through django.test.Client (every middleware,
CSP, CSRF cookie, the template, the link lookup and the limiter's cache round trips):
1. one link is made on an open task of the first store for each survey type (sales, after-sales,
   five-dimension: the heaviest page, 50 rating buttons and the reason codes);
2. ``--n`` GETs of each page after a warm-up; p50 / p95 / max of the wall time per request;
3. the page weight: the HTML plus every stylesheet, script and image it references, read from the
   collected static files (raw bytes, and gzip as whitenoise serves them);
4. the links are deleted again (the data set is left as it was); one table appended to RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_bench  # noqa: E402
import scale_common as common  # noqa: E402

TARGET_P95_MS = 30.0
TARGET_BYTES = 100 * 1024
ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')


def make_link(survey_type: str) -> Any:
    """A fresh invitation on an open, unreached task of the bench store (made like the service
    makes it, but valid from now whatever the data set's dates)."""
    import datetime as dt

    from django.utils import timezone

    from callbacks.models import CallbackTask
    from surveylinks import tokens
    from surveylinks.models import LinkChannel, LinkKind, SendState, SurveyLink, Trigger
    from surveylinks.services import INVITABLE

    task = (
        CallbackTask.objects.filter(
            store__code=common.STORE,
            type=survey_type,
            status__in=INVITABLE,  # pending, in progress or unreachable by phone
            reached_at__isnull=True,
            survey__isnull=True,
            survey_links__isnull=True,
            vehicle__isnull=False,
        )
        .order_by("-id")
        .first()
    )
    if task is None:
        raise SystemExit(f"no open {survey_type} task in store {common.STORE}: run generate_load first")
    return SurveyLink.objects.create(
        store_id=task.store_id,
        task=task,
        kind=LinkKind.INVITATION,
        channel=LinkChannel.SMS,
        trigger=Trigger.AGENT,
        nonce=tokens.new_nonce(),
        expires_at=timezone.now() + dt.timedelta(days=7),
        send_state=SendState.SENT,
    )


def asset_bytes(html: str) -> tuple[int, int, list[str]]:
    """Raw and gzip bytes of everything the page loads (data: URIs count inside the HTML)."""
    from django.conf import settings

    raw = gz = 0
    names = []
    for url in ASSET_RE.findall(html):
        if url.startswith("data:"):
            continue
        path = url.split("?", 1)[0]
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if not path.startswith(prefix):
            raise SystemExit(f"the page loads {url}, not a static file of ours")
        data = (Path(settings.STATIC_ROOT) / path[len(prefix) :]).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, 6))
        names.append(path.rsplit("/", 1)[-1])
    return raw, gz, names


def measure(client: Any, url: str, n: int) -> tuple[list[float], list[float], Any]:
    response = None
    for _ in range(20):  # warm-up: templates, translations, connections
        response = client.get(url)
    assert response is not None and response.status_code == 200, response and response.status_code
    times, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, response.status_code
    return times, cpu, response


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300, help="requests per page (after 20 warm-up)")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()

    load_before = common.load_average()
    http_bench.collectstatic()
    common.setup_django()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from surveylinks import tokens

    # The limiters run (Redis round trips), but never refuse the bench's own requests.
    settings.SURVEYLINKS = {
        **settings.SURVEYLINKS,
        "RATE_PER_TOKEN": (10**9, 600),
        "RATE_PER_ADDRESS": (10**9, 600),
    }
    rows = []
    failed = False
    links = []
    try:
        for survey_type in ("sales", "after_sales", "five_dimension"):
            link = make_link(survey_type)
            links.append(link)
            url = reverse("surveylinks:answer", args=[tokens.token_for(link.nonce)])
            times, cpu, response = measure(Client(), url, args.n)
            html = response.content.decode()
            raw, gz, names = asset_bytes(html)
            total, total_gz = len(response.content) + raw, len(gzip.compress(response.content, 6)) + gz
            p50 = statistics.median(times) * 1000
            wall95 = p95(times) * 1000
            met = wall95 <= TARGET_P95_MS and total < TARGET_BYTES
            failed |= not met
            rows.append(
                [
                    survey_type,
                    args.n,
                    f"{p50:.1f} ms",
                    f"{wall95:.1f} ms",
                    f"{max(times) * 1000:.1f} ms",
                    f"{statistics.median(cpu) * 1000:.1f} / {p95(cpu) * 1000:.1f} ms",
                    f"{len(response.content):,} B",
                    f"{raw:,} B ({', '.join(names)})",
                    f"{total:,} B / {total_gz:,} B",
                    "≤ 30 ms p95, < 100 kB",
                    "yes" if met else "NO",
                ]
            )
    finally:
        for link in links:
            link.events.all().delete()
            link.delete()
    lines = common.header(
        "Customer's survey page (`bench/survey_link_bench.py`, issue #24)",
        load_before,
        [
            "GET /s/<token>/ in-process (django.test.Client), production settings, Redis rate limiters on;"
            " one fresh link per survey type on an open task of store LG001",
            "weight = the HTML + every stylesheet/script/image it references (raw; gzip as served)",
            "p50/p95/max = wall time (what the target is about); CPU = this process's CPU time per request"
            " (what the page costs when the machine is not shared; the database's time is not in it)",
            "command: `DATABASE_URL=<the generate_load database> .venv/bin/python bench/survey_link_bench.py"
            f" --n {args.n}` (also run by bench/run_all.sh)",
        ],
    )
    lines += common.table(
        [
            "survey type",
            "requests",
            "p50",
            "p95",
            "max",
            "CPU p50 / p95",
            "HTML",
            "assets",
            "total raw / gzip",
            "target",
            "met?",
        ],
        rows,
    )
    common.record(lines, enabled=not args.no_record)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
