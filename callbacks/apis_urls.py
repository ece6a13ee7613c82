"""REST routes of the callbacks app, mounted under /api/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
