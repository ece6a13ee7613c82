"""REST API for the shared records: /api/me/, stores, departments; the customers, vehicles, sales and
visits APIs are in ``csat.apis.customers`` and re-exported here (the router registers them from here).

Thin: serializers validate input, services write, selectors read (store-scoped).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from csat import access, selectors
from csat.apis import filtering
from csat.apis.customers import (
    CustomerFilter,
    CustomerSerializer,
    CustomerViewSet,
    SalesDeliverySerializer,
    SalesDeliveryViewSet,
    ScopedModelViewSet,
    ServiceVisitSerializer,
    ServiceVisitViewSet,
    StaffUserField,
    StoreScopedField,
    VehicleFilter,
    VehicleSerializer,
    VehicleViewSet,
)
from csat.apis.fields import ModelSerializer
from csat.models import Department, DepartmentKind, Store

# The customers APIs are re-exported from csat.apis.customers.
__all__ = [
    "CustomerFilter",
    "CustomerSerializer",
    "CustomerViewSet",
    "DepartmentFilter",
    "DepartmentSerializer",
    "DepartmentViewSet",
    "MeApi",
    "MeSerializer",
    "SalesDeliverySerializer",
    "SalesDeliveryViewSet",
    "ScopedModelViewSet",
    "ServiceVisitSerializer",
    "ServiceVisitViewSet",
    "StaffUserField",
    "StoreScopedField",
    "StoreSerializer",
    "StoreViewSet",
    "VehicleFilter",
    "VehicleSerializer",
    "VehicleViewSet",
]


class StoreSerializer(ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "code", "name", "city"]


class DepartmentSerializer(ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "store", "kind", "name"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    role_label = serializers.CharField(allow_null=True)
    store = StoreSerializer(allow_null=True)
    department = DepartmentSerializer(allow_null=True)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Any) -> Response:
        user = request.user
        profile = access.profile_of(user)
        data = {
            "id": user.id,
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "role": profile.role if profile else None,
            "role_label": profile.get_role_display() if profile else None,
            "store": profile.store if profile else None,
            "department": profile.department if profile else None,
        }
        return Response(MeSerializer(data).data)


class StoreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StoreSerializer
    filterset_fields = ["code", "city"]

    def get_queryset(self) -> Any:
        return selectors.store_list(user=self.request.user)


class DepartmentFilter(filtering.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["store", "kind"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter

    def get_queryset(self) -> Any:
        return selectors.department_list(user=self.request.user)
