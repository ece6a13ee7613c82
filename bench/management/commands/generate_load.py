"""CSAT_BENCH=1 python manage.py generate_load [--stores 50] [--customers 1000000] [--scale 1] [--seed 8] [--flush]

Exists only where the bench app is installed (CSAT_BENCH on), and refuses to run otherwise: it can
delete every store and user (--flush).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bench import loadgen


class Command(BaseCommand):
    help = (
        "Generate a dealer group at benchmark scale in PostgreSQL (1M customers, 4M visits, 3M tasks, "
        "2M surveys, 50k complaints by default). Deterministic with --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stores", type=int, default=50)
        parser.add_argument(
            "--customers", type=int, default=1_000_000, help="everything else is proportional"
        )
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies --customers, e.g. 0.01")
        parser.add_argument("--seed", type=int, default=8, help="same seed (and --until), same data")
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            default=None,
            help="data ends the day before (default today)",
        )
        parser.add_argument(
            "--flush", action="store_true", help="first delete EVERY store and user and their records"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "CSAT_BENCH", False):
            raise CommandError("generate_load is a benchmark tool: it runs only with CSAT_BENCH=1.")
        customers = round(options["customers"] * options["scale"])
        until = options["until"] or timezone.localdate()
        try:
            if options["flush"]:
                loadgen.ensure_postgresql()
                loadgen.flush()
            loadgen.generate(
                stores=options["stores"],
                customers=customers,
                seed=options["seed"],
                until=until,
                out=self.stdout.write,
            )
        except loadgen.LoadError as exc:
            raise CommandError(str(exc)) from exc
