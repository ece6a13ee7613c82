"""REST routes of the complaints app, mounted under /api/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.apis import AssessmentApi, ComplaintViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = [path("assessment/", AssessmentApi.as_view(), name="api-assessment"), *router.urls]
