from typing import Any

from django.core.management.base import BaseCommand

from complaints.services.deadlines import enforce_deadlines


class Command(BaseCommand):
    help = "Run one deadline sweep now (what beat runs every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = enforce_deadlines()
        self.stdout.write(f"warnings: {counts['warnings']}, breaches: {counts['breaches']}")
