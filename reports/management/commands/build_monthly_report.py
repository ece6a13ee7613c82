from typing import Any

from django.core.management.base import BaseCommand, CommandError

from csat.models import Store
from reports import selectors
from reports.models import Trigger
from reports.services import report_build


class Command(BaseCommand):
    help = "Build and store the month's report (a new version): the group and every store, or one store."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--store", help="a store code; GROUP for the group report only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = selectors.parse_month(options["month"])
        except ValueError:
            raise CommandError("month must be YYYY-MM, e.g. 2026-03") from None
        code = options.get("store")
        if code == selectors.GROUP:
            stores: list[Store | None] = [None]
        elif code:
            store = Store.objects.filter(code=code).first()
            if store is None:
                raise CommandError(f"no store with code {code!r}")
            stores = [store]
        else:
            stores = [None, *Store.objects.order_by("code")]
        for store in stores:
            report = report_build(month=month, store=store, trigger=Trigger.COMMAND)
            self.stdout.write(f"{report.month:%Y-%m} {report.scope} v{report.version} (#{report.pk})")
