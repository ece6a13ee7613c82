"""REST API of the callbacks app (CONTRACT): tasks and attempts, surveys, survey items, reason codes."""

from callbacks.apis.callback_tasks import CallbackPermission, CallbackTaskViewSet
from callbacks.apis.surveys import ReasonCodeViewSet, SurveyItemsApi, SurveyViewSet

__all__ = [
    "CallbackPermission",
    "CallbackTaskViewSet",
    "ReasonCodeViewSet",
    "SurveyItemsApi",
    "SurveyViewSet",
]
