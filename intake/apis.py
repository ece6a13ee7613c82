"""/api/import/: upload a DMS file, read its preview, confirm it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from csat import access, selectors
from csat.apis.fields import ModelSerializer, PrimaryKeyField
from intake import selectors as intake_selectors
from intake import services
from intake.columns import KIND_CHOICES
from intake.forms import ALLOWED_EXTENSIONS
from intake.models import ImportJob


class CanImport(BasePermission):
    message = _("只有客户部和各部门经理可以导入数据。")

    def has_permission(self, request: Any, view: Any) -> bool:
        return access.can_import(request.user) and not access.is_read_only(request.user)


class ImportJobSerializer(ModelSerializer):
    errors = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "store",
            "kind",
            "original_name",
            "status",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "message",
            "errors",
            "created_at",
            "finished_at",
        ]

    def get_errors(self, job: ImportJob) -> list[dict[str, Any]]:
        return job.errors[:100] if "errors" not in job.get_deferred_fields() else []


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    file = serializers.FileField()
    store = PrimaryKeyField(queryset=ImportJob.objects.none(), required=False)
    confirm = serializers.BooleanField(default=False, help_text=_("校验通过后直接导入"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent when drf-spectacular builds the schema
        if request is not None:
            self.fields["store"].queryset = selectors.store_list(user=request.user)  # type: ignore[attr-defined]

    def validate_file(self, value: Any) -> Any:
        if not str(value.name).lower().endswith(ALLOWED_EXTENSIONS):
            raise serializers.ValidationError(_("只支持 .xlsx 或 .csv 文件。"))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "store" not in attrs:
            store_id = access.user_store_id(self.context["request"].user)
            if store_id is None:
                raise serializers.ValidationError({"store": [_("请选择门店。")]})
            attrs["store"] = selectors.store_list(user=self.context["request"].user).get(pk=store_id)
        return attrs


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [CanImport]
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["status", "kind", "store"]

    def get_queryset(self) -> Any:
        queryset = intake_selectors.import_job_list(user=self.request.user)
        return queryset.defer(None) if self.action != "list" else queryset

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = services.import_job_create(
            user=request.user, store=data["store"], kind=data["kind"], uploaded_file=data["file"]
        )
        if data["confirm"] and job.status == ImportJob.Status.PREVIEW:
            services.import_job_confirm(job=job, user=request.user)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Any, pk: Any = None) -> Response:
        job = self.get_object()
        services.import_job_confirm(job=job, user=request.user)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)
