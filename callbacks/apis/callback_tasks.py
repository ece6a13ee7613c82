"""/api/callbacks/ (CONTRACT): list and retrieve tasks; claim, release, assign, cancel; attempts.

Thin: serializers validate the shape, services write (403/409 from csat.exceptions), selectors read
(store-scoped: another store's task is a 404).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from callbacks import permissions, selectors, services
from callbacks.filters import CallbackTaskFilter
from callbacks.models import (
    CallAttempt,
    CallbackTask,
    Outcome,
)
from csat.apis.fields import BoundedDateTimeField, MobileField, ModelSerializer, PrimaryKeyField
from csat.apis.pagination import KeysetPagination


class CallbackPermission(BasePermission):
    """Read: the roles of callbacks.permissions.can_read. Write: customer care only (403)."""

    message = _("只有客户部回访专员和客户部经理可以进行回访。")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return permissions.can_read(request.user)
        return permissions.can_call(request.user)


class CallAttemptSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    at = BoundedDateTimeField(required=False)

    class Meta:
        model = CallAttempt
        fields = ["id", "task", "outcome", "at", "by", "note", "call_back_at"]
        read_only_fields = ["id", "task", "by"]


class CallbackTaskSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_mobile = MobileField(source="customer.mobile", read_only=True)
    plate = serializers.CharField(source="vehicle.plate_display", default="", read_only=True)
    attempt_count = serializers.IntegerField(read_only=True)
    last_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_outcome = serializers.CharField(read_only=True, allow_null=True)
    survey = serializers.IntegerField(source="survey_pk", read_only=True, allow_null=True)

    class Meta:
        model = CallbackTask
        fields = [
            "id",
            "store",
            "type",
            "status",
            "close_reason",
            "customer",
            "customer_name",
            "customer_mobile",
            "vehicle",
            "plate",
            "sale",
            "visit",
            "period",
            "due_at",
            "expires_at",
            "assigned_to",
            "claimed_by",
            "claimed_at",
            "callback_later_at",
            "suggested_channel",
            "reached_at",
            "closed_at",
            "attempt_count",
            "last_attempt_at",
            "last_outcome",
            "survey",
        ]
        read_only_fields = fields


class CallbackTaskDetailSerializer(CallbackTaskSerializer):
    attempts = CallAttemptSerializer(many=True, read_only=True)

    class Meta(CallbackTaskSerializer.Meta):
        fields = [*CallbackTaskSerializer.Meta.fields, "attempts"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    agent = PrimaryKeyField(queryset=get_user_model().objects.filter(profile__isnull=False), allow_null=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CallbackTaskViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [CallbackPermission]
    filterset_class = CallbackTaskFilter
    ordering_fields = ["due_at", "expires_at", "id"]
    ordering = ["due_at", "id"]
    pagination_class = KeysetPagination  # millions of tasks: a cursor, no COUNT
    keyset_fields = ("due_at", "expires_at")

    def get_queryset(self) -> Any:
        if self.action == "retrieve":
            return selectors.callback_task_list(user=self.request.user).prefetch_related("attempts__by")
        # The list's rows need the customer and vehicle only (the other relations are shown as ids).
        return (
            selectors.callback_task_list(user=self.request.user)
            .select_related(None)
            .select_related("customer", "vehicle")
        )

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return CallbackTaskDetailSerializer
        if self.action == "attempts":
            return CallAttemptSerializer
        return CallbackTaskSerializer

    def _task_response(self, task: CallbackTask, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.callback_task_list(user=self.request.user).get(pk=task.pk)
        return Response(
            CallbackTaskSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=None, responses=CallbackTaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Any, pk: str | None = None) -> Response:
        task = services.callback_task_claim(task=self.get_object(), actor=request.user)
        return self._task_response(task)

    @extend_schema(request=None, responses=CallbackTaskSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Any, pk: str | None = None) -> Response:
        task = services.callback_task_release(task=self.get_object(), actor=request.user)
        return self._task_response(task)

    @extend_schema(request=AssignSerializer, responses=CallbackTaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Any, pk: str | None = None) -> Response:
        """The customer-care manager hands the task to an agent (``agent``: null = back to everyone)."""
        serializer = AssignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        task = services.callback_task_assign(
            task=self.get_object(), actor=request.user, agent=serializer.validated_data.get("agent")
        )
        return self._task_response(task)

    @extend_schema(request=CancelSerializer, responses=CallbackTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Any, pk: str | None = None) -> Response:
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.callback_task_cancel(
            task=self.get_object(), actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._task_response(task)

    @extend_schema(request=CallAttemptSerializer, responses=CallAttemptSerializer)
    @action(detail=True, methods=["get", "post"])
    def attempts(self, request: Any, pk: str | None = None) -> Response:
        task = self.get_object()
        if request.method == "GET":
            rows = task.attempts.select_related("by").order_by("at", "id")
            return Response(CallAttemptSerializer(rows, many=True).data)
        serializer = CallAttemptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = services.call_attempt_log(task=task, actor=request.user, **serializer.validated_data)
        return Response(CallAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)
