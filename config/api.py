from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from csat.apis import core, tokens
from csat.apis.notifications import NotificationViewSet
from intake.apis import ImportJobViewSet

router = DefaultRouter()
router.register("stores", core.StoreViewSet, basename="store")
router.register("departments", core.DepartmentViewSet, basename="department")
router.register("customers", core.CustomerViewSet, basename="customer")
router.register("vehicles", core.VehicleViewSet, basename="vehicle")
router.register("sales", core.SalesDeliveryViewSet, basename="sale")
router.register("service-visits", core.ServiceVisitViewSet, basename="service-visit")
router.register("import", ImportJobViewSet, basename="import")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", tokens.TokenObtainApi.as_view(), name="api-token"),
    path("auth/logout/", tokens.TokenLogoutApi.as_view(), name="api-token-logout"),
    path("auth/tokens/", tokens.TokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_key>/", tokens.TokenDetailApi.as_view(), name="api-token-detail"),
    path("me/", core.MeApi.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file (no inline script); Swagger UI styles itself inline.
    path(
        "docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("callbacks.apis_urls")),
    path("", include("complaints.apis_urls")),
    path("", include("prevention.apis_urls")),
    path("", include("crisis.apis_urls")),
    path("", include("reports.apis_urls")),
    # Namespaced: the router's "customer-detail", "import-list"… must not shadow the HTML pages' names.
    path("", include((router.urls, "api"))),
]
