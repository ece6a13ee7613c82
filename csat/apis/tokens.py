"""``POST /api/auth/token/`` (CONTRACT: username + password → ``{"token": "…"}``, used as
``Authorization: Token …``), ``POST /api/auth/logout/`` and ``GET/DELETE /api/auth/tokens/``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from csat.apis.fields import ModelSerializer
from csat.tokens import token_issue, tokens_revoke


class TokenOut(serializers.Serializer):
    token = serializers.CharField()


class TokenRow(ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry", "current"]

    def get_current(self, token: AuthToken) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return bool(isinstance(auth, AuthToken) and auth.pk == token.pk)


class TokenObtainApi(APIView):
    """A new token for the user; goes through the same sign-in backends (and lock-out) as the page."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        # 415: a body in a media type no parser reads (e.g. a broken multipart boundary).
        responses={200: TokenOut, 415: OpenApiResponse(description="Unsupported media type")},
    )
    def post(self, request: Any) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response({"token": token_issue(user=serializer.validated_data["user"])})


class TokenLogoutApi(APIView):
    """Sign out: the token this request carries stops working."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Any) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(APIView):
    """The signed-in user's tokens (never the token itself); DELETE revokes all of them."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TokenRow(many=True)})
    def get(self, request: Any) -> Response:
        tokens = AuthToken.objects.filter(user=request.user).order_by("-created")
        return Response(TokenRow(tokens, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="auth_tokens_revoke_all",
        responses={200: inline_serializer("TokensRevoked", {"revoked": serializers.IntegerField()})},
    )
    def delete(self, request: Any) -> Response:
        return Response({"revoked": tokens_revoke(user=request.user)})


class TokenDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_tokens_revoke", responses={204: None})
    def delete(self, request: Any, token_key: str) -> Response:
        if not tokens_revoke(user=request.user, token_key=token_key):
            raise NotFound  # DRF's "Not found." in the user's language (zh-hans: "未找到。")
        return Response(status=status.HTTP_204_NO_CONTENT)
