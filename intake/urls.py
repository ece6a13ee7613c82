from django.urls import path

from intake import views

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:pk>/", views.import_detail, name="import-detail"),
    path("<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("<int:pk>/errors.xlsx", views.import_errors, name="import-errors"),
    path("templates/<str:kind>.xlsx", views.import_template, name="import-template"),
]
