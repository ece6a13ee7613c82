"""python manage.py seed_demo [--customers N] [--months M] [--seed S] [--force]"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create realistic demo data and one demo account per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=300, help="customers across both stores")
        parser.add_argument("--months", type=int, default=6, help="months of sales and service history")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: refusing to add demo data to what may be production. Use --force."
            )
        if options["customers"] < 1 or options["months"] < 1:
            raise CommandError("--customers and --months must be at least 1.")
        summary = seed_demo(customers=options["customers"], months=options["months"], seed=options["seed"])
        for key, value in summary.items():
            self.stdout.write(f"{key}: {value}")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password {DEMO_PASSWORD}):"))
        for username, label in DEMO_ACCOUNT_LABELS:
            self.stdout.write(f"  {username:<13} {label}")


DEMO_ACCOUNT_LABELS = [
    ("agent", "回访专员 call-centre agent"),
    ("ccmanager", "客户部经理 customer-care manager"),
    ("sales_mgr", "销售经理 sales manager"),
    ("business_mgr", "业务经理 business manager"),
    ("service_mgr", "服务经理 service manager"),
    ("admin_mgr", "综合部经理 admin manager / assessor"),
    ("finance_mgr", "财务经理 finance manager"),
    ("parts_sup", "配件主管 parts supervisor"),
    ("gm", "总经理 general manager"),
    ("hq", "集团总部 head office (read-only, all stores)"),
]
