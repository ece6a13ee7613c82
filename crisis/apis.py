"""/api/crises/ (CONTRACT): type, phase, team, plan, actions, media_log; linked complaints."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crisis import selectors, services
from crisis.models import CrisisAction, CrisisCase, CrisisType, LogKind, MediaEntry, Phase, TeamMember
from crisis.permissions import can_open
from csat import access, text_limits
from csat import selectors as csat_selectors
from csat.apis.fields import (
    BoundedDateField,
    BoundedDateTimeField,
    ModelSerializer,
    NameField,
    PrimaryKeyField,
)
from csat.params import MAX_INT32, not_after_today


class TeamSerializer(ModelSerializer):
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["user", "name", "role", "is_leader"]


class ActionItemSerializer(ModelSerializer):
    class Meta:
        model = CrisisAction
        fields = ["id", "title", "owner", "due_at", "done_at", "overdue_at"]


class MediaSerializer(ModelSerializer):
    class Meta:
        model = MediaEntry
        fields = ["id", "outlet", "date", "exposed", "reach", "response"]


class CrisisSerializer(ModelSerializer):
    team = TeamSerializer(many=True, read_only=True)
    actions = ActionItemSerializer(many=True, read_only=True)
    media_log = MediaSerializer(many=True, read_only=True)

    class Meta:
        model = CrisisCase
        fields = [
            "id",
            "number",
            "store",
            "type",
            "title",
            "summary",
            "phase",
            "customer",
            "complaints",
            "opened_at",
            "exposed",
            "team",
            "plan",
            "plan_version",
            "actions",
            "media_log",
            "causes",
            "lessons",
            "preventive_measures",
            "review",
            "closed_at",
        ]
        read_only_fields = fields


class CrisisCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CrisisType.choices)
    title = NameField(max_length=200, blank_message=_("请填写标题。"))
    summary = serializers.CharField(max_length=text_limits.TEXT, required=False, allow_blank=True, default="")
    customer = PrimaryKeyField(queryset=CrisisCase.objects.none(), required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = csat_selectors.customer_list(user=request.user)  # type: ignore[attr-defined]


class PhaseSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)
    reason = serializers.CharField(max_length=2000)


@extend_schema_field(OpenApiTypes.INT)
class StaffField(PrimaryKeyField):
    def get_queryset(self) -> Any:
        crisis = self.context.get("crisis")
        qs = get_user_model().objects.filter(is_active=True)
        return qs.filter(profile__store_id=crisis.store_id) if crisis is not None else qs.none()


class TeamInputSerializer(serializers.Serializer):
    user = StaffField()
    role = NameField(max_length=100, required=False, allow_blank=True, default="")
    is_leader = serializers.BooleanField(default=False)


class PlanSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=text_limits.TEXT)


class ActionInputSerializer(serializers.Serializer):
    title = NameField(max_length=200, blank_message=_("请填写行动内容。"))
    owner = StaffField()
    due_at = BoundedDateTimeField()


class MediaInputSerializer(serializers.Serializer):
    outlet = NameField(max_length=100, blank_message=_("请填写媒体名称。"))
    date = BoundedDateField(validators=[not_after_today])
    exposed = serializers.BooleanField(default=False)
    reach = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_INT32)
    response = serializers.CharField(
        max_length=text_limits.NOTE, required=False, allow_blank=True, default=""
    )


class LogInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LogKind.choices)
    text = serializers.CharField(max_length=text_limits.TEXT)


class ReviewInputSerializer(serializers.Serializer):
    causes = serializers.CharField(max_length=text_limits.TEXT)
    lessons = serializers.CharField(max_length=text_limits.TEXT)
    preventive_measures = serializers.CharField(max_length=text_limits.TEXT)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=text_limits.NOTE, required=False, allow_blank=True, default="")


class CrisisViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = CrisisSerializer
    filterset_fields = ["phase", "type", "store", "exposed"]
    queryset = CrisisCase.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CrisisCase.objects.none()
        return (
            selectors.crisis_list(user=self.request.user)
            .prefetch_related("team__user", "actions", "media_log", "complaints")
            .order_by("-opened_at")
        )

    @extend_schema(request=CrisisCreateSerializer, responses={201: CrisisSerializer})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if not can_open(request.user):
            raise PermissionDenied(_("您的角色不能发起危机事件。"))
        data = CrisisCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        store_id = access.user_store_id(request.user)
        customer = data.validated_data.get("customer")
        if customer is not None:
            store = customer.store
        else:
            store = (
                csat_selectors.store_list(user=request.user).filter(pk=store_id).first()
                if store_id is not None
                else None
            )
            if store is None:
                # A user without a store (a superuser) names the customer, whose store it is.
                raise serializers.ValidationError({"customer": [_("请选择客户（用于确定门店）。")]})
        crisis = services.crisis_open(actor=request.user, store=store, **data.validated_data)
        return Response(
            CrisisSerializer(self.get_queryset().get(pk=crisis.pk)).data, status=status.HTTP_201_CREATED
        )

    def _do(self, request: Any, serializer_class: Any, call: Any) -> Response:
        crisis = self.get_object()
        data = serializer_class(data=request.data, context={"request": request, "crisis": crisis})
        data.is_valid(raise_exception=True)
        call(crisis, dict(data.validated_data))
        return Response(CrisisSerializer(self.get_queryset().get(pk=crisis.pk)).data)

    @extend_schema(request=PhaseSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def phase(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            PhaseSerializer,
            lambda c, d: services.crisis_change_phase(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=TeamInputSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def team(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            TeamInputSerializer,
            lambda c, d: services.crisis_team_set(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=PlanSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def plan(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            PlanSerializer,
            lambda c, d: services.crisis_plan_update(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=ActionInputSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def actions(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            ActionInputSerializer,
            lambda c, d: services.crisis_action_add(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=MediaInputSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"], url_path="media_log")
    def media_log(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            MediaInputSerializer,
            lambda c, d: services.crisis_media_add(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=LogInputSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def logs(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            LogInputSerializer,
            lambda c, d: services.crisis_log_add(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=ReviewInputSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            ReviewInputSerializer,
            lambda c, d: services.crisis_review_submit(crisis=c, actor=request.user, **d),
        )

    @extend_schema(request=DecideSerializer, responses={200: CrisisSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Any, pk: Any = None) -> Response:
        return self._do(
            request,
            DecideSerializer,
            lambda c, d: services.crisis_review_decide(crisis=c, actor=request.user, **d),
        )
