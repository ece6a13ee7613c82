"""Pages of the complaints app."""

from django.urls import path

from . import prevention_views, views

app_name = "complaints"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("list/", views.ticket_list, name="list"),
    path("approvals/", views.approvals, name="approvals"),
    path("assessment/", views.assessment_page, name="assessment"),
    path("measures/", prevention_views.measure_list, name="measures"),
    path("measures/new/", prevention_views.measure_create, name="measure-create"),
    path("measures/<int:pk>/", prevention_views.measure_detail, name="measure-detail"),
    path("measures/<int:pk>/<str:action>/", prevention_views.measure_step, name="measure-step"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_form, name="print"),
    path("<int:pk>/confirm-major/", views.confirm_major, name="confirm-major"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
