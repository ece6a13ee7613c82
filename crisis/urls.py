"""Pages of the crisis app."""

from django.urls import path

from . import views

app_name = "crisis"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("signals/<int:signal_id>/<str:what>/", views.signal_act, name="signal"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/actions/<int:action_id>/done/", views.action_done, name="action-done"),
    path("<int:pk>/<str:what>/", views.act, name="act"),
]
