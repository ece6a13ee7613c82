"""REST routes of the callbacks app, mounted under /api/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from callbacks.apis import CallbackTaskViewSet, ReasonCodeViewSet, SurveyItemsApi, SurveyViewSet

router = SimpleRouter()  # the /api/ root view belongs to config.api
router.register("callbacks", CallbackTaskViewSet, basename="callback")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("reason-codes", ReasonCodeViewSet, basename="reason-code")

urlpatterns = [path("survey-items/", SurveyItemsApi.as_view(), name="api-survey-items"), *router.urls]
