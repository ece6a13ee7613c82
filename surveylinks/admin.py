"""Admin: survey links (read-mostly; revoke is the one action) and the SMS opt-out list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from csat.exceptions import ApplicationError
from surveylinks import services
from surveylinks.models import SmsOptOut, SurveyLink, SurveyLinkEvent


class EventInline(admin.TabularInline):
    model = SurveyLinkEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "action", "actor", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SurveyLink)
class SurveyLinkAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "store",
        "task",
        "kind",
        "channel",
        "send_state",
        "opened_at",
        "answered_at",
        "revoked_at",
    )
    list_filter = ("store", "kind", "channel", "send_state", "trigger")
    readonly_fields = [f.name for f in SurveyLink._meta.fields]
    inlines = [EventInline]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("作废所选调查链接"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[SurveyLink]) -> None:
        done = 0
        for link in queryset:
            try:
                services.survey_link_revoke(link=link, actor=request.user, reason=_("管理员作废"))
                done += 1
            except ApplicationError as exc:
                messages.warning(request, f"#{link.pk}: {exc.message}")
        messages.success(request, _("已作废 %(n)s 个调查链接。") % {"n": done})


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ("mobile", "at", "source")
    search_fields = ("mobile",)
