"""/api/surveys/ (create with read-only computed fields), /api/survey-items/, /api/reason-codes/."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from callbacks import selectors, services
from callbacks.apis.callback_tasks import CallbackPermission
from callbacks.filters import SurveyFilter
from callbacks.models import AGENT_CHANNEL_CHOICES, Channel, Grade, ReasonCode, Survey, SurveyType
from callbacks.survey_items import items_for
from csat import selectors as csat_selectors
from csat.apis.fields import ModelSerializer, PrimaryKeyField, SlugField
from csat.apis.pagination import KeysetPagination
from csat.domain import levels, scoring


class ScopedField(PrimaryKeyField):
    """A reference to a row of the user's stores only (another store's id: 'does not exist')."""

    def __init__(self, *, selector: Any, **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.selector(user=self.context["request"].user)


class SurveySerializer(ModelSerializer):
    callback = ScopedField(selector=selectors.callback_task_list, required=False, allow_null=True)
    customer = ScopedField(selector=csat_selectors.customer_list, required=False)
    type = serializers.ChoiceField(choices=SurveyType.choices, required=False)
    channel = serializers.ChoiceField(choices=AGENT_CHANNEL_CHOICES, default=Channel.PHONE)
    score = serializers.IntegerField(required=False, allow_null=True)
    # A level key (very_satisfied … very_dissatisfied) or its Chinese label; the service validates it.
    level = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=", ".join(f"{lvl.key} ({lvl.zh} {lvl.min}–{lvl.max})" for lvl in levels.LEVELS),
    )
    level_value = serializers.IntegerField(required=False, allow_null=True)
    ratings = serializers.DictField(child=serializers.IntegerField(), required=False)
    reason_codes = SlugField(
        slug_field="code", many=True, required=False, queryset=ReasonCode.objects.filter(active=True)
    )
    items = serializers.DictField(child=serializers.JSONField(), required=False)
    observed = serializers.ListField(
        child=serializers.ChoiceField(choices=list(selectors.OBSERVED_FACTS)), required=False, write_only=True
    )
    grade_override = serializers.ChoiceField(
        choices=Grade.choices, required=False, allow_blank=True, write_only=True
    )
    grade_override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    complaint_number = serializers.CharField(source="complaint.number", default=None, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "store",
            "callback",
            "customer",
            "vehicle",
            "type",
            "channel",
            "surveyed_at",
            "surveyed_by",
            "score",
            "level",
            "level_value",
            "not_rated_reason",
            "ratings",
            "reason_codes",
            "items",
            "remarks",
            "complained_externally",
            "says_unsatisfied",
            "grievance",
            "observed",
            "score_used",
            "classification",
            "suggested_grade",
            "grade_criteria",
            "grade",
            "grade_override",
            "grade_override_reason",
            "complaint",
            "complaint_number",
        ]
        read_only_fields = [
            "id",
            "store",
            "vehicle",
            "surveyed_at",
            "surveyed_by",
            "score_used",
            "classification",
            "suggested_grade",
            "grade_criteria",
            "grade",
            "complaint",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        task = attrs.get("callback")
        if task is None and attrs.get("customer") is None:
            raise serializers.ValidationError(
                {"customer": [_("请选择回访任务（callback）或客户（customer）。")]}
            )
        if task is None and not attrs.get("type"):
            raise serializers.ValidationError({"type": [_("请选择调查类型。")]})
        return attrs


class SurveyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [CallbackPermission]
    serializer_class = SurveySerializer
    filterset_class = SurveyFilter
    ordering_fields = ["surveyed_at", "score_used", "id"]
    ordering = ["-surveyed_at", "-id"]
    pagination_class = KeysetPagination  # millions of surveys: a cursor, no COUNT
    keyset_fields = ("surveyed_at",)

    def get_queryset(self) -> Any:
        return selectors.survey_list(user=self.request.user)

    def perform_create(self, serializer: Any) -> None:
        v = serializer.validated_data
        task = v.get("callback")
        data = services.SurveyInput(
            type=v.get("type") or task.type,
            channel=v.get("channel", Channel.PHONE),
            score=v.get("score"),
            level=v.get("level", ""),
            level_value=v.get("level_value"),
            not_rated_reason=v.get("not_rated_reason", ""),
            ratings=v.get("ratings", {}),
            reason_codes=[code.code for code in v.get("reason_codes", [])],
            items=v.get("items", {}),
            remarks=v.get("remarks", ""),
            complained_externally=v.get("complained_externally", False),
            says_unsatisfied=v.get("says_unsatisfied", False),
            grievance=v.get("grievance", False),
            observed=v.get("observed", []),
        )
        survey = services.survey_submit(
            actor=self.request.user,
            data=data,
            callback=task,
            customer=None if task else v.get("customer"),
            grade=v.get("grade_override") or None,
            grade_override_reason=v.get("grade_override_reason", ""),
        )
        serializer.instance = selectors.survey_list(user=self.request.user).get(pk=survey.pk)


class SurveyItemChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label", not Field.label


class SurveyItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    group = serializers.CharField()
    kind = serializers.ChoiceField(choices=["choice", "rating"])
    mandatory = serializers.BooleanField()
    choices = SurveyItemChoiceSerializer(many=True)
    help = serializers.CharField()
    answer_in = serializers.ChoiceField(choices=["items", "ratings"])


class SurveyItemListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    type = serializers.CharField()
    results = SurveyItemSerializer(many=True)


class SurveyItemsApi(APIView):
    permission_classes = [CallbackPermission]

    @extend_schema(
        parameters=[OpenApiParameter("type", enum=SurveyType.values, required=True)],
        responses=SurveyItemListSerializer,
    )
    def get(self, request: Any) -> Response:
        survey_type = request.query_params.get("type", "")
        if survey_type not in SurveyType.values:
            return Response(
                {"type": [_("请选择调查类型：%(types)s。") % {"types": ", ".join(SurveyType.values)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        rows = [{**item.as_dict(), "answer_in": "items"} for item in items_for(survey_type)]
        if survey_type == SurveyType.FIVE_DIMENSION:
            rows = [
                {
                    "key": key,
                    "label": zh,
                    "group": str(_("五维度评分")),
                    "kind": "rating",
                    "mandatory": True,
                    "choices": [],
                    "help": str(_("1–10 分；6 分及以下须选择低分原因")),
                    "answer_in": "ratings",
                }
                for key, (zh, _en) in scoring.DIMENSION_LABELS.items()
            ]
        return Response(
            {"count": len(rows), "next": None, "previous": None, "type": survey_type, "results": rows}
        )


class ReasonCodeSerializer(ModelSerializer):
    class Meta:
        model = ReasonCode
        fields = ["code", "dimension", "label", "label_en", "active"]


class ReasonCodeViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [CallbackPermission]
    serializer_class = ReasonCodeSerializer
    filterset_fields = ["dimension", "active"]
    lookup_field = "code"

    def get_queryset(self) -> Any:
        return selectors.reason_code_list(active_only=False)
