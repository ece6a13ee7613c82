import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crisis.early_warning.feedback import COLUMNS, feedback_rows
from csat.models import Store


class Command(BaseCommand):
    help = (
        "Write the GM's verdicts on word signals (case opened: 1, dismissed: 0) as a TSV of labelled "
        "texts for the next fit of the early-warning model (bench/early_warning_train.py --feedback). "
        "Phone numbers, plates, VINs, ID numbers, e-mail addresses and known names are scrubbed; read "
        "the file before it leaves the store."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--store", action="append", default=[], help="a store code (repeatable); all if none"
        )
        parser.add_argument("--since", help="only signals fired on or after this day, YYYY-MM-DD")
        parser.add_argument("--output", "-o", help="the TSV file to write; standard output if none")

    def handle(self, *args: Any, **options: Any) -> None:
        stores = None
        if options["store"]:
            stores = list(Store.objects.filter(code__in=options["store"]))
            unknown = sorted(set(options["store"]) - {s.code for s in stores})
            if unknown:
                raise CommandError(f"no store with code {', '.join(map(repr, unknown))}")
        since = None
        if options["since"]:
            try:
                day = dt.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since must be YYYY-MM-DD, e.g. 2026-01-01") from None
            since = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        feedback = feedback_rows(stores=stores, since=since)
        table = io.StringIO()
        # Tabs and line breaks cannot occur in a value (feedback_rows joins the words' whitespace),
        # and quotes are kept as written: the file reads back with csv.QUOTE_NONE, as the corpus does.
        writer = csv.DictWriter(
            table, COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(feedback.rows)
        if options["output"]:
            path = Path(options["output"])
            if not path.parent.is_dir():
                raise CommandError(f"no such folder: {path.parent}")
            try:
                path.write_text(table.getvalue(), encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        else:
            self.stdout.write(table.getvalue(), ending="")
        opened = sum(1 for r in feedback.rows if r["label"] == "1")
        self.stderr.write(
            f"{len(feedback.rows)} texts ({opened} from opened cases, {len(feedback.rows) - opened} dismissed); "
            f"left out: {feedback.conflicting} judged both ways, {feedback.missing} records gone"
        )
