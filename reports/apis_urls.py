"""REST routes of the reports app, mounted under /api/."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from reports import apis

router = SimpleRouter()
router.register("reports/monthly", apis.MonthlyReportViewSet, basename="api-monthly-report")

urlpatterns = [
    # GET /api/reports/monthly/2026-03/xlsx — the latest version of that month (CONTRACT.md).
    re_path(
        r"^reports/monthly/(?P<month>\d{4}-\d{2})/xlsx/?$",
        apis.MonthlyReportXlsxApi.as_view(),
        name="api-monthly-report-month-xlsx",
    ),
    *router.urls,
]
