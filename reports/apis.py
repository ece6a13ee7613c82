"""REST API of the monthly reports: the built versions (list, detail with data, build one) and the
xlsx of the latest version of a month."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from csat import params, text_limits
from csat.apis.fields import ModelSerializer
from reports import permissions, records, selectors
from reports.forms import FUTURE_MONTH
from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from reports.views import XLSX, xlsx_response


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for the spreadsheet; errors still come back as JSON text."""

    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


class XlsxOnlyNegotiation(DefaultContentNegotiation):
    """The downloads offer the xlsx only (their JSON renderer is for their errors). DRF's
    ``?format=`` (or a ``.json`` suffix) picks a renderer, which a file response never uses:
    ``?format=json`` returned the xlsx while ``?format=csv`` was a 404. Any format but xlsx is now
    the 404 DRF gives a format a view does not offer."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: str | None = None) -> Any:
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if wanted and wanted != XlsxRenderer.format:
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)


class MonthlyReportSerializer(ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, default=None)
    built_by = serializers.CharField(source="built_by.username", read_only=True, default=None)
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "month",
            "store",
            "store_name",
            "scope",
            "version",
            "trigger",
            "built_by",
            "built_at",
            "data_as_of",
            "xlsx_url",
        ]
        read_only_fields = fields

    def get_xlsx_url(self, obj: MonthlyReport) -> str:
        return reverse("api-monthly-report-xlsx", args=[obj.pk])


class ManufacturerScoreSerializer(serializers.Serializer):
    """The manufacturer's score of the report month's quarter, beside our satisfaction (issue #19)."""

    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    score = serializers.FloatField(
        allow_null=True, help_text=_("门店报表为本店分值；集团报表为已录入门店的平均")
    )
    count = serializers.IntegerField(help_text=_("已录入的门店数"))
    stores = serializers.ListField(child=serializers.DictField())


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    # Added after the first release (issue #19): the version's manufacturer score (the same figure
    # as ``data.manufacturer``, the dashboard and the xlsx Summary); null in versions built before.
    manufacturer_score = serializers.SerializerMethodField()

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "data", "manufacturer_score"]
        read_only_fields = fields

    @extend_schema_field(ManufacturerScoreSerializer(allow_null=True))
    def get_manufacturer_score(self, obj: MonthlyReport) -> dict[str, Any] | None:
        figure = obj.data.get("manufacturer") if isinstance(obj.data, dict) else None
        if not figure:
            return None
        return {key: figure.get(key) for key in ("year", "quarter", "score", "count", "stores")}


class BuildSerializer(serializers.Serializer):
    month = serializers.CharField(max_length=text_limits.MONTH, help_text="YYYY-MM")
    store = serializers.IntegerField(required=False, allow_null=True, help_text=_("门店 id；不填为本人门店"))
    scope = serializers.CharField(
        max_length=text_limits.SCOPE, required=False, allow_blank=True, help_text=_("GROUP 为集团报表")
    )

    def validate_month(self, value: str) -> Any:
        try:
            month = selectors.parse_month(value)
        except ValueError:
            raise serializers.ValidationError(_("月份格式应为 YYYY-MM。")) from None
        if month > selectors.current_month():
            raise serializers.ValidationError(FUTURE_MONTH)
        return month


def _month_param(request: Any) -> Any:
    return params.month_param(request.query_params)


class MonthlyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Built report versions, newest first; filter with ``month`` (YYYY-MM), ``store`` (id) or
    ``scope`` (GROUP or a store code). Head office sees every store and the group."""

    lookup_value_regex = r"\d+"
    serializer_class = MonthlyReportSerializer
    filter_backends: list[Any] = []

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not permissions.can_view(request.user):
            raise PermissionDenied(_("您没有员工档案，无法查看报表。"))

    def get_serializer_class(self) -> Any:
        return MonthlyReportDetailSerializer if self.action == "retrieve" else MonthlyReportSerializer

    def get_queryset(self) -> Any:
        if self.action != "list":
            return selectors.report_versions(user=self.request.user).defer(None)
        return selectors.report_versions(
            user=self.request.user,
            month=_month_param(self.request),
            store_id=params.id_param(self.request.query_params, "store"),
            scope=self.request.query_params.get("scope") or None,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("store", int),
            OpenApiParameter("scope", str, description="GROUP or a store code"),
        ]
    )
    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """One version with its data: the figures for everyone, the ticket rows and survey records
        those the user may see (``reports.records``; issue #21)."""
        report = self.get_object()
        payload = dict(self.get_serializer(report).data)
        payload["data"] = records.data_for(report.data, records.record_access(request.user))
        return Response(payload)

    @extend_schema(request=BuildSerializer, responses={201: MonthlyReportSerializer})
    def create(self, request: Any) -> Response:
        """Build a new version now (trigger ``api``)."""
        if not permissions.can_build(request.user):
            raise PermissionDenied(_("您的角色不能生成报表。"))
        form = BuildSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        store = permissions.resolve_scope(
            request.user,
            scope=form.validated_data.get("scope") or None,
            store_id=form.validated_data.get("store"),
        )
        report = report_build(
            month=form.validated_data["month"], store=store, trigger=Trigger.API, user=request.user
        )
        return Response(MonthlyReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="reports_monthly_version_xlsx", responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path="xlsx",
        renderer_classes=[JSONRenderer, XlsxRenderer],
        content_negotiation_class=XlsxOnlyNegotiation,
    )
    def xlsx(self, request: Any, pk: str) -> Any:
        return xlsx_response(
            selectors.report_get(user=request.user, pk=int(pk)), user=request.user, via="api"
        )


class MonthlyReportXlsxApi(APIView):
    """The latest version of a month: the user's own store by default; ``?store=<id>`` or
    ``?scope=GROUP`` for head office. 404 when none was built or it is not visible."""

    renderer_classes = [JSONRenderer, XlsxRenderer]
    content_negotiation_class = XlsxOnlyNegotiation

    @extend_schema(
        operation_id="reports_monthly_month_xlsx",
        parameters=[OpenApiParameter("store", int), OpenApiParameter("scope", str, description="GROUP")],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request: Any, month: str) -> Any:
        if not permissions.can_view(request.user):
            raise PermissionDenied(_("您没有员工档案，无法查看报表。"))
        try:
            wanted = selectors.parse_month(month)
        except ValueError:
            raise serializers.ValidationError({"month": [_("月份格式应为 YYYY-MM。")]}) from None
        store = permissions.resolve_scope(
            request.user,
            scope=request.query_params.get("scope") or None,
            store_id=request.query_params.get("store"),
        )
        report = selectors.latest_report(
            user=request.user, month=wanted, store_id=store.pk if store else None
        )
        return xlsx_response(report, user=request.user, via="api")
