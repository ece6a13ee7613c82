"""/api/complaints/ (CONTRACT): create, read, and POST /api/complaints/{id}/{action}/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import permissions, repeats, selectors
from complaints.actions import ACTIONS
from complaints.models import (
    Category,
    CauseCode,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    Deadline,
    Kind,
    MajorCriterion,
    PenaltyRequest,
    Severity,
    Status,
)
from complaints.services import intake
from complaints.services.assessment import PENALTY_POINTS_ERROR
from complaints.services.attachments import complaint_attachment_add
from complaints.services.ticket import RequiredTextError
from csat import params
from csat import selectors as csat_selectors
from csat.apis import filtering
from csat.apis.fields import BoundedDateTimeField, ModelSerializer, PrimaryKeyField
from csat.apis.kept import kept_json
from csat.apis.pagination import KeysetPagination
from csat.business_time import business_tz
from csat.domain.assessment import PENALTY_POINTS_MAX, PENALTY_POINTS_MIN
from csat.domain.grading import GRADE_ORDER
from csat.uploads import validate_agreement, validate_attachment


class DeadlineSerializer(ModelSerializer):
    class Meta:
        model = Deadline
        fields = [
            "kind",
            "cycle",
            "sequence",
            "department",
            "opens_at",
            "warn_at",
            "due_at",
            "met_at",
            "warned_at",
            "breached_at",
            # A timer no longer needed (the ticket resolved, or moved to another department): not
            # open, though neither met nor breached.
            "cancelled_at",
        ]


class EventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = ComplaintEvent
        fields = ["action", "from_status", "to_status", "note", "data", "actor", "created_at"]


class PenaltySerializer(ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = PenaltyRequest
        fields = [
            "reason",
            "requested_by",
            "requested_at",
            "decision",
            "points",
            "department",
            "decided_by",
            "decided_at",
            "comment",
        ]


class ComplaintSerializer(ModelSerializer):
    deadlines = DeadlineSerializer(many=True, read_only=True)
    history = EventSerializer(source="events", many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    penalty = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "store",
            "customer",
            "vehicle",
            "plate",
            "kind",
            "channel",
            "category",
            "content",
            "severity",
            "major_criteria",
            "urgent",
            "handled_on_site",
            "injury_or_major_loss",
            "suggested_grade",
            "grade_criteria",
            "grade",
            "grade_override_reason",
            "status",
            "department",
            "received_at",
            "received_at_reason",
            "received_by_department",
            "registered_at",
            "dispatched_at",
            "first_contact_at",
            "resolved_at",
            "closed_at",
            "cause",
            "background",
            "expectation",
            "solution",
            "compensation_amount",
            "compensation_in_kind",
            "approval",
            "approval_comment",
            "approved_at",
            "result",
            "reopen_count",
            "cause_code",
            "assignee",
            "responsible_staff",
            "internal_measure",
            "accountability",
            "major_reviewed_at",
            "penalty",
            "deadlines",
            "history",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(PenaltySerializer(allow_null=True))
    def get_penalty(self, complaint: Complaint) -> Any:
        try:
            penalty = complaint.penalty
        except PenaltyRequest.DoesNotExist:
            return None
        return PenaltySerializer(penalty).data

    def get_allowed_actions(self, complaint: Complaint) -> list[str]:
        from csat.domain.transitions import allowed_actions

        user = self.context["request"].user
        return [a for a in allowed_actions(complaint.status) if permissions.can_act(user, complaint, a)]


class OpenTicketSerializer(ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "number", "status"]
        read_only_fields = fields


class ComplaintCreatedSerializer(ComplaintSerializer):
    """The answer to ``POST /api/complaints/``: the ticket, and the open tickets it may repeat (the
    intake form's duplicate warning; the API creates without its confirmation, CONTRACT), found
    by ``complaints.repeats.open_tickets_besides`` and passed in the context as ``open_tickets``."""

    open_tickets = serializers.SerializerMethodField(
        help_text="the other open tickets of the customer (or the car) in the store, newest first: "
        "if the new ticket is the same problem, add to the open one instead"
    )
    open_tickets_hidden = serializers.SerializerMethodField(
        help_text="how many more open tickets there are that the user may not open (another department's)"
    )

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "open_tickets", "open_tickets_hidden"]
        read_only_fields = fields

    @extend_schema_field(OpenTicketSerializer(many=True))
    def get_open_tickets(self, complaint: Complaint) -> Any:
        return OpenTicketSerializer(self.context["open_tickets"].tickets, many=True).data

    def get_open_tickets_hidden(self, complaint: Complaint) -> int:
        return int(self.context["open_tickets"].hidden)


class _BlankAsNull(serializers.CharField):
    def to_representation(self, value: Any) -> Any:
        return value or None


class ComplaintListSerializer(ModelSerializer):
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # The step of the soonest open deadline; null when the ticket has none (closed, awaiting a step).
    next_due_kind = _BlankAsNull(read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "store",
            "customer",
            "kind",
            "category",
            "severity",
            "urgent",
            "status",
            "department",
            "received_at",
            "next_due_at",
            "next_due_kind",
            "compensation_amount",
            "approval",
        ]


LIST_COLUMNS = ComplaintListSerializer.Meta.fields


class ComplaintCreateSerializer(serializers.Serializer):
    customer = PrimaryKeyField(queryset=Complaint.objects.none())
    vehicle = PrimaryKeyField(queryset=Complaint.objects.none(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    content = serializers.CharField(max_length=5000)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    received_by_department = PrimaryKeyField(queryset=Complaint.objects.none(), required=False)
    received_at = BoundedDateTimeField(required=False)
    received_at_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    urgent = serializers.BooleanField(default=False)
    handled_on_site = serializers.BooleanField(
        default=False,
        help_text="on-site complaint the business manager handled during the visit: recorded resolved",
    )
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    major_criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=MajorCriterion.choices), default=list
    )
    # DOMAIN §9 "Grades on every case": the tick, and the recorder's grade (blank confirms the
    # suggestion; another grade needs the reason).
    injury_or_major_loss = serializers.BooleanField(
        default=False, help_text="major property loss or injury/death (grade F criterion)"
    )
    grade = serializers.ChoiceField(
        choices=[(g, g) for g in GRADE_ORDER],
        required=False,
        allow_blank=True,
        default="",
        help_text="blank confirms suggested_grade; another grade needs grade_override_reason",
    )
    grade_override_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        self.fields["customer"].queryset = csat_selectors.customer_list(user=user)  # type: ignore[attr-defined]
        self.fields["vehicle"].queryset = csat_selectors.vehicle_list(user=user)  # type: ignore[attr-defined]
        self.fields["received_by_department"].queryset = csat_selectors.department_list(user=user)  # type: ignore[attr-defined]


class ActionSerializer(serializers.Serializer):
    department = PrimaryKeyField(queryset=Complaint.objects.none(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    cause = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    background = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    expectation = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    solution = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    compensation_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    compensation_in_kind = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="propose: compensation in kind (free parts, service, discounts, gifts); needs the GM",
    )
    customer_accepted = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="propose: the customer accepted the solution"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    result = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    agreement = serializers.FileField(required=False, allow_null=True, validators=[validate_agreement])
    cause_code = PrimaryKeyField(
        queryset=CauseCode.objects.filter(active=True), required=False, allow_null=True
    )
    outcome = serializers.ChoiceField(
        choices=[("satisfied", _("满意")), ("unsatisfied", _("不满意"))], required=False
    )
    called_at = BoundedDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="contact_attempt: when the unanswered call was made (default now)",
    )
    # Who is responsible (DOMAIN §9, issue #18).
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    user = PrimaryKeyField(queryset=Complaint.objects.none(), required=False, allow_null=True)
    staff = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    measure = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    approved = serializers.BooleanField(required=False, allow_null=True, default=None)
    points = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        required=False,
        allow_null=True,
        default=None,
        min_value=PENALTY_POINTS_MIN,
        max_value=PENALTY_POINTS_MAX,
        error_messages={"min_value": PENALTY_POINTS_ERROR, "max_value": PENALTY_POINTS_ERROR},
        help_text="penalty_decide: the points of an approved request, -10 to -1 (default -1)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        self.fields["department"].queryset = csat_selectors.department_list(user=user)  # type: ignore[attr-defined]
        self.fields["user"].queryset = selectors.store_people(user=user)  # type: ignore[attr-defined]


class ComplaintFilter(filtering.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    received_after = filtering.DateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filtering.DateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Complaint
        fields = ["status", "severity", "kind", "department", "customer", "store", "urgent", "category"]


class AttachmentSerializer(ModelSerializer):
    """A ticket's attachment (issue #22); the file itself through ``download_url`` (the page route,
    checked like the ticket)."""

    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintAttachment
        fields = [
            "id",
            "kind",
            "content_type",
            "size",
            "original_name",
            "description",
            "uploaded_by",
            "created_at",
            "download_url",
        ]

    def get_download_url(self, obj: ComplaintAttachment) -> str:
        return reverse("complaints:attachment", args=[obj.complaint_id, obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    # The same validator as the page's (csat.uploads): size, and the type by content.
    file = serializers.FileField(validators=[validate_attachment])
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ComplaintViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_class = ComplaintFilter
    ordering_fields = ["received_at", "next_due_at", "id"]
    ordering = ["-received_at", "-id"]
    # Newest first by a cursor, no COUNT; ?ordering=next_due_at (may be empty) or ?page=N: numbered pages.
    pagination_class = KeysetPagination
    keyset_fields = ("received_at",)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        qs = selectors.complaint_list(user=self.request.user)
        if self.action == "list":
            # The list's columns only: not the long texts of each ticket, nor its related rows.
            return qs.select_related(None).only(*LIST_COLUMNS).order_by("-received_at", "-id")
        return (
            qs.select_related("penalty__requested_by", "penalty__decided_by")
            .prefetch_related("deadlines", "events__actor")
            .order_by("-received_at")
        )

    def get_serializer_class(self) -> Any:
        return ComplaintListSerializer if self.action == "list" else ComplaintSerializer

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Kept whole under the revision of the tables the list reads (its rows, filters and the
        # user's scope; no clock): a warm read is one cache round trip (csat.apis.kept, issue #25).
        return kept_json(
            request,
            self,
            revision="complaint_lists",
            build=lambda: super(ComplaintViewSet, self).list(request, *args, **kwargs),
        )

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintCreatedSerializer})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_create(request.user):
            raise PermissionDenied(_("您的角色不能登记投诉。"))
        serializer = ComplaintCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        created = intake.complaint_intake(actor=request.user, **serializer.validated_data)
        # Front-line staff record tickets they may not read afterwards: answer with what they wrote.
        complaint = self.get_queryset().filter(pk=created.pk).first() or created
        context = {
            "request": request,
            "open_tickets": repeats.open_tickets_besides(user=request.user, complaint=created),
        }
        return Response(
            ComplaintCreatedSerializer(complaint, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=AttachmentUploadSerializer, responses={200: AttachmentSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], url_path="attachments")
    def attachments(self, request: Any, pk: Any = None) -> Response:
        """``GET/POST /api/complaints/{id}/attachments/``: whoever reads the ticket lists and adds
        (head office only lists)."""
        complaint = self.get_object()
        if request.method == "POST":
            if not permissions.can_attach(request.user, complaint):
                raise PermissionDenied(_("您的角色不能上传附件。"))
            serializer = AttachmentUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            added = complaint_attachment_add(
                complaint=complaint,
                actor=request.user,
                upload=serializer.validated_data["file"],
                description=serializer.validated_data["description"],
            )
            return Response(AttachmentSerializer(added).data, status=status.HTTP_201_CREATED)
        rows = complaint.attachments.filter(deleted_at__isnull=True).select_related("uploaded_by")
        return Response(AttachmentSerializer(rows, many=True).data)

    def _act(self, request: Any, name: str) -> Response:
        """One complaint action from the action table (the endpoints below are generated from it)."""
        step = ACTIONS[name]
        complaint = self.get_object()
        # The role comes first (403), then the input (400), then the state (409).
        if not step.allowed(request.user, complaint):
            raise PermissionDenied(_("您的角色或部门不能对该投诉执行此操作。"))
        serializer = ActionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            done = step.run(complaint=complaint, actor=request.user, data=serializer.validated_data)
        except RequiredTextError as exc:  # malformed input, before any business check
            raise serializers.ValidationError({exc.field: [exc.message]}) from None
        # A department that returned the ticket no longer sees it: answer with the ticket as it left.
        fresh = self.get_queryset().filter(pk=complaint.pk).first() or done
        return Response(ComplaintSerializer(fresh, context={"request": request}).data)


def _action_endpoint(name: str) -> Any:
    """``POST /api/complaints/{id}/{name}/``: the viewset method ``<name>_action`` (URL name
    ``complaint-<name>-action``), generated from the action table."""

    def endpoint(self: ComplaintViewSet, request: Any, pk: Any = None) -> Response:
        return self._act(request, name)

    endpoint.__name__ = f"{name}_action"
    endpoint.__qualname__ = f"ComplaintViewSet.{name}_action"
    routed = action(detail=True, methods=["post"], url_path=name)(endpoint)
    return extend_schema(request=ActionSerializer, responses={200: ComplaintSerializer})(routed)


for _name in ACTIONS:
    setattr(ComplaintViewSet, f"{_name}_action", _action_endpoint(_name))


class AssessmentEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    points = serializers.CharField()
    complaint = serializers.CharField(required=False)
    complaint_id = serializers.IntegerField(required=False)
    step = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
    at = serializers.CharField()


class AssessmentRowSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    department_name = serializers.CharField()
    store = serializers.IntegerField()
    deductions = serializers.IntegerField()
    adjustments = serializers.CharField()
    total = serializers.CharField()
    events = AssessmentEventSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    month = serializers.CharField()
    results = AssessmentRowSerializer(many=True)


def _event_value(value: Any) -> Any:
    """An assessment event's value as JSON: a moment as ISO 8601 in business time (+08:00, as
    every other API gives it; str() gave UTC with a space), points and decimals as text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, business_tz()).isoformat()
    return value if isinstance(value, int | str) else str(value)


class AssessmentApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter("store", int),
        ],
        responses={200: AssessmentSerializer},
    )
    def get(self, request: Any) -> Response:
        raw = request.query_params.get("month", "")
        month = params.parse_month(raw)
        store_id = params.id_param(request.query_params, "store")
        rows = selectors.assessment(user=request.user, month=month, store_id=store_id)
        return Response(
            {
                "month": raw,
                "results": [
                    {
                        "department": row["department"].pk,
                        "department_name": row["department"].name,
                        "store": row["department"].store_id,
                        "deductions": row["deductions"],
                        "adjustments": str(row["adjustments"]),
                        "total": str(row["total"]),
                        "events": [{k: _event_value(v) for k, v in e.items()} for e in row["events"]],
                    }
                    for row in rows
                ],
            }
        )
