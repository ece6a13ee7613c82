"""``/api/notifications/`` (CONTRACT): the signed-in user's inbox, newest first; mark one read.

Only the user's own notifications exist here: another user's is a 404, never a 403.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from csat.apis import filtering
from csat.apis.fields import ModelSerializer
from csat.apis.pagination import KeysetPagination
from csat.models import Notification
from csat.notifications import notification_mark_read


class NotificationSerializer(ModelSerializer):
    kind = serializers.SerializerMethodField(
        help_text="What it is about: the event key's prefix, e.g. deadline"
    )
    title = serializers.CharField(source="local_title", read_only=True, help_text="In the request's language")
    body = serializers.CharField(source="local_body", read_only=True, help_text="In the request's language")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields

    def get_kind(self, obj: Notification) -> str:
        return obj.key.split(":", 1)[0]


class NotificationFilter(filtering.FilterSet):
    unread = django_filters.BooleanFilter(
        method="filter_unread", widget=django_filters.widgets.BooleanWidget, label="unread only (?unread=1)"
    )

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    pagination_class = KeysetPagination
    keyset_fields = ("created_at",)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Any, pk: str | None = None) -> Response:
        notification = self.get_object()  # 404 for another user's notification
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)
