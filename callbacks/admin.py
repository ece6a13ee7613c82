"""Admin: reason codes are edited here; tasks, attempts and surveys are inspected read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from callbacks.models import CallAttempt, CallbackEvent, CallbackTask, ReasonCode, Survey


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "label", "label_en", "active", "position"]
    list_filter = ["dimension", "active"]
    list_editable = ["label", "active", "position"]
    search_fields = ["code", "label", "label_en"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Writes go through the services (locks, events, the closed loop), never the admin form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CallAttemptInline(admin.TabularInline):
    model = CallAttempt
    extra = 0
    fields = ("at", "outcome", "by", "note", "call_back_at")
    readonly_fields = fields
    can_delete = False


class CallbackEventInline(admin.TabularInline):
    model = CallbackEvent
    extra = 0
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "store", "type", "customer", "due_at", "status", "close_reason", "claimed_by"]
    list_filter = ["store", "type", "status", "close_reason"]
    search_fields = ["customer__name", "customer__mobile", "vehicle__plate"]
    list_select_related = ["store", "customer", "claimed_by"]
    raw_id_fields = ["customer", "vehicle", "sale", "visit", "assigned_to", "claimed_by"]
    date_hierarchy = "due_at"
    inlines = [CallAttemptInline, CallbackEventInline]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["id", "store", "type", "customer", "surveyed_at", "score_used", "classification", "grade"]
    list_filter = ["store", "type", "channel", "classification", "grade"]
    search_fields = ["customer__name", "customer__mobile", "remarks"]
    list_select_related = ["store", "customer"]
    raw_id_fields = ["customer", "vehicle", "callback", "complaint", "surveyed_by"]
    date_hierarchy = "surveyed_at"
