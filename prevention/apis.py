"""/api/preventive-measures/: list, read, propose, and POST /{id}/{action}/ for each step."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from complaints.models import Category, CauseCode
from csat import selectors as csat_selectors
from csat import text_limits
from csat.apis.fields import BoundedDateField, ModelSerializer, PrimaryKeyField
from prevention import selectors
from prevention import services as prevention
from prevention.models import PreventiveMeasure


class MeasureSerializer(ModelSerializer):
    """A measure; ``complaints`` names only the linked tickets the reader may open (the context's
    ``openable_tickets``, see ``MeasureViewSet.get_serializer``): none when the context says nothing."""

    effect = serializers.SerializerMethodField()

    class Meta:
        model = PreventiveMeasure
        fields = [
            "id",
            "store",
            "category",
            "cause",
            "problem",
            "root_cause",
            "measure",
            "owner_department",
            "due_date",
            "status",
            "complaints",
            "comment",
            "decided_at",
            "completed_at",
            "verified_at",
            "overdue_at",
            "effect",
        ]
        read_only_fields = fields

    def get_effect(self, measure: PreventiveMeasure) -> dict[str, int] | None:
        return selectors.measure_effect(measure=measure)

    def to_representation(self, instance: PreventiveMeasure) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        openable = self.context.get("openable_tickets", frozenset())
        data["complaints"] = [pk for pk in data["complaints"] if pk in openable]
        return data


class MeasureCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    cause = PrimaryKeyField(queryset=CauseCode.objects.filter(active=True), required=False, allow_null=True)
    problem = serializers.CharField(max_length=text_limits.TEXT)
    root_cause = serializers.CharField(
        max_length=text_limits.TEXT, required=False, allow_blank=True, default=""
    )
    measure = serializers.CharField(max_length=text_limits.TEXT)
    owner_department = PrimaryKeyField(queryset=PreventiveMeasure.objects.none())
    due_date = BoundedDateField()
    complaints = PrimaryKeyField(many=True, queryset=PreventiveMeasure.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from complaints.selectors import complaint_list

            self.fields["owner_department"].queryset = csat_selectors.department_list(user=request.user)  # type: ignore[attr-defined]
            self.fields["complaints"].child_relation.queryset = complaint_list(user=request.user)  # type: ignore[attr-defined]


class StepSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=text_limits.NOTE, required=False, allow_blank=True, default="")


class MeasureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = MeasureSerializer
    filterset_fields = ["status", "category", "owner_department", "store"]

    def get_queryset(self) -> Any:
        return (
            selectors.measure_list(user=self.request.user)
            .prefetch_related("complaints")
            .order_by("-created_at")
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """The serializer of a measure or a page of them, told which linked tickets the user may
        open (one query for the page)."""
        if args and args[0] is not None:
            measures = args[0] if kwargs.get("many") else [args[0]]
            kwargs["context"] = {
                **self.get_serializer_context(),
                "openable_tickets": selectors.openable_complaint_ids(
                    user=self.request.user, measures=measures
                ),
            }
        return super().get_serializer(*args, **kwargs)

    @extend_schema(request=MeasureCreateSerializer, responses={201: MeasureSerializer})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if not prevention.can_propose(request.user):  # the role first (403), then the input (400)
            raise PermissionDenied(_("只有客户部可以提出预防措施。"))
        data = MeasureCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # department_list is store-scoped, so the department names the user's own store.
        store = values["owner_department"].store
        measure = prevention.measure_create(actor=request.user, store=store, **values)
        return Response(self.get_serializer(measure).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Any, name: str) -> Response:
        measure = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = prevention.measure_step(
            measure=measure, actor=request.user, action=name, comment=data.validated_data["comment"]
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "submit")

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "approve")

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "reject")

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "start")

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "complete")

    @extend_schema(request=StepSerializer, responses={200: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, "verify")
