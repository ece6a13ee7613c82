"""Why a complaint happened: the cause codes recorded on resolved complaints (DOMAIN §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from csat.domain.scoring import REASON_CODES

from .tickets import Category

# English names of the seeded codes (migration 0003: the five-dimension reason codes and the sales
# and finance causes), looked up by code at display time. A code an admin adds later has no English
# name and shows its label.
LABELS_EN: dict[str, str] = {
    **{code: en[0].upper() + en[1:] for codes in REASON_CODES.values() for code, (_zh, en) in codes.items()},
    "delivery_delay": "Delivery delayed",
    "price_dispute": "Price or discount dispute",
    "sales_promise_broken": "Sales promise not kept",
    "vehicle_defect_at_delivery": "Vehicle flawed at delivery",
    "paperwork_delay": "Paperwork or plates slow",
    "billing_error": "Billing or settlement error",
    "invoice_delay": "Invoice issued late",
    "opaque_pricing": "Labour and parts prices unclear",
}


def cause_label(code: str, label: str) -> str:
    """A cause code's name in the reader's language (English by code on English pages)."""
    if (get_language() or "").startswith("en") and code in LABELS_EN:
        return LABELS_EN[code]
    return label


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
        return self.shown_label

    @property
    def shown_label(self) -> str:
        return cause_label(self.code, self.label)
