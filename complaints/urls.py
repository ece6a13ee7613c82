"""Pages of the complaints app."""

from django.urls import path

from . import downloads, views, views_attachments, views_lists

app_name = "complaints"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("new/open-tickets/", views.create_repeats, name="create-repeats"),
    path("list/", views_lists.ticket_list, name="list"),
    path("list/export.xlsx", views_lists.export, name="list-export"),
    path("list/bulk/", views_lists.bulk, name="list-bulk"),
    path("list/views/", views_lists.view_save, name="view-save"),
    path("list/views/<int:pk>/delete/", views_lists.view_delete, name="view-delete"),
    path("approvals/", views.approvals, name="approvals"),
    path("assessment/", views.assessment_page, name="assessment"),
    path("assessment/disputes/", views.dispute_raise, name="dispute-raise"),
    path("assessment/disputes/<int:pk>/decide/", views.dispute_decide, name="dispute-decide"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_form, name="print"),
    path("<int:pk>/agreement/", downloads.agreement_download, name="agreement"),
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
    path("<int:pk>/confirm-major/", views.confirm_major, name="confirm-major"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
