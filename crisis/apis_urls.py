"""REST routes of the crisis app, mounted under /api/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
