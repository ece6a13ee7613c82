"""REST routes of the crisis app, mounted under /api/."""

from rest_framework.routers import DefaultRouter

from crisis.apis import CrisisViewSet

router = DefaultRouter()
router.register("crises", CrisisViewSet, basename="crisis")

urlpatterns = router.urls
