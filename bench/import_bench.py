#!/usr/bin/env python
"""Benchmark: a 100,000-row service-visit import (issue 3). Not a unit test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench .venv/bin/python bench/import_bench.py --rows 100000

What it does, on config.settings.local (DEBUG off):
1. creates the database if it does not exist (PostgreSQL) and migrates it;
2. creates a fresh store with service advisors and technicians;
3. generates a realistic service-visit xlsx in a child process (so its memory is not counted):
   new customers and vehicles, valid VINs (check digit from csat.domain.identifiers), plates,
   mobiles, repeat visits of the same car, advisors by username or by name;
4. times **validate** (import_job_create + import_job_validate, as the worker runs it) and **import**
   (import_job_confirm + import_job_run) separately, calling the services directly (Celery's
   ``delay`` is stubbed, so no broker or running worker is involved);
5. appends one row to bench/RESULTS.md: date, machine, database, rows, rows/s, peak RSS, commit.

The bench store and its rows are deleted afterwards unless ``--keep``. On PostgreSQL with
autovacuum off (this machine's server), the tables the import writes are vacuumed first: an earlier
run's cleanup leaves 70,000 dead rows in each, which a production server's autovacuum clears.
Targets: validate ≥ 2,000 rows/s (issue 3), import ≥ 5,000 rows/s (issue 25).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scale_common import git_commit, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_ROWS_PER_SECOND = 2000  # validate (issue 3)
TARGET_IMPORT_ROWS_PER_SECOND = 5000  # import (issue 25)
# What the import writes (and an earlier run's cleanup deleted from).
WRITTEN_TABLES = (
    "csat_customer",
    "csat_vehicle",
    "csat_servicevisit",
    "audit_historicalcustomer",
    "audit_historicalvehicle",
    "csat_importchange",
)
BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - throwaway accounts, deleted after the run

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕玉兰红梅晓东春燕立新"
MODELS = [
    "朗逸",
    "速腾",
    "迈腾",
    "途观L",
    "帕萨特",
    "卡罗拉",
    "凯美瑞",
    "CX-5",
    "雅阁",
    "思域",
    "哈弗H6",
    "比亚迪汉",
]
WMIS = ["LFV", "LSV", "LVS", "LGW", "LHG", "LBV", "LVG", "LSG"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
KINDS = ["保养"] * 6 + ["机修"] * 2 + ["钣喷", "索赔保修", "事故车"]
HEADERS = [
    "工单号", "客户姓名", "手机号", "车牌号", "车架号", "车型", "维修类型",
    "服务顾问", "维修技师", "进厂时间", "交车时间", "里程", "质量返修", "缺件天数",
]  # fmt: skip
ADVISORS = [(f"bench_advisor{i}", f"顾问{SURNAMES[i]}{GIVEN[i]}") for i in range(1, 9)]
TECHNICIANS = [(f"bench_tech{i}", f"技师{SURNAMES[i + 10]}{GIVEN[i + 10]}") for i in range(1, 13)]


# --- the file (generated in a child process) ------------------------------------------------------


def generate(path: Path, rows: int, seed: int, stamp: str) -> None:
    from openpyxl import Workbook

    from csat.domain.identifiers import PROVINCES, vin_check_digit

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    vehicles_wanted = max(1, int(rows * 0.7))  # ~30 % of visits are a car coming back
    mobiles: set[str] = set()
    vins: set[str] = set()
    vehicles: list[dict[str, Any]] = []
    while len(vehicles) < vehicles_wanted:
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        body = rng.choice(WMIS) + "".join(rng.choice(VIN_CHARS) for _ in range(5))
        tail = rng.choice("LMNPRSTV") + rng.choice(VIN_CHARS) + f"{rng.randrange(10**6):06d}"
        vin = body + vin_check_digit(body + "0" + tail) + tail
        if mobile in mobiles or vin in vins:
            continue
        mobiles.add(mobile)
        vins.add(vin)
        province = "粤" if rng.random() < 0.8 else rng.choice(PROVINCES)
        if rng.random() < 0.2:  # new-energy plate
            plate = (
                f"{province}B{rng.choice('DF')}{rng.choice(PLATE_CHARS.replace('O', '').replace('I', ''))}"
            )
            plate += f"{rng.randrange(10**4):04d}"
        else:
            plate = f"{province}{rng.choice('ABCDEFGHJ')}" + "".join(
                rng.choice(PLATE_CHARS.replace("O", "").replace("I", "").replace("Q", "")) for _ in range(5)
            )
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        vehicles.append(
            {"mobile": mobile, "name": name, "vin": vin, "plate": plate, "model": rng.choice(MODELS),
             "km": rng.randrange(500, 80000)}
        )  # fmt: skip

    workbook = Workbook(write_only=True)  # streams rows: the generator's memory stays flat
    sheet = workbook.create_sheet("维修进厂")
    sheet.append(HEADERS)
    start = dt.datetime(2026, 1, 1, 8, 0)  # noqa: DTZ001 - Excel cells carry naive local times
    for n in range(rows):
        vehicle = vehicles[n] if n < len(vehicles) else rng.choice(vehicles)
        vehicle["km"] += rng.randrange(3000, 9000)
        opened = start + dt.timedelta(minutes=n * 2)
        back = opened + dt.timedelta(hours=rng.randrange(1, 30)) if rng.random() < 0.95 else None
        advisor = rng.choice(ADVISORS)
        sheet.append(
            [
                f"RO{opened:%Y%m%d}{n:06d}",
                vehicle["name"],
                vehicle["mobile"],
                vehicle["plate"],
                vehicle["vin"],
                vehicle["model"],
                rng.choice(KINDS),
                f"{advisor[0]}_{stamp}" if rng.random() < 0.7 else advisor[1],  # username or display name
                f"{rng.choice(TECHNICIANS)[0]}_{stamp}" if rng.random() < 0.9 else "",
                opened,
                back,
                vehicle["km"],
                "是" if rng.random() < 0.03 else "否",
                rng.choice((0, 0, 0, 0, 1, 2, 5)),
            ]
        )
    workbook.save(path)


# --- database, store, runs -------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """CREATE DATABASE when a PostgreSQL URL names one that does not exist yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url)
    params = {k.lower(): v for k, v in config.items() if k in ("USER", "PASSWORD", "HOST", "PORT") and v}
    params["dbname"] = "postgres"
    if "port" in params:
        params["port"] = int(params["port"])
    connection = psycopg2.connect(**params)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}")
    connection.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def backend_cpu_s() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (local server, /proc readable), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def vacuum_if_no_autovacuum() -> str:
    """Vacuum the tables the import writes when the server does not (autovacuum off): every run
    then starts from the state a production server keeps. Returns what was done."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return ""
        started = time.perf_counter()
        for table in WRITTEN_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    return f"autovacuum is off: vacuumed {len(WRITTEN_TABLES)} tables in {time.perf_counter() - started:.1f}s"


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 160004
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def append_result(row: dict[str, Any]) -> None:
    columns = [
        "date", "machine", "database", "benchmark", "rows", "validate rows/s", "import rows/s",
        "validate s", "import s", "peak RSS MB", "load avg", "commit",
    ]  # fmt: skip
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppend only: one row per run (`bench/run_all.sh` runs every bench).\n\n"
        )
    text = RESULTS.read_text()
    header = "| " + " | ".join(columns) + " |"
    line = "| " + " | ".join(str(row[c]) for c in columns) + " |"
    if header in text:  # the row goes at the end of that table, not of the file
        lines = text.split("\n")
        end = lines.index(header) + 1
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        RESULTS.write_text("\n".join([*lines[:end], line, *lines[end:]]))
        return
    with RESULTS.open("a") as out:
        out.write("\n## Service-visit import (`bench/import_bench.py`, target ≥ 2,000 rows/s)\n\n")
        out.write(header + "\n|" + "|".join("---" for _ in columns) + "|\n" + line + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the bench store and its rows")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument(
        "--profile", type=int, metavar="N", default=0, help="cProfile the import step, print the top N lines"
    )
    parser.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--stamp", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    if args.generate:
        generate(Path(args.generate), args.rows, args.seed, args.stamp)
        return 0

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DEBUG", "0")  # no query log, no debug cursor
    work = Path(tempfile.mkdtemp(prefix="csat-bench-"))
    os.environ.setdefault("MEDIA_ROOT", str(work / "media"))
    os.environ.setdefault("BROKER_DIR", str(work / "broker"))  # never the dev app's queue
    ensure_database(os.environ.get("DATABASE_URL", ""))
    load_before = os.getloadavg()[0]  # a shared machine is slower: say how busy it was

    file_path = work / "service_visits.xlsx"
    stamp = dt.datetime.now(dt.UTC).strftime("%m%d%H%M%S")  # usernames are global: one set per run
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this very script, as the file generator
        [sys.executable, __file__, "--generate", str(file_path), "--rows", str(args.rows)]
        + ["--seed", str(args.seed), "--stamp", stamp],
        check=True,
    )
    size_mb = file_path.stat().st_size / 1024 / 1024
    print(f"generated {args.rows:,} rows, {size_mb:.1f} MB in {time.perf_counter() - started:.1f}s")

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from csat import services as core_services
    from csat.models import Customer, Role, ServiceVisit, StaffProfile, Store, Vehicle
    from intake import services, tasks
    from intake.models import ImportChange, ImportJob

    call_command("migrate", interactive=False, verbosity=0)
    vacuumed = vacuum_if_no_autovacuum()
    if vacuumed:
        print(vacuumed)

    # The worker path, driven directly: nothing goes to a broker.
    queued: list[tuple[str, int]] = []
    tasks.validate_import.delay = lambda job_id: queued.append(("validate", job_id))  # type: ignore[method-assign]
    tasks.run_import.delay = lambda job_id: queued.append(("import", job_id))  # type: ignore[method-assign]

    store = Store.objects.create(code=f"BENCH{stamp}", name=f"压测门店{stamp}", city="深圳")
    for username, name in [*ADVISORS, *TECHNICIANS]:
        core_services.staff_create(
            username=f"{username}_{stamp}",
            password=BENCH_PASSWORD,
            name=name,
            role=Role.STAFF,
            store=store,
        )
    agent = core_services.staff_create(
        username=f"bench_agent_{stamp}",
        password=BENCH_PASSWORD,
        name="压测专员",
        role=Role.AGENT,
        store=store,
    )

    try:
        data = file_path.read_bytes()
        t0 = time.perf_counter()
        job = services.import_job_create(
            user=agent,
            store=store,
            kind="service_visits",
            uploaded_file=SimpleUploadedFile("visits.xlsx", data),
        )
        del data
        assert queued == [("validate", job.pk)], queued  # large file: the worker validates it
        job = services.import_job_validate(job_id=job.pk)
        validate_s = time.perf_counter() - t0
        rss_after_validate = rss_mb()
        if job.status != ImportJob.Status.PREVIEW:
            print(job.status, job.message, job.errors[:10])
            raise SystemExit("validation failed: the generated file should be valid")
        print(
            f"validate: {validate_s:.1f}s, {args.rows / validate_s:,.0f} rows/s "
            f"(created {job.created_count:,}, rejected {job.rejected_count}); peak RSS {rss_after_validate:.0f} MB"
        )

        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu0, backend0 = time.process_time(), backend_cpu_s()
        t0 = time.perf_counter()
        services.import_job_confirm(job=job, user=agent)
        assert queued[-1] == ("import", job.pk), queued
        job = services.import_job_run(job_id=job.pk)
        import_s = time.perf_counter() - t0
        cpu_s, backend1 = time.process_time() - cpu0, backend_cpu_s()
        if profiler is not None:
            import pstats

            profiler.disable()
            for sort in ("cumulative", "tottime"):
                pstats.Stats(profiler).strip_dirs().sort_stats(sort).print_stats(args.profile)
        peak = rss_mb()
        assert job.status == ImportJob.Status.DONE, (job.status, job.message)
        visits = ServiceVisit.objects.filter(store=store).count()
        assert visits == args.rows, visits
        print(
            f"import:   {import_s:.1f}s, {args.rows / import_s:,.0f} rows/s "
            f"({visits:,} visits, {Vehicle.objects.filter(store=store).count():,} vehicles, "
            f"{Customer.objects.filter(store=store).count():,} customers); peak RSS {peak:.0f} MB"
        )
        # On a shared machine the wall time moves with the load; the CPU the import used hardly does.
        backend = f"{backend1 - backend0:.1f}s" if backend0 is not None and backend1 is not None else "n/a"
        print(f"import CPU: python {cpu_s:.1f}s, postgres backend {backend}")

        result = {
            "date": dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %z"),
            "machine": machine(),
            "database": database_label(),
            "benchmark": "service visits xlsx",
            "rows": f"{args.rows:,}",
            "validate rows/s": f"{args.rows / validate_s:,.0f}",
            "import rows/s": f"{args.rows / import_s:,.0f}",
            "validate s": f"{validate_s:.1f}",
            "import s": f"{import_s:.1f}",
            "peak RSS MB": f"{peak:.0f}",
            "load avg": f"{load_before:.1f} → {os.getloadavg()[0]:.1f}",
            "commit": git_commit(),
        }
        if not args.no_record:
            append_result(result)
            print(f"appended to {RESULTS.relative_to(ROOT)}")
        slow = []
        if args.rows / validate_s < TARGET_ROWS_PER_SECOND:
            slow.append(f"validate below its target of {TARGET_ROWS_PER_SECOND:,} rows/s")
        if args.rows / import_s < TARGET_IMPORT_ROWS_PER_SECOND:
            slow.append(f"import below its target of {TARGET_IMPORT_ROWS_PER_SECOND:,} rows/s")
        for line in slow:
            print(line)
        return 1 if slow else 0
    finally:
        if not args.keep:
            ImportChange.objects.filter(job__store=store).delete()
            ImportJob.objects.filter(store=store).delete()
            ServiceVisit.objects.filter(store=store).delete()
            Vehicle.objects.filter(store=store).delete()
            Customer.objects.filter(store=store).delete()
            user_ids = list(StaffProfile.objects.filter(store=store).values_list("user_id", flat=True))
            StaffProfile.objects.filter(store=store).delete()
            type(agent).objects.filter(pk__in=user_ids).delete()
            store.departments.all().delete()
            store.delete()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
