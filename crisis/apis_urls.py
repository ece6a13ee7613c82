"""REST routes of the crisis app, mounted under /api/."""

from rest_framework.routers import SimpleRouter

from crisis.apis import CrisisViewSet

router = SimpleRouter()
router.register("crises", CrisisViewSet, basename="crisis")

urlpatterns = router.urls
