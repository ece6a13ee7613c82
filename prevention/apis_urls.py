"""REST routes of the prevention app, mounted under /api/."""

from rest_framework.routers import SimpleRouter

from prevention.apis import MeasureViewSet

router = SimpleRouter()
router.register("preventive-measures", MeasureViewSet, basename="preventive-measure")

urlpatterns = router.urls
