"""Pages of the callbacks app."""

from django.urls import path

from . import views

app_name = "callbacks"

urlpatterns = [
    path("", views.index, name="index"),  # the work queue; the nav's "回访" points here
    path("dashboard/", views.dashboard, name="dashboard"),
    path("next/", views.claim_next, name="claim-next"),
    path("<int:pk>/", views.call, name="call"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/attempts/", views.attempt, name="attempt"),
    path("<int:pk>/dial/", views.dial, name="dial"),
    path("<int:pk>/survey/", views.survey_submit, name="survey-submit"),
    path("<int:pk>/grade-preview/", views.grade_preview, name="grade-preview"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("customers/<int:customer_id>/new/", views.start_for_customer, name="customer-start"),
]
