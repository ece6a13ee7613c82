"""Pages of the audit app."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("settings/", views.settings_log, name="settings"),
    path("export.xlsx", views.audit_log_export, name="export"),
    path("history/<str:kind>/<int:pk>/", views.history_panel, name="history"),
    path("history/<str:kind>/<int:pk>/export.xlsx", views.history_export, name="history-export"),
]
