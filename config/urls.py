from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from csat import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", views.customer_search_page, name="customer-search"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("imports/", include("intake.urls")),
    path("callbacks/", include("callbacks.urls")),
    path("complaints/measures/", include("prevention.urls")),
    path("complaints/", include("complaints.urls")),
    path("crisis/", include("crisis.urls")),
    path("reports/", include("reports.urls")),
    path("", include("surveylinks.urls")),  # /s/<token>/ (the customer's page) and /survey-links/
    path("audit/", include("audit.urls")),
    path("api/", include("config.api")),
    path("admin/", admin.site.urls),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("notifications/unread/", views.notifications_unread, name="notifications-unread"),
    path("calendar/", views.calendar_overrides, name="calendar-overrides"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
handler400 = "csat.errors.bad_request"  # what was wrong, in the user's language
handler500 = "csat.errors.server_error"  # a clear message, never a traceback
# Uploads are never served from MEDIA_URL (not even with DEBUG): each goes through a view that
# checks the record's access rules first (csat.uploads, e.g. complaints:agreement).
