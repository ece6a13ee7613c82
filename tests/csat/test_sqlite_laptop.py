"""A laptop's SQLite file shared by web, worker and beat: two writers at once both succeed.

A transaction that reads before it writes (every service that locks then updates a ticket) used to
fail at once with "database is locked" when another one wrote at the same moment: SQLite cannot
upgrade a read lock while another connection holds one, and does not wait for it. Run in a fresh
interpreter on the laptop settings (config.settings.local) against a file, as `dev.py start` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, threading, time, django
django.setup()
from django.db import connection, connections, transaction
with connection.cursor() as c:
    c.execute("create table probe (id integer primary key, who text)")
connection.close()
errors = []
def write(who):
    try:
        with transaction.atomic():
            with connections["default"].cursor() as c:
                c.execute("select count(*) from probe")  # read first, as a service does
                time.sleep(0.3)  # the other writer starts meanwhile
                c.execute("insert into probe (who) values (%s)", [who])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections["default"].close()
threads = [threading.Thread(target=write, args=(w,)) for w in ("web", "worker")]
for t in threads:
    t.start()
for t in threads:
    t.join()
with connection.cursor() as c:
    c.execute("select who from probe order by who")
    rows = [r[0] for r in c.fetchall()]
    c.execute("pragma journal_mode")
    mode = c.fetchone()[0]
print(json.dumps({"errors": errors, "rows": rows, "mode": mode}))
"""


def test_two_writers_on_one_sqlite_file_wait_for_each_other(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'laptop.sqlite3'}",
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="x",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["rows"] == ["web", "worker"]
    # Pages read while the worker writes (write-ahead log instead of a rollback journal).
    assert outcome["mode"] == "wal"
