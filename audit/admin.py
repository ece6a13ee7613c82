"""Export records are read-only in the admin: an audit trail is never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from audit.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "username", "kind", "store", "row_count", "via")
    list_filter = ("kind", "via")
    search_fields = ("username",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
