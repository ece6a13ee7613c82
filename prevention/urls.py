"""Pages of the prevention app, under /complaints/measures/ where they have always been."""

from django.urls import path

from prevention import views

app_name = "prevention"

urlpatterns = [
    path("", views.measure_list, name="measures"),
    path("new/", views.measure_create, name="measure-create"),
    path("<int:pk>/", views.measure_detail, name="measure-detail"),
    path("<int:pk>/<str:action>/", views.measure_step, name="measure-step"),
]
