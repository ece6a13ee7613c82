"""Sign-in backend: Django's ModelBackend, reading the signed-in user with their staff profile,
store and department in the same query (every page's navigation and scope needs all three).

That user is read on every request; it is kept in the cache under the revision of the tables it
comes from (csat.revisions ``accounts``): a changed password, ``is_active`` flag, role, store or
department replaces the token, so the next request reads the row again — a signed-out or
deactivated user is never served from the cache. Each request gets its own copy (unpickled), so
what a request sets on it stays in that request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from csat import revisions


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = revisions.revision_cached("accounts", f"user:{user_id}", lambda: self._read(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _read(user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            return user_model._default_manager.select_related("profile__store", "profile__department").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
