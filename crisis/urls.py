"""Pages of the crisis app."""

from django.urls import path

from . import views

app_name = "crisis"

urlpatterns = [
    path("", views.index, name="index"),
]
