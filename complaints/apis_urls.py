"""REST routes of the complaints app, mounted under /api/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.apis import AssessmentApi, ComplaintViewSet
from complaints.prevention_apis import MeasureViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("preventive-measures", MeasureViewSet, basename="preventive-measure")

urlpatterns = [path("assessment/", AssessmentApi.as_view(), name="api-assessment"), *router.urls]
