from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from audit.context import task_finished, task_started
        from audit.services import export_recorded
        from csat.events import personal_data_exported

        task_prerun.connect(task_started, weak=False, dispatch_uid="audit-task-started")
        task_postrun.connect(task_finished, weak=False, dispatch_uid="audit-task-finished")
        personal_data_exported.connect(export_recorded, weak=False, dispatch_uid="audit-export")
