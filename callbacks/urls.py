"""Pages of the callbacks app."""

from django.urls import path

from . import views

app_name = "callbacks"

urlpatterns = [
    path("", views.index, name="index"),
]
