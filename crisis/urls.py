"""Pages of the crisis app."""

from django.urls import path

from . import views, views_attachments

app_name = "crisis"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("signals/<int:signal_id>/<str:what>/", views.signal_act, name="signal"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/", views_attachments.upload, name="attachment-upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views_attachments.download, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/thumbnail/",
        views_attachments.thumbnail,
        name="attachment-thumbnail",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_id>/delete/", views_attachments.remove, name="attachment-delete"
    ),
    path("<int:pk>/actions/<int:action_id>/done/", views.action_done, name="action-done"),
    path("<int:pk>/<str:what>/", views.act, name="act"),
]
