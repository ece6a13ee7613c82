from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from csat import services
from csat.models import (
    CalendarOverride,
    CalendarYear,
    Customer,
    Department,
    DutyRoster,
    SalesDelivery,
    ServiceVisit,
    StaffProfile,
    Store,
    Vehicle,
)

admin.site.site_header = _("客户服务管理系统")
admin.site.site_title = _("csat 管理")
admin.site.index_title = _("系统管理")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city"]
    search_fields = ["code", "name", "city"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "store"]
    list_filter = ["store", "kind"]
    list_select_related = ["store"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "store", "department"]
    list_filter = ["role", "store"]
    list_select_related = ["user", "store", "department__store"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class VehicleInline(admin.TabularInline):
    model = Vehicle
    extra = 0
    fields = ["plate", "vin", "model", "purchase_date"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_mobile", "store", "do_not_contact", "created_at"]
    list_filter = ["store", "do_not_contact"]
    list_select_related = ["store"]
    search_fields = ["name", "=mobile"]
    inlines = [VehicleInline]

    @admin.display(description=_("手机号"))
    def masked_mobile(self, obj: Customer) -> str:
        return obj.masked_mobile


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate_display", "vin", "model", "customer", "store"]
    list_filter = ["store", "model"]
    list_select_related = ["store", "customer"]
    search_fields = ["=plate", "=vin"]
    raw_id_fields = ["customer"]


@admin.register(SalesDelivery)
class SalesDeliveryAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "customer", "consultant", "delivered_at", "store"]
    list_filter = ["store"]
    list_select_related = ["store", "vehicle", "customer", "consultant"]
    raw_id_fields = ["vehicle", "customer"]
    date_hierarchy = "delivered_at"


@admin.register(ServiceVisit)
class ServiceVisitAdmin(admin.ModelAdmin):
    list_display = [
        "repair_order_no",
        "vehicle",
        "kind",
        "service_advisor",
        "opened_at",
        "handed_back_at",
        "store",
    ]
    list_filter = ["store", "kind", "quality_related"]
    list_select_related = ["store", "vehicle", "service_advisor"]
    search_fields = ["=repair_order_no"]
    raw_id_fields = ["vehicle", "customer"]
    date_hierarchy = "opened_at"


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]

    def save_model(self, request: Any, obj: CalendarOverride, form: Any, change: bool) -> None:
        # Through the service, so open deadlines are recomputed.
        saved = services.calendar_override_set(
            date=obj.date, is_working_day=obj.is_working_day, note=obj.note
        )
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: CalendarOverride) -> None:
        services.calendar_override_delete(override=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            services.calendar_override_delete(override=obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "confirmed_at", "confirmed_by", "note")
    readonly_fields = ("confirmed_at", "confirmed_by")
    fields = ("year", "note", "confirmed_at", "confirmed_by")

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        # Through the service: confirming a year moves the open deadlines it affects.
        saved = services.calendar_year_confirm(year=obj.year, user=request.user, note=obj.note)
        obj.pk = saved.pk


@admin.register(DutyRoster)
class DutyRosterAdmin(admin.ModelAdmin):
    list_display = ("store", "user", "starts_on", "ends_on", "note")
    list_filter = ("store",)
    date_hierarchy = "starts_on"
    autocomplete_fields = ("user",)
    list_select_related = ("store", "user")
