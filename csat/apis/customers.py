"""REST API for customers and their records: customers, vehicles, sales deliveries, service visits.

Thin: serializers validate input, services write, selectors read (store-scoped).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from csat import access, selectors, services
from csat.apis import filtering
from csat.apis.fields import MobileField, MobileListField, ModelSerializer, NameField, PrimaryKeyField
from csat.apis.pagination import KeysetPagination
from csat.apis.permissions import CustomerDataPermission
from csat.domain import identifiers
from csat.models import (
    Customer,
    IdentityFlag,
    SalesDelivery,
    ServiceKind,
    ServiceVisit,
    Store,
    Vehicle,
)
from csat.params import not_after_today

User = get_user_model()

# A record of what already happened: its date or time is not in the future, the import's rule
# (csat.params.not_after_today): a delivery dated ahead would schedule its callback years later.
PAST_EVENT = {"validators": [not_after_today]}


class StoreScopedField(PrimaryKeyField):
    """A foreign key the user may only point at rows of stores they can see (else 'does not exist')."""

    def __init__(self, *, selector: Any, **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.selector(user=self.context["request"].user)


class StaffUserField(PrimaryKeyField):
    def get_queryset(self) -> Any:
        user = self.context["request"].user
        qs = User.objects.filter(profile__isnull=False)
        if access.sees_all_stores(user):
            return qs
        store_id = access.user_store_id(user)
        return qs.filter(profile__store_id=store_id) if store_id else qs.none()


def _store_for_write(request: Any, data: dict[str, Any]) -> Store:
    """A user writes into their own store; head-office/superusers must name one they can see."""
    store = data.pop("store", None)
    own = access.user_store_id(request.user)
    if store is None:
        if own is None:
            raise serializers.ValidationError({"store": [_("请选择门店。")]})
        return Store.objects.get(pk=own)
    return store


class CustomerSerializer(ModelSerializer):
    store = StoreScopedField(selector=selectors.store_list, required=False)
    identity_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=IdentityFlag.choices), required=False
    )
    extra_phones = MobileListField(required=False)
    # Wider than the stored 11 digits: "+86 138-0013-8000" is accepted and normalised by validate_mobile.
    # Read back masked for roles that do not phone customers.
    mobile = MobileField(max_length=32)
    name = NameField(max_length=100, blank_message=_("请填写客户姓名。"))
    fleet_account = NameField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "store",
            "name",
            "mobile",
            "extra_phones",
            "identity_flags",
            "fleet_account",
            "do_not_contact",
            "do_not_contact_reason",
            "remarks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is a database constraint checked in the service (with a readable message).
        validators: list[Any] = []

    def validate_mobile(self, value: str) -> str:
        try:
            return identifiers.normalize_mobile(value)
        except ValueError:
            raise serializers.ValidationError(_("请输入 11 位大陆手机号，例如 13800138000。")) from None


class CustomerFilter(filtering.FilterSet):
    mobile = django_filters.CharFilter(method="filter_mobile")
    name = django_filters.CharFilter(lookup_expr="startswith")
    q = django_filters.CharFilter(method="filter_q", label=_("搜索：手机号、车牌、VIN 或姓名"))

    class Meta:
        model = Customer
        fields = ["store", "do_not_contact", "mobile", "name"]

    def filter_mobile(self, queryset: Any, name: str, value: str) -> Any:
        try:
            return queryset.filter(mobile=identifiers.normalize_mobile(value))
        except ValueError:
            return queryset.none()

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        found = selectors.customer_search(user=self.request.user, query=value, limit=200, with_vehicles=False)
        return queryset.filter(id__in=[c.id for c in found])


def _unique_error(exc: Exception) -> None:
    from django.core.exceptions import ValidationError as DjangoValidationError

    if isinstance(exc, DjangoValidationError):
        raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
    raise exc


class ScopedModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List/retrieve/create/update; POST also takes a JSON list, imported all or nothing."""

    permission_classes = [CustomerDataPermission]
    selector: Any = None
    # Up to millions of rows: a cursor on the ordering (default newest id first), no COUNT.
    pagination_class = KeysetPagination
    keyset_fields: tuple[str, ...] = ("created_at",)

    def get_queryset(self) -> Any:
        return type(self).selector(user=self.request.user)

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        many = isinstance(request.data, list)
        if many and not request.data:
            raise serializers.ValidationError({"non_field_errors": [_("列表不能为空。")]})
        serializer = self.get_serializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        # Errors keyed by row index, only for the rows that failed: the same shape DRF gives for
        # rows the serializer rejects (LIST_SERIALIZER_ERRORS_AS_DICT).
        errors: dict[int, Any] = {}
        created = []
        with transaction.atomic():
            sid = transaction.savepoint()
            for index, row in enumerate(rows):
                try:
                    created.append(self.perform_create_row(dict(row)))
                except serializers.ValidationError as exc:
                    errors[index] = exc.detail
            if errors:
                # One bad row rejects the whole batch: nothing is written.
                transaction.savepoint_rollback(sid)
                raise serializers.ValidationError(errors if many else errors[0])  # type: ignore[arg-type]
        out = self.get_serializer(created, many=True).data if many else self.get_serializer(created[0]).data
        return Response(out, status=status.HTTP_201_CREATED)

    def perform_create_row(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("store", None)  # records never move between stores
        try:
            serializer.instance = self.update_service(serializer.instance, data)
        except Exception as exc:  # noqa: BLE001 - re-raised as a field error or unchanged
            _unique_error(exc)

    def update_service(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError


class CustomerViewSet(ScopedModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    selector = staticmethod(selectors.customer_list)
    ordering_fields = ["id", "name", "created_at"]
    keyset_fields = ("name", "created_at")

    def perform_create_row(self, data: dict[str, Any]) -> Customer:
        store = _store_for_write(self.request, data)
        if Customer.objects.filter(store=store, mobile=data["mobile"]).exists():
            raise serializers.ValidationError({"mobile": [_("该手机号的客户已存在。")]})
        try:
            return services.customer_create(store=store, **data)
        except Exception as exc:  # noqa: BLE001
            _unique_error(exc)
            raise

    def update_service(self, instance: Customer, data: dict[str, Any]) -> Customer:
        return services.customer_update(customer=instance, data=data)


class VehicleSerializer(ModelSerializer):
    store = StoreScopedField(selector=selectors.store_list, required=False)
    customer = StoreScopedField(selector=selectors.customer_list)
    plate_display = serializers.CharField(read_only=True)
    # Wider than the stored value: separators and spaces are stripped by validate_plate/validate_vin.
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True)
    vin = serializers.CharField(max_length=40)
    model = NameField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Vehicle
        fields = ["id", "store", "customer", "plate", "plate_display", "vin", "model", "purchase_date"]
        validators: list[Any] = []
        extra_kwargs = {"purchase_date": PAST_EVENT}

    def validate_plate(self, value: str) -> str:
        if not value:
            return ""
        try:
            return identifiers.normalize_plate(value)
        except ValueError:
            raise serializers.ValidationError(
                _("车牌号格式不正确，例如 粤B·12345 或新能源 粤B·D12345。")
            ) from None

    def validate_vin(self, value: str) -> str:
        try:
            return identifiers.normalize_vin(value)
        except ValueError as exc:
            if str(exc) == "invalid_vin_check_digit":
                raise serializers.ValidationError(_("车架号校验位不正确，请核对。")) from None
            raise serializers.ValidationError(_("车架号必须是 17 位字母数字（不含 I、O、Q）。")) from None


class VehicleFilter(filtering.FilterSet):
    plate = django_filters.CharFilter(method="filter_plate")

    class Meta:
        model = Vehicle
        fields = ["store", "customer", "vin", "model"]

    def filter_plate(self, queryset: Any, name: str, value: str) -> Any:
        try:
            return queryset.filter(plate=identifiers.normalize_plate(value))
        except ValueError:
            return queryset.filter(plate__startswith=value.upper().replace("·", ""))


class VehicleViewSet(ScopedModelViewSet):
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilter
    selector = staticmethod(selectors.vehicle_list)

    def perform_create_row(self, data: dict[str, Any]) -> Vehicle:
        store = _store_for_write(self.request, data)
        if Vehicle.objects.filter(store=store, vin=data["vin"]).exists():
            raise serializers.ValidationError({"vin": [_("该车架号的车辆已存在。")]})
        try:
            return services.vehicle_create(store=store, **data)
        except Exception as exc:  # noqa: BLE001
            _unique_error(exc)
            raise

    def update_service(self, instance: Vehicle, data: dict[str, Any]) -> Vehicle:
        return services.vehicle_update(vehicle=instance, data=data)


class SalesDeliverySerializer(ModelSerializer):
    store = StoreScopedField(selector=selectors.store_list, required=False)
    vehicle = StoreScopedField(selector=selectors.vehicle_list)
    customer = StoreScopedField(selector=selectors.customer_list, required=False)
    consultant = StaffUserField(required=False, allow_null=True)

    class Meta:
        model = SalesDelivery
        fields = ["id", "store", "vehicle", "customer", "consultant", "delivered_at"]
        validators: list[Any] = []
        extra_kwargs = {"delivered_at": PAST_EVENT}


class SalesDeliveryViewSet(ScopedModelViewSet):
    serializer_class = SalesDeliverySerializer
    filterset_fields = {
        "store": ["exact"],
        "vehicle": ["exact"],
        "customer": ["exact"],
        "delivered_at": ["gte", "lt"],
    }
    selector = staticmethod(selectors.sales_delivery_list)

    def perform_create_row(self, data: dict[str, Any]) -> SalesDelivery:
        store = _store_for_write(self.request, data)
        if SalesDelivery.objects.filter(store=store, vehicle=data["vehicle"]).exists():
            raise serializers.ValidationError({"vehicle": [_("该车辆的交车记录已存在。")]})
        try:
            return services.sales_delivery_create(store=store, **data)
        except Exception as exc:  # noqa: BLE001
            _unique_error(exc)
            raise

    def update_service(self, instance: SalesDelivery, data: dict[str, Any]) -> SalesDelivery:
        return services.sales_delivery_update(sale=instance, data=data)


class ServiceVisitSerializer(ModelSerializer):
    store = StoreScopedField(selector=selectors.store_list, required=False)
    vehicle = StoreScopedField(selector=selectors.vehicle_list)
    customer = StoreScopedField(selector=selectors.customer_list, required=False)
    service_advisor = StaffUserField(required=False, allow_null=True)
    technician = StaffUserField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ServiceKind.choices)

    class Meta:
        model = ServiceVisit
        fields = [
            "id",
            "store",
            "repair_order_no",
            "vehicle",
            "customer",
            "kind",
            "service_advisor",
            "technician",
            "opened_at",
            "handed_back_at",
            "mileage",
            "quality_related",
            "parts_backorder_days",
        ]
        validators: list[Any] = []
        extra_kwargs = {"opened_at": PAST_EVENT, "handed_back_at": PAST_EVENT}


class ServiceVisitViewSet(ScopedModelViewSet):
    serializer_class = ServiceVisitSerializer
    filterset_fields = {
        "store": ["exact"],
        "vehicle": ["exact"],
        "customer": ["exact"],
        "kind": ["exact"],
        "repair_order_no": ["exact"],
        "handed_back_at": ["gte", "lt"],
    }
    selector = staticmethod(selectors.service_visit_list)

    def perform_create_row(self, data: dict[str, Any]) -> ServiceVisit:
        store = _store_for_write(self.request, data)
        if ServiceVisit.objects.filter(store=store, repair_order_no=data["repair_order_no"]).exists():
            raise serializers.ValidationError({"repair_order_no": [_("该工单号已存在。")]})
        try:
            return services.service_visit_create(store=store, **data)
        except Exception as exc:  # noqa: BLE001
            _unique_error(exc)
            raise

    def update_service(self, instance: ServiceVisit, data: dict[str, Any]) -> ServiceVisit:
        return services.service_visit_update(visit=instance, data=data)
