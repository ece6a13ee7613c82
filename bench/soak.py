#!/usr/bin/env python
"""Soak test (issue #21, not CI): mixed traffic from every role against the real stack for a long
time, with Redis and PostgreSQL restarted in the middle; then the books are checked.

    .venv/bin/python bench/soak.py --duration 1800 --pg-port 5433 \
        --pg-restart "su postgres -c '/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/soak/pg -w restart -m fast'" \
        --redis-port 6380 --out /tmp/soak/report.json

Use a PostgreSQL cluster and a Redis of your own (other ports): this script restarts them.
``--redis-restart`` defaults to ``redis-cli -p PORT shutdown nosave; sleep 8; redis-server --port PORT
--save '' --daemonize yes`` (the queue is lost on purpose: the worst case). ``--restarts`` places the
restarts as fractions of the run (default ``redis@0.3,postgres@0.5,redis@0.7``).

What runs: a fresh database (``--db``), migrate, ``seed_demo --force``, every department's robot
webhook pointed at a local sink, e-mail into files; gunicorn (2 workers, production settings), one
Celery worker and beat (DatabaseScheduler). One thread per user of every role (agent, customer-care
manager, five department managers, admin assessor, GM, head office, front-line staff, superuser)
reads its pages and API; the agent files surveys (``Idempotency-Key``, retried with the same key
until answered), customer care files and dispatches tickets; a "clock" thread pulls open deadlines'
warning and due times into the present so the every-minute sweep warns and breaches all the time,
restarts included.

Afterwards (``--settle`` lets the sweep and the delivery re-queue catch up):
- deadline alerts: every deadline due (warning/breach) before the cutoff and still open has exactly
  one alert of that kind; each alert has its inbox notifications; every delivery is sent, and the
  webhook sink and the mail files received each delivery exactly once;
- surveys: one survey per idempotency key the client saw accepted, none for the others, and no
  survey with two tickets;
- HTTP: status counts per role, 5xx / connection errors inside and outside the restart windows
  (a window is the restart command's run plus ``--window-grace`` seconds);
- RSS of gunicorn (master + workers), the worker (+ pool) and beat at the start and the end, and the
  load average.
Exit 0 when nothing was lost or doubled and no 5xx fell outside a window.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import email.header
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "soak-" + secrets.token_hex(8)  # noqa: S105 - throwaway accounts on a throwaway database

# username → role label; one thread each.
USERS = {
    "agent": "agent",
    "ccmanager": "customer_care_manager",
    "sales_mgr": "department_manager",
    "business_mgr": "department_manager",
    "service_mgr": "department_manager",
    "finance_mgr": "department_manager",
    "parts_sup": "department_manager",
    "admin_mgr": "admin_assessor",
    "gm": "general_manager",
    "hq": "head_office",
    "sz01_advisor1": "front_line",
    "sysadmin": "superuser",
}
COMMON = ["/", "/api/me/", "/api/notifications/?unread=1", "/notifications/"]
PAGES = {
    "agent": ["/callbacks/", "/api/callbacks/?status=pending", "/customers/?q=138", "/api/customers/"],
    "ccmanager": ["/complaints/", "/api/complaints/", "/reports/", "/callbacks/"],
    "department_manager": ["/complaints/", "/api/complaints/", "/reports/"],
    "admin_mgr": ["/complaints/", "/reports/", "/api/complaints/"],
    "gm": ["/complaints/approvals/", "/complaints/", "/reports/", "/api/complaints/"],
    "hq": ["/reports/", "/api/complaints/", "/api/stores/"],
    "sz01_advisor1": ["/complaints/", "/api/complaints/"],
    "sysadmin": ["/audit/", "/complaints/", "/api/customers/", "/healthz"],
}


def log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- the webhook sink -------------------------------------------------------------------------
HOOKS: collections.Counter[tuple[str, str]] = collections.Counter()
HOOK_LOCK = threading.Lock()


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            text = json.loads(body)["text"]["content"]
        except (ValueError, KeyError, TypeError):
            text = body.decode(errors="replace")
        with HOOK_LOCK:
            HOOKS[(self.path, text)] += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args: Any) -> None:
        pass


# --- processes --------------------------------------------------------------------------------
def session_pids(leader: int) -> list[int]:
    """Every process of the session ``leader`` started (setsid): gunicorn's workers, Celery's pool."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == leader:  # field 6: session id
            pids.append(int(entry))
    return pids


