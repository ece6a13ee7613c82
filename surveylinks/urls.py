"""Pages of the survey links: the customer's public page (/s/<token>/) and the staff side."""

from django.urls import path

from . import views

app_name = "surveylinks"

urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/thanks/", views.thanks, name="thanks"),
    path("survey-links/tasks/<int:pk>/invite/", views.invite, name="invite"),
    path("survey-links/tasks/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("sms/inbound/<str:provider>/", views.sms_inbound, name="sms-inbound"),
    path("survey-links/<int:pk>/share/", views.share, name="share"),
]
