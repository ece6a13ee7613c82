#!/usr/bin/env python
"""Benchmark: list/detail pages and APIs at dealer-group scale over real HTTP (issue 8). Not a unit test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/http_bench.py

On the data of ``manage.py generate_load`` (50 stores, 1M customers …):
1. SQL queries per request and in-process time of each URL (django.test.Client + CaptureQueriesContext);
2. customer search server time: the selector called directly, median and p95 of 50 calls per kind;
3. gunicorn (2 sync workers, config.settings.production: DEBUG off, whitenoise, Redis cache) on
   127.0.0.1, each role logged in through the login form (session cookie + CSRF), and ``wrk``
   (4 connections, 15 s after a 3 s warm-up) on each URL: requests/s, p50, p95;
4. one table appended to bench/RESULTS.md (``--no-record`` to skip).

Targets: p95 ≤ 150 ms and ≥ 100 requests/s with 2 workers; customer search ≤ 20 ms server time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_common as common  # noqa: E402

TARGET_P95_MS = 150.0
TARGET_RPS = 100.0
TARGET_SEARCH_MS = 20.0
LUA = """
wrk.headers["Cookie"] = "{cookie}"
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %d %d %.3f %.3f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000.0, latency:percentile(95) / 1000.0, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def fixtures() -> dict[str, Any]:
    """Users of store LG001, and a customer, plate, name and tickets to look up there."""
    from django.contrib.auth import get_user_model

    from complaints.models import Complaint, Status
    from csat.models import Customer, Vehicle

    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["lg001_agent1", "lg001_ccmanager", "lg001_business_mgr", "lg001_gm"]
        )
    }
    if len(users) < 4:
        raise SystemExit("No generated data: run manage.py generate_load on this database first.")
    customer = Customer.objects.filter(store__code=common.STORE).order_by("id")[100]
    vehicle = Vehicle.objects.filter(store__code=common.STORE).exclude(plate="").order_by("id")[200]
    ticket = (
        Complaint.objects.filter(store__code=common.STORE, department__kind="business")
        .exclude(status=Status.CLOSED)
        .order_by("id")[0]
    )
    return {
        "users": users,
        "mobile": customer.mobile,
        "plate": vehicle.plate[:5],  # the prefix an agent types
        "name": customer.name[:2],  # surname + first given character: many matches
        "ticket": ticket.pk,
    }


def endpoints(fx: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, role username, path)."""
    from urllib.parse import quote

    return [
        # Calibration: what this box serves when a page reads (almost) nothing.
        ("baseline: login page (anonymous, no data)", "", "/accounts/login/"),
        ("agent work queue page", "lg001_agent1", "/callbacks/"),
        ("/api/callbacks/", "lg001_agent1", "/api/callbacks/"),
        ("customer search: mobile", "lg001_agent1", f"/customers/?q={fx['mobile']}"),
        ("customer search: plate prefix", "lg001_agent1", f"/customers/?q={quote(fx['plate'])}"),
        ("customer search: name prefix", "lg001_agent1", f"/customers/?q={quote(fx['name'])}"),
        ("complaint list (department manager's queue)", "lg001_business_mgr", "/complaints/"),
        ("complaint list (customer-care manager)", "lg001_ccmanager", "/complaints/"),
        ("/api/complaints/", "lg001_ccmanager", "/api/complaints/"),
        ("ticket page", "lg001_business_mgr", f"/complaints/{fx['ticket']}/"),
        ("GM approval queue", "lg001_gm", "/complaints/approvals/"),
    ]


def queries_per_request(fx: dict[str, Any], urls: list[tuple[str, str, str]]) -> dict[str, tuple[int, float]]:
    """In-process: the SQL statements and the time of one (warm) request per URL."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {}
    for label, username, path in urls:
        client = Client()
        if username:
            client.force_login(fx["users"][username])
        response = client.get(path)  # warm: caches, first-query plans
        assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - t0
        assert response.status_code == 200, (label, response.status_code)
        # The session and user lookups of the authentication middleware count too.
        result[label] = (len(ctx.captured_queries), elapsed)
    return result


def search_server_time(fx: dict[str, Any]) -> dict[str, tuple[float, float, int]]:
    """The selector behind the search box, called directly: median, p95 (s) and matches."""
    from csat.selectors import customer_search

    agent = fx["users"]["lg001_agent1"]
    out = {}
    for kind, query in (("mobile", fx["mobile"]), ("plate prefix", fx["plate"]), ("name prefix", fx["name"])):
        times = []
        matches = 0
        for _ in range(50):
            t0 = time.perf_counter()
            matches = len(customer_search(user=agent, query=query))
            times.append(time.perf_counter() - t0)
        times.sort()
        out[kind] = (statistics.median(times), times[int(len(times) * 0.95) - 1], matches)
    return out