def rss_mb(leader: int) -> float:
    total = 0
    for pid in session_pids(leader):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


class Stack:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], work: Path) -> None:
        self.args, self.env, self.work = args, env, work
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, cmd: list[str]) -> None:
        out = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process
        self.procs[name] = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_all(self) -> None:
        py = sys.executable
        self.start(
            "web",
            [
                py,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.args.web_port}",
                "--timeout",
                "30",
            ],
        )
        self.start(
            "worker",
            [
                py,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "-n",
                f"soak{os.getpid()}@%h",
            ],
        )
        self.start(
            "beat",
            [py, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "--scheduler",
             "django_celery_beat.schedulers:DatabaseScheduler", "--pidfile", str(self.work / "beat.pid")],
        )  # fmt: skip

    def rss(self) -> dict[str, float]:
        return {name: rss_mb(p.pid) for name, p in self.procs.items()}

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.procs.items()}

    def stop(self) -> None:
        for p in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        end = time.time() + 20
        for p in self.procs.values():
            try:
                p.wait(max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def manage(env: dict[str, str], *argv: str, stdin: str | None = None) -> str:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"manage.py {' '.join(argv)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out.stdout


SETUP = """
from django.contrib.auth import get_user_model
from csat.models import Department
U = get_user_model()
for u in U.objects.all():
    u.set_password({password!r}); u.save()
for d in Department.objects.all():
    d.webhook_url = "http://127.0.0.1:{sink}/hook/%d" % d.pk; d.save(update_fields=["webhook_url"])
"""


# --- HTTP traffic -----------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[float, str, str, str, int]] = []  # time, user, method, path label, status

    def add(self, user: str, method: str, label: str, status: int) -> None:
        with self.lock:
            self.rows.append((time.time(), user, method, label, status))


def label_of(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


class Client:
    def __init__(self, base: str, username: str, rec: Recorder) -> None:
        self.base, self.username, self.rec = base, username, rec
        self.session = requests.Session()
        self.token = ""

    def _do(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        kw.setdefault("timeout", 20)
        try:
            r = self.session.request(method, self.base + path, allow_redirects=False, **kw)
            status = r.status_code
        except requests.RequestException:
            status, r = 0, None
        self.rec.add(self.username, method, label_of(path), status)
        body: Any = None
        if r is not None and r.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = r.json()
            except ValueError:
                body = None
        return status, body

    def login(self) -> bool:
        try:
            page = self.session.get(self.base + "/accounts/login/", timeout=20)
            m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if not m:
                return False
            r = self.session.post(
                self.base + "/accounts/login/",
                data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": m.group(1)},
                allow_redirects=False,
                timeout=20,
            )
            t = requests.post(
                self.base + "/api/auth/token/",
                json={"username": self.username, "password": PASSWORD},
                timeout=20,
            )
            self.token = t.json()["token"]
            return r.status_code == 302
        except (requests.RequestException, ValueError, KeyError):
            return False

    def get(self, path: str) -> tuple[int, Any]:
        return self._do("GET", path)

    def api(self, method: str, path: str, payload: Any = None, key: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Token {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        # A token request carries no session cookie (else DRF's session auth would ask for CSRF).
        try:
            r = requests.request(method, self.base + path, json=payload, headers=headers, timeout=20)
            status = r.status_code
            body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else None
        except (requests.RequestException, ValueError):
            status, body = 0, None
        self.rec.add(self.username, method, label_of(path), status)
        return status, body


class Books:
    """What the clients know was accepted (idempotency key → outcome)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.surveys: dict[str, Any] = {}  # key → survey id, or None when never answered
        self.complaints: dict[str, Any] = {}
        self.start = time.time()


def until_answered(client: Client, path: str, payload: Any, stop: threading.Event, budget: float = 90) -> Any:
    """POST with one Idempotency-Key, again and again while the answer is 5xx/none/409-running."""
    key = str(uuid.uuid4())
    end = time.time() + budget
    while True:
        status, body = client.api("POST", path, payload, key=key)
        if status in (200, 201):
            return key, body
        running = status == 409 and "Idempotency-Key" in json.dumps(body, ensure_ascii=False)
        if not (running or status in (0, 500, 502, 503, 504)) or time.time() > end:
            return key, {"status": status, "body": body}
        time.sleep(2)


def role_loop(client: Client, args: Any, stop: threading.Event, books: Books, shared: dict[str, Any]) -> None:
    rnd = random.Random(client.username)
    who = client.username
    kind = USERS[who]
    pages = COMMON + PAGES.get(who, PAGES.get(kind, []))
    while not client.login():
        if stop.wait(3):
            return
    seen_tickets: list[int] = []
    last_write = 0.0
    while not stop.is_set():
        now = time.time()
        if who == "agent" and now - last_write > args.survey_every:
            last_write = now
            customer = shared["customers"][rnd.randrange(len(shared["customers"]))]
            unhappy = rnd.random() < 0.2
            payload = {
                "customer": customer,
                "type": "after_sales",
                "channel": "phone",
                "score": 40 if unhappy else 95,
                "items": shared["items"],
                "remarks": "等了一上午，没人告诉进度" if unhappy else "",
            }
            key, body = until_answered(client, "/api/surveys/", payload, stop)
            with books.lock:
                books.surveys[key] = body.get("id") if isinstance(body, dict) and "id" in body else body
        elif who == "ccmanager" and now - last_write > args.complaint_every:
            last_write = now
            customer = shared["customers"][rnd.randrange(len(shared["customers"]))]
            payload = {
                "customer": customer,
                "kind": "complaint",
                "content": "客户反映保养后异响（压力测试）",
                "channel": "phone",
                "received_by_department": shared["care_department"],
                "category": rnd.choice(["repair", "sales", "parts", "finance"]),
                "major_criteria": [],
            }
            key, body = until_answered(client, "/api/complaints/", payload, stop)
            with books.lock:
                books.complaints[key] = body.get("id") if isinstance(body, dict) and "id" in body else body
            # Dispatch what is registered (customer care's step) to a department.
            status, listing = client.api("GET", "/api/complaints/?status=registered")
            for row in (listing or {}).get("results", [])[:2] if isinstance(listing, dict) else []:
                client.api(
                    "POST",
                    f"/api/complaints/{row['id']}/dispatch/",
                    {"department": rnd.choice(shared["departments"])},
                    key=str(uuid.uuid4()),
                )
        else:
            path = rnd.choice(pages)
            if seen_tickets and rnd.random() < 0.25:
                path = f"/complaints/{rnd.choice(seen_tickets)}/"
            if path.startswith("/api/"):
                status, body = client.api("GET", path)
                if isinstance(body, dict) and path.startswith("/api/complaints/"):
                    seen_tickets = [r["id"] for r in body.get("results", [])[:20]] or seen_tickets
                if path.startswith("/api/notifications/") and isinstance(body, dict):
                    for n in body.get("results", [])[:1]:
                        client.api("POST", f"/api/notifications/{n['id']}/read/")
            else:
                client.get(path)
        stop.wait(rnd.uniform(args.pause_min, args.pause_max))


def pg_connect(dsn: str) -> Any:
    import psycopg2

    conn = psycopg2.connect(dsn, connect_timeout=5)
    conn.autocommit = True
    return conn


def pg_query(conn: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, params or None)
        return cur.fetchall() if cur.description else []


# --- the clock: deadlines fall due during the run ---------------------------------------------
def clock_loop(dsn: str, stop: threading.Event, every: float, per_tick: int, touched: set[int]) -> None:
    conn = None
    while not stop.wait(every):
        try:
            if conn is None or conn.closed:
                conn = pg_connect(dsn)
            rows = pg_query(
                conn,
                """UPDATE complaints_deadline SET
                       warn_at = now() - interval '1 second',
                       due_at = now() + interval '45 seconds',
                       opens_at = LEAST(opens_at, now() - interval '1 second')
                   WHERE id IN (SELECT id FROM complaints_deadline
                                WHERE met_at IS NULL AND cancelled_at IS NULL AND warned_at IS NULL
                                  AND breached_at IS NULL
                                  AND complaint_id IN (SELECT c.id FROM complaints_complaint c
                                      JOIN csat_store s ON s.id = c.store_id WHERE s.code = 'SZ01')
                                ORDER BY id LIMIT %s)
                   RETURNING id""",
                per_tick,
            )
            touched.update(r[0] for r in rows)
        except Exception as exc:  # noqa: BLE001 - PostgreSQL restarting: try again next tick
            log(f"clock: {type(exc).__name__}: {str(exc)[:80]}")
            conn = None


# --- checks -----------------------------------------------------------------------------------
def check_books(dsn: str, cutoff: float, books: Books, mail_dir: Path) -> dict[str, Any]:
    conn = pg_connect(dsn)
    try:
        q = lambda sql, *p: pg_query(conn, sql, *p)  # noqa: E731
        out: dict[str, Any] = {}
        for kind, col, stamp in (("warning", "warn_at", "warned_at"), ("breach", "due_at", "breached_at")):
            expected = q(
                f"""SELECT d.id FROM complaints_deadline d
                    WHERE d.{col} < to_timestamp(%s) AND (
                        (d.met_at IS NULL AND d.cancelled_at IS NULL) OR d.{stamp} IS NOT NULL)""",  # noqa: S608
                cutoff,
            )
            expected_ids = {r[0] for r in expected}
            found = q(
                "SELECT deadline_id, count(*) FROM complaints_deadlinealert WHERE kind = %s GROUP BY 1", kind
            )
            found_ids = {r[0] for r in found}
            out[f"deadline_{kind}"] = {
                "expected": len(expected_ids),
                "found": len(expected_ids & found_ids),
                "lost": sorted(expected_ids - found_ids)[:20],
                "doubled": [r[0] for r in found if r[1] > 1],
                "alerts_total": len(found_ids),
            }
        # The demo's second store has no manager (nobody to tell): inbox rows are checked in SZ01.
        alerts = q(
            """SELECT 'deadline:' || a.deadline_id || ':' || a.kind FROM complaints_deadlinealert a
               JOIN complaints_deadline d ON d.id = a.deadline_id
               JOIN complaints_complaint c ON c.id = d.complaint_id
               JOIN csat_store s ON s.id = c.store_id WHERE s.code = 'SZ01'"""
        )
        keys = {r[0] for r in alerts}
        notified = dict(
            q("SELECT key, count(*) FROM csat_notification WHERE key LIKE 'deadline:%%' GROUP BY 1")
        )
        doubled_n = q(
            "SELECT recipient_id, key, count(*) FROM csat_notification GROUP BY 1, 2 HAVING count(*) > 1"
        )
        out["deadline_notifications"] = {
            "alerts": len(keys),
            "alerts_with_inbox_rows": len(keys & set(notified)),
            "alerts_without": sorted(keys - set(notified))[:20],
            "inbox_rows": sum(notified.values()),
            "doubled": len(doubled_n),
        }
        deliveries = q(
            "SELECT channel, target, key, title, body, sent_at IS NOT NULL, attempts FROM csat_delivery"
        )
        hooks = dict(HOOKS)
        mails: collections.Counter[tuple[str, str]] = collections.Counter()
        for f in mail_dir.glob("*.log"):
            for raw in re.split(r"\n-{79}\n", f.read_text(errors="replace")):
                if not raw.strip():
                    continue
                msg = email.message_from_string(raw.strip())
                subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject", ""))))
                mails[(msg.get("To", ""), subject)] += 1
        # Deliveries that share an address and a title (e.g. two notices titled alike) are compared
        # as a group: received n times for n deliveries is exactly once each.
        unsent: list[tuple[str, str, int]] = []
        hook_groups: collections.Counter[tuple[str, str]] = collections.Counter()
        mail_groups: collections.Counter[tuple[str, str]] = collections.Counter()
        for channel, target, key, title, body, sent, attempts in deliveries:
            if not sent:
                unsent.append((channel, key, attempts))
            if channel == "webhook":
                hook_groups[("/" + target.split("/", 3)[3], f"{title}\n{body}".strip())] += 1
            else:
                mail_groups[(target, title)] += 1
        # times received per delivery (received ÷ deliveries of the group) → deliveries
        hook_counts: collections.Counter[float] = collections.Counter()
        mail_counts: collections.Counter[float] = collections.Counter()
        for group, n in hook_groups.items():
            hook_counts[hooks.get(group, 0) / n] += n
        for group, n in mail_groups.items():
            mail_counts[mails.get(group, 0) / n] += n
        out["deliveries"] = {
            "total": len(deliveries),
            "unsent": len(unsent),
            "unsent_sample": unsent[:10],
            "webhook_received_times": dict(hook_counts),  # times received → deliveries
            "email_received_times": dict(mail_counts),
            "webhook_posts": sum(hooks.values()),
            "webhook_deliveries": sum(hook_groups.values()),
            "mails": sum(mails.values()),
            "email_deliveries": sum(mail_groups.values()),
        }
        # Surveys: one per accepted key, none for the rest; at most one ticket each.
        accepted = {k: v for k, v in books.surveys.items() if isinstance(v, int)}
        refused = {k: v for k, v in books.surveys.items() if not isinstance(v, int)}
        ids = set(accepted.values())
        in_db = (
            {r[0] for r in q("SELECT id FROM callbacks_survey WHERE id = ANY(%s)", list(ids))}
            if ids
            else set()
        )
        since = q("SELECT count(*) FROM callbacks_survey WHERE created_at >= to_timestamp(%s)", books.start)[
            0
        ][0]
        # A survey's ticket is a one-to-one field: count the unhappy ones that got theirs.
        with_ticket = q(
            "SELECT count(*) FROM callbacks_survey WHERE id = ANY(%s) AND complaint_id IS NOT NULL", list(ids)
        )[0][0]
        out["surveys"] = {
            "posted_keys": len(books.surveys),
            "accepted": len(accepted),
            "distinct_ids": len(ids),
            "found": len(in_db),
            "created_during_run": since,
            "not_answered": len(refused),
            "refused_sample": list(refused.values())[:5],
            "with_ticket": with_ticket,
        }
        cids = {v for v in books.complaints.values() if isinstance(v, int)}
        out["complaints_created"] = {
            "accepted": len([v for v in books.complaints.values() if isinstance(v, int)]),
            "distinct_ids": len(cids),
            "not_answered": len([v for v in books.complaints.values() if not isinstance(v, int)]),
        }
        return out
    finally:
        conn.close()


def summarise_http(rec: Recorder, windows: list[tuple[str, float, float]]) -> dict[str, Any]:
    by_user: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    statuses: collections.Counter[int] = collections.Counter()
    inside: collections.Counter[str] = collections.Counter()
    outside: collections.Counter[int] = collections.Counter()
    outside_rows = []
    for t, user, method, label, status in rec.rows:
        by_user[user][status] += 1
        statuses[status] += 1
        if status >= 500 or status == 0:
            hit = next((name for name, a, b in windows if a <= t <= b), None)
            if hit:
                inside[hit] += 1
            else:
                outside[status] += 1
                outside_rows.append(
                    (time.strftime("%H:%M:%S", time.localtime(t)), user, method, label, status)
                )
    return {
        "requests": len(rec.rows),
        "by_user": {
            u: {"total": sum(c.values()), **{str(k): v for k, v in sorted(c.items())}}
            for u, c in by_user.items()
        },
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors_inside_windows": dict(inside),
        "errors_outside_windows": {str(k): v for k, v in outside.items()},
        "outside_sample": outside_rows[:30],
    }


def main() -> int:  # noqa: PLR0915 - one script, read top to bottom
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=1800, help="seconds of traffic")
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, required=True, help="a PostgreSQL of your own: it is restarted")
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--pg-restart", required=True, help="shell command restarting that PostgreSQL")
    p.add_argument("--redis-port", type=int, required=True, help="a Redis of your own: it is restarted")
    p.add_argument("--redis-restart", default="", help="shell command restarting that Redis")
    p.add_argument("--restarts", default="redis@0.3,postgres@0.5,redis@0.7")
    p.add_argument(
        "--window-grace", type=float, default=30.0, help="seconds after a restart still in its window"
    )
    p.add_argument("--db", default=f"csat_soak_{os.getpid()}")
    p.add_argument("--web-port", type=int, default=0)
    p.add_argument("--customers", type=int, default=400)
    p.add_argument(
        "--template", default="", help="copy this migrated, seeded database instead of migrate + seed"
    )
    p.add_argument("--survey-every", type=float, default=6.0)
    p.add_argument("--complaint-every", type=float, default=15.0)
    p.add_argument("--pause-min", type=float, default=0.3)
    p.add_argument("--pause-max", type=float, default=1.5)
    p.add_argument("--clock-every", type=float, default=20.0)
    p.add_argument("--clock-per-tick", type=int, default=4)
    p.add_argument("--settle", type=float, default=480.0, help="at most this long for deliveries to finish")
    p.add_argument(
        "--work", default="", help="folder for logs, mail and the report (default: a new /tmp one)"
    )
    p.add_argument("--out", default="", help="write the JSON report here too")
    args = p.parse_args()
    args.web_port = args.web_port or free_port()
    if not args.redis_restart:
        port = args.redis_port
        args.redis_restart = (
            f"redis-cli -p {port} shutdown nosave; sleep 8; "
            f"redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no --daemonize yes"
        )
    if args.pg_port == 5432 or args.redis_port == 6379:
        raise SystemExit("Refusing the shared PostgreSQL 5432 / Redis 6379: start your own on other ports.")

    work = Path(args.work or tempfile.mkdtemp(prefix="csat-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    mail_dir = work / "mail"
    mail_dir.mkdir(exist_ok=True)
    dsn = f"postgresql://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DEBUG="false",
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db}",
        REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        MEDIA_ROOT=str(work / "media"),
        STATIC_ROOT=str(work / "static"),
        PYTHONUNBUFFERED="1",
        AXES_FAILURE_LIMIT="1000",
    )

    sink_port = free_port()
    sink = ThreadingHTTPServer(("127.0.0.1", sink_port), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()

    log(f"database {args.db} on {args.pg_host}:{args.pg_port}; work folder {work}")
    pg = ["-h", args.pg_host, "-p", str(args.pg_port), "-U", args.pg_user]
    subprocess.run(["dropdb", *pg, "--if-exists", "--force", args.db], check=True)  # noqa: S603,S607
    template = ["-T", args.template] if args.template else []
    subprocess.run(["createdb", *pg, *template, args.db], check=True)  # noqa: S603,S607
    if not args.template:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--force", "--customers", str(args.customers))
    if not (work / "static" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput")
    manage(env, "shell", "-c", SETUP.format(password=PASSWORD, sink=sink_port))

    conn = pg_connect(dsn)
    customers = [r[0] for r in pg_query(conn, "SELECT c.id FROM csat_customer c JOIN csat_store s ON s.id = c.store_id WHERE s.code = 'SZ01' ORDER BY c.id")]  # fmt: skip
    deps = dict(pg_query(conn, "SELECT d.kind, d.id FROM csat_department d JOIN csat_store s ON s.id = d.store_id WHERE s.code = 'SZ01'"))  # fmt: skip
    conn.close()
    shared = {
        "customers": customers,
        "care_department": deps["customer_care"],
        "departments": [deps[k] for k in ("sales", "business", "service", "finance", "parts")],
    }

    stack = Stack(args, env, work)
    stack.start_all()
    base = f"http://127.0.0.1:{args.web_port}"
    for _ in range(90):
        try:
            if requests.get(base + "/healthz?skip=beat", timeout=3).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(1)
    else:
        stack.stop()
        raise SystemExit("gunicorn did not become healthy")
    # The mandatory after-sales items, answered "satisfied"/first choice.
    probe = Client(base, "agent", Recorder())
    probe.login()
    _, items = probe.api("GET", "/api/survey-items/?type=after_sales")
    shared["items"] = {
        it["key"]: (it["choices"][0]["value"] if it.get("choices") else 9)
        for it in items["results"]
        if it.get("mandatory") and it.get("answer_in") == "items"
    }

    rec, books, stop = Recorder(), Books(), threading.Event()
    books.start = time.time()
    touched: set[int] = set()
    samples: list[dict[str, Any]] = []
    threads = [
        threading.Thread(
            target=role_loop, args=(Client(base, u, rec), args, stop, books, shared), daemon=True
        )
        for u in USERS
    ]
    threads.append(
        threading.Thread(
            target=clock_loop, args=(dsn, stop, args.clock_every, args.clock_per_tick, touched), daemon=True
        )
    )

    def sample() -> dict[str, Any]:
        s = {
            "t": round(time.time() - books.start),
            "rss_mb": stack.rss(),
            "load": os.getloadavg(),
            "alive": stack.alive(),
        }
        samples.append(s)
        return s

    log(f"traffic for {args.duration:.0f} s from {len(USERS)} users on {base}")
    for t in threads:
        t.start()
    plan = []
    for item in args.restarts.split(","):
        if item.strip():
            what, at = item.strip().split("@")
            plan.append((float(at) * args.duration, what))
    plan.sort()
    windows: list[tuple[str, float, float]] = []
    start = books.start
    next_sample = 0.0
    while time.time() - start < args.duration:
        elapsed = time.time() - start
        if plan and elapsed >= plan[0][0]:
            _, what = plan.pop(0)
            cmd = args.redis_restart if what == "redis" else args.pg_restart
            log(f"restarting {what}: {cmd}")
            began = time.time()
            rc = subprocess.run(cmd, shell=True, check=False).returncode  # noqa: S602 - the operator's command
            ended = time.time()
            windows.append((f"{what}@{round(began - start)}s", began, ended + args.window_grace))
            log(f"{what} restarted (exit {rc}) in {ended - began:.1f} s")
        if elapsed >= next_sample:
            s = sample()
            log(
                f"t={s['t']}s requests={len(rec.rows)} rss={s['rss_mb']} load={s['load'][0]:.2f} alive={s['alive']}"
            )
            next_sample += 60
        time.sleep(1)
    stop.set()
    for t in threads:
        t.join(120)
    cutoff = time.time()
    final_traffic = sample()
    log(f"traffic stopped ({len(rec.rows)} requests); settling up to {args.settle:.0f} s")

    # Settle: one more sweep for everything due before the cutoff, and the deliveries.
    settle_end = time.time() + args.settle
    time.sleep(min(90, args.settle))
    while time.time() < settle_end:
        try:
            conn = pg_connect(dsn)
            unsent = pg_query(conn, "SELECT count(*) FROM csat_delivery WHERE sent_at IS NULL")[0][0]
            conn.close()
        except Exception as exc:  # noqa: BLE001 - report and keep waiting
            log(f"settle: {exc}")
            unsent = -1
        if unsent == 0:
            break
        log(f"{unsent} deliveries not yet sent")
        time.sleep(20)
    books_report = check_books(dsn, cutoff, books, mail_dir)
    final = sample()
    stack.stop()
    sink.shutdown()

    report = {
        "duration_s": args.duration,
        "restart_windows": [(n, round(a - start), round(b - start)) for n, a, b in windows],
        "http": summarise_http(rec, windows),
        "books": books_report,
        "clock_touched_deadlines": len(touched),
        "rss_mb": {"first": samples[0]["rss_mb"], "after_warmup": samples[min(2, len(samples) - 1)]["rss_mb"],
                   "end_of_traffic": final_traffic["rss_mb"], "end": final["rss_mb"]},
        "load": [(s["t"], round(s["load"][0], 2)) for s in samples],
        "samples": samples,
        "alive_at_end": final["alive"],
    }  # fmt: skip
    text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
    (work / "report.json").write_text(text)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    b = books_report
    problems = []
    for kind in ("deadline_warning", "deadline_breach"):
        if b[kind]["lost"] or b[kind]["doubled"]:
            problems.append(f"{kind}: lost {b[kind]['lost']} doubled {b[kind]['doubled']}")
    if b["deadline_notifications"]["alerts_without"] or b["deadline_notifications"]["doubled"]:
        problems.append(f"notifications: {b['deadline_notifications']}")
    d = b["deliveries"]
    if (
        d["unsent"]
        or set(d["webhook_received_times"]) - {1}
        or set(d["email_received_times"]) - {1}
        or d["webhook_posts"] != d["webhook_deliveries"]
        or d["mails"] != d["email_deliveries"]
    ):
        problems.append(f"deliveries: {d}")
    s = b["surveys"]
    if s["found"] != s["accepted"] or s["created_during_run"] != s["accepted"]:
        problems.append(f"surveys: {s}")
    if report["http"]["errors_outside_windows"]:
        problems.append(f"5xx outside the windows: {report['http']['errors_outside_windows']}")
    for prob in problems:
        log("PROBLEM " + prob)
    log("PASS" if not problems else f"FAIL ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
