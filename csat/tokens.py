"""API tokens (django-rest-knox): issued with an expiry, revoked on a password change, a
deactivation or a sign-out, listed and revoked by their owner (and in the admin).

Only a digest of each token is stored; ``token_key`` (its first 15 characters) names it in lists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from knox.models import AuthToken


def token_issue(*, user: Any) -> str:
    """A new token for ``user`` (expires after ``REST_KNOX["TOKEN_TTL"]``); only its digest is kept."""
    _instance, token = AuthToken.objects.create(user=user)
    return str(token)


def tokens_revoke(*, user: Any, token_key: str | None = None) -> int:
    """Revoke one of the user's tokens (by ``token_key``) or all of them; returns how many."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key)
    return int(tokens.delete()[0])


def _remember_credentials(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or (
        update_fields is not None and not {"password", "is_active"} & set(update_fields)
    ):
        return
    old = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._token_revocation_needed = bool(  # noqa: SLF001
        old and (old["password"] != instance.password or (old["is_active"] and not instance.is_active))
    )


def _revoke_after_credentials_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if getattr(instance, "_token_revocation_needed", False):
        instance._token_revocation_needed = False  # noqa: SLF001
        AuthToken.objects.filter(user_id=instance.pk).delete()  # in the saving transaction


def connect_token_revocation() -> None:
    """A changed or reset password, or a deactivated account, ends every API token of the user."""
    user_model = get_user_model()
    pre_save.connect(_remember_credentials, sender=user_model, dispatch_uid="csat.tokens.remember")
    post_save.connect(_revoke_after_credentials_change, sender=user_model, dispatch_uid="csat.tokens.revoke")