def collectstatic() -> None:
    """The manifest whitenoise serves from (production settings need it to render any page)."""
    env = {**os.environ, **common.production_env()}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **common.production_env()}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(  # noqa: S603
        [
            gunicorn,
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "--error-logfile",
            str(log),
        ],  # fmt: skip
        cwd=common.ROOT,
        env=env,
    )
    import requests

    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not start; see {log}")


def login(port: int, username: str) -> str:
    """Log in through the form like a browser; return the Cookie header value."""
    import requests

    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    page = session.get(f"{base}/accounts/login/", timeout=10)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the login page"
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": common.PASSWORD, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302 and "sessionid" in session.cookies, f"login failed for {username}"
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def wrk(url: str, cookie: str, *, seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.replace("{cookie}", cookie))
    try:
        completed = subprocess.run(  # noqa: S603
            ["/usr/bin/wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    requests_, duration_us, p50, p95, non2xx, socket_errors = line.split()[1:]
    return {
        "rps": int(requests_) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "errors": int(non2xx) + int(socket_errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--only", default="", help="only the endpoints whose label contains this text")
    args, _unknown = parser.parse_known_args()  # run_all.sh passes the same flags to every bench

    collectstatic()
    common.setup_django()
    load_before = common.load_average()
    fx = fixtures()
    urls = [u for u in endpoints(fx) if args.only in u[0]]
    print("queries per request (in-process) …")
    queries = queries_per_request(fx, urls)
    print("customer search server time …")
    search = search_server_time(fx)
    from django.db import connections

    connections.close_all()

    log = Path(tempfile.gettempdir()) / "csat_http_bench_gunicorn.log"
    server = start_gunicorn(args.port, args.workers, log)
    rows = []
    try:
        cookies = {u: login(args.port, u) if u else "" for u in {u for _l, u, _p in urls}}
        for label, username, path in urls:
            url = f"http://127.0.0.1:{args.port}{path}"
            wrk(url, cookies[username], seconds=args.warmup, connections=args.connections)
            r = wrk(url, cookies[username], seconds=args.seconds, connections=args.connections)
            n_queries, in_process = queries[label]
            met = r["p95"] <= TARGET_P95_MS and r["rps"] >= TARGET_RPS and not r["errors"]
            if not met:
                short = []
                if r["p95"] > TARGET_P95_MS:
                    short.append(f"p95 {r['p95'] / TARGET_P95_MS:.1f}× the target")
                if r["rps"] < TARGET_RPS:
                    short.append(f"{r['rps'] / TARGET_RPS:.0%} of the req/s")
                if r["errors"]:
                    short.append(f"{r['errors']} errors")
                verdict = "no: " + ", ".join(short)
            else:
                verdict = "yes"
            target = "p95 ≤ 150 ms, ≥ 100 req/s" if username else "none (calibration)"
            rows.append([
                label, f"`{path}`", f"{r['rps']:.0f}", f"{r['p50']:.0f} ms", f"{r['p95']:.0f} ms",
                n_queries, f"{in_process * 1000:.0f} ms", target, verdict if username else "—",
            ])  # fmt: skip
            print(rows[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)

    search_rows = [
        [f"customer search: {kind} (selector)", f"`{q}`", "", f"{med * 1000:.1f} ms", f"{p95 * 1000:.1f} ms",
         "", f"{n} matches", "≤ 20 ms server time", "yes" if p95 * 1000 <= TARGET_SEARCH_MS
         else f"no: p95 {p95 * 1000 / TARGET_SEARCH_MS:.1f}× the target"]
        for (kind, (med, p95, n)), q in zip(search.items(), (fx["mobile"], fx["plate"], fx["name"]), strict=True)
    ]  # fmt: skip
    lines = common.header(
        "Dealer group at scale: pages and APIs over HTTP (`bench/http_bench.py`)",
        load_before,
        [
            f"gunicorn {args.workers} sync workers, config.settings.production (DEBUG off, whitenoise, Redis cache), "
            f"wrk {args.connections} connections × {args.seconds} s per URL after a {args.warmup} s warm-up, loopback",
            "queries/request and in-process time: one warm request through django.test.Client "
            "(includes the session and user lookups)",
        ],
    )
    lines += common.table(
        ["endpoint", "URL", "req/s", "p50", "p95", "queries/request", "in-process", "target", "met?"],
        rows + search_rows,
    )
    common.record(lines, enabled=not args.no_record)


if __name__ == "__main__":
    main()
