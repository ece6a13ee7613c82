"""Why a complaint happened: the cause codes recorded on resolved complaints (DOMAIN §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .tickets import Category


class CauseCode(models.Model):
    """Why a complaint happened; an editable list, seeded from DOMAIN §2 reason codes."""

    category = models.CharField(_("投诉类别"), max_length=20, choices=Category.choices)
    code = models.CharField(_("代码"), max_length=40, unique=True)
    label = models.CharField(_("原因"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("投诉原因")
        verbose_name_plural = _("投诉原因")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.label
