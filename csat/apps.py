from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "csat"
    verbose_name = _("基础资料")
