from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("投诉")

    def ready(self) -> None:
        from complaints.services.deadlines import on_calendar_changed
        from csat.events import calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="complaints-calendar")

        from complaints import customer_page, home, search

        home.register()
        search.register()
        customer_page.register()
