"""A user's own saved filter set of the complaint lists (issue #22: saved views with live counts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=40)
    # The list's parameters in canonical order (complaints.filters.canonical_query), without a page.
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保存的视图")
        verbose_name_plural = _("保存的视图")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name_per_user"),
        ]

    def __str__(self) -> str:
        return self.name
