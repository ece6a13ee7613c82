#!/usr/bin/env python
"""Benchmark: csat against django-helpdesk side by side, rounds interleaved on one machine (issue #25).
Not a unit test.

    # once: the peer (../shared/peers/helpdesk/README) and csat's data set
    (cd /work/shared/peers/helpdesk && LOCKED=1 ./setup.sh && /tmp/helpdesk-venv/bin/python project/seed.py --tickets 50000 --reset)
    CSAT_BENCH=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python manage.py generate_load --flush
    # then
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/peer_compare.py --rounds 3

Each round runs the peer's ``bench.sh`` (its gunicorn, 2 sync workers, wrk) on the peer pages, then
csat's pages of ``bench/pages.py`` (store and group scope) the same way (gunicorn 2 sync workers,
config.settings.production, each role logged in through the form, wrk with the same threads and
connections after a warm-up). The ratio of a pair is csat req/s ÷ the peer page's req/s of the
same round; the table gives each round's ratio and their median, with the load average before and
after each round: on a shared machine only ratios measured in one run mean anything. Appends to
bench/RESULTS.md (``--no-record`` to skip).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_bench  # noqa: E402
import pages as paired  # noqa: E402
import scale_common as common  # noqa: E402

PEER_DIR = Path(os.environ.get("PEER_DIR", common.ROOT.parent.parent / "shared" / "peers" / "helpdesk"))
PEER_NAMES = {
    "dt_p1": "ticket list (datatables JSON)",
    "detail": "ticket detail",
    "dashboard": "dashboard",
    "list": "ticket list (HTML)",
}


def run_peer(seconds: int, connections: int, out: Path) -> dict[str, float]:
    # (the peer's dashboard takes seconds per request: give it --peer-seconds, or it counts 0)
    """The peer's bench.sh on the paired pages; req/s per peer page."""
    if not PEER_DIR.joinpath("bench.sh").exists():
        raise SystemExit(f"peer harness not found in {PEER_DIR} (set PEER_DIR)")
    own = common.production_env()  # csat's settings must not leak into the peer's Django
    env = {
        **{k: v for k, v in os.environ.items() if k not in own},
        "OUT": str(out),
        "DURATION": f"{seconds}s",
        "CONNS": str(connections),
        "PAGES": " ".join(sorted({p.peer for p in paired.pages(_TICKETS)})),
    }
    subprocess.run(["bash", str(PEER_DIR / "bench.sh")], cwd=PEER_DIR, env=env, check=True)  # noqa: S603, S607
    found = {}
    for line in (out / "summary.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        for key, name in PEER_NAMES.items():
            if cells and cells[0] == name and re.fullmatch(r"[\d.]+", cells[1]):
                found[key] = float(cells[1])
    return found


def run_csat(seconds: int, connections: int, port: int) -> dict[tuple[str, str], float]:
    """csat's paired pages over HTTP (the same gunicorn and wrk as bench/http_bench.py)."""
    log = Path(tempfile.gettempdir()) / "csat_peer_compare_gunicorn.log"
    server = http_bench.start_gunicorn(port, 2, log)
    result = {}
    try:
        chosen = paired.pages(_TICKETS)
        cookies = {u: http_bench.login(port, u) for u in {p.username for p in chosen}}
        for page in chosen:
            url = f"http://127.0.0.1:{port}{page.path}"
            http_bench.wrk(url, cookies[page.username], seconds=2, connections=connections)
            r = http_bench.wrk(url, cookies[page.username], seconds=seconds, connections=connections)
            result[(page.scope, page.label)] = r["rps"] if not r["errors"] else 0.0
            print(
                f"  csat {page.scope}: {page.label}: {r['rps']:.1f} req/s (p50 {r['p50']:.0f} ms)", flush=True
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


_TICKETS: dict[str, int] = {}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--peer-seconds", type=int, default=20, help="wrk duration per peer page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=18766)
    parser.add_argument("--no-record", action="store_true")
    args, _unknown = parser.parse_known_args()

    http_bench.collectstatic()
    common.setup_django()
    _TICKETS.update(paired.ticket_ids())
    from django.db import connections

    connections.close_all()
    load_start = common.load_average()
    rounds: list[dict[str, Any]] = []
    scratch = Path(tempfile.mkdtemp(prefix="peer-compare-"))
    for n in range(args.rounds):
        before = common.load_average()
        print(f"round {n + 1}: peer …", flush=True)
        peer = run_peer(args.peer_seconds, args.connections, scratch / f"peer-{n + 1}")
        print(f"round {n + 1}: peer {peer}; csat …", flush=True)
        csat = run_csat(args.seconds, args.connections, args.port)
        rounds.append({"peer": peer, "csat": csat, "load": f"{before} → {common.load_average()}"})

    rows = []
    for page in paired.pages(_TICKETS):
        ratios, csat_rps, peer_rps = [], [], []
        for r in rounds:
            p, c = r["peer"].get(page.peer, 0.0), r["csat"][(page.scope, page.label)]
            peer_rps.append(p)
            csat_rps.append(c)
            ratios.append(c / p if p else float("inf"))  # the peer finished no request
        # A round where either side finished no request (errors or timeouts) has no ratio.
        valid = [x for x in ratios if 0 < x < float("inf")]
        median = statistics.median(valid) if valid else 0.0
        rows.append([
            page.scope, page.label, f"`{page.path}`", f"{PEER_NAMES[page.peer]}",
            " / ".join(f"{x:.1f}" for x in peer_rps), " / ".join(f"{x:.1f}" for x in csat_rps),
            " / ".join(f"{x:.1f}×" if 0 < x < float("inf") else "—" for x in ratios),
            f"**{median:.1f}×**" if valid else "—", f"≥ {page.target:.0f}×",
            ("yes" if median >= page.target else "no") if valid else "no valid round",
        ])  # fmt: skip
    lines = common.header(
        "Side by side with django-helpdesk 2.6.1 (`bench/peer_compare.py`, issue 25)",
        load_start,
        [
            f"{args.rounds} interleaved rounds (peer bench.sh, then csat); wrk -t2 -c{args.connections} "
            f"-d{args.seconds}s per csat page, -d{args.peer_seconds}s per peer page, after a warm-up; both gunicorn 2 sync workers, PostgreSQL, same machine",
            "peer: 50,000 tickets (seed.py); csat: generate_load's default data set; store scope = LG001's "
            "people, group scope = head office (lg_hq, all 50 stores)",
            "load average per round (1 min, before → after): " + "; ".join(r["load"] for r in rounds),
            "req/s and ratio per round, separated by /; the verdict is on the median ratio",
        ],
    )
    lines += common.table(
        [
            "scope",
            "csat page",
            "URL",
            "peer page",
            "peer req/s",
            "csat req/s",
            "ratio",
            "median",
            "target",
            "met?",
        ],
        rows,
    )
    common.record(lines, enabled=not args.no_record)


if __name__ == "__main__":
    main()
