from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyLinksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveylinks"
    verbose_name = _("自助调查链接")

    def ready(self) -> None:
        from csat.events import callback_task_unreachable
        from surveylinks import receivers

        callback_task_unreachable.connect(
            receivers.invite_unreachable, dispatch_uid="surveylinks.unreachable"
        )
