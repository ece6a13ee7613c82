from typing import Any

from django.contrib import admin

from reports.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Versions are immutable: the admin lists them and never edits one."""

    list_display = ["month", "scope", "version", "trigger", "built_by", "built_at", "data_as_of"]
    list_filter = ["trigger", "scope"]
    date_hierarchy = "month"
    exclude = ["data"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
