from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "prevention"
    verbose_name = _("预防措施")

    def ready(self) -> None:
        from complaints.hooks import register_approval_source
        from prevention.selectors import awaiting_approval

        register_approval_source("measures", awaiting_approval)
