"""Pages of the reports app."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),  # the nav's "报表" points here
    path("build/", views.build, name="build"),
    path("<int:pk>/xlsx", views.download, name="download"),
    # The manufacturer's quarterly score per store, entered by customer care (issue #19).
    path("manufacturer-scores/", views.manufacturer_scores, name="manufacturer-scores"),
]
