from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crisis"
    verbose_name = _("危机事件")

    def ready(self) -> None:
        from complaints.hooks import register_ticket_context
        from crisis import receivers
        from crisis.selectors import ticket_crisis_context
        from csat import events

        events.customer_words_recorded.connect(receivers.on_customer_words, dispatch_uid="crisis-words")
        events.complaint_received.connect(receivers.on_complaint_received, dispatch_uid="crisis-complaint")
        events.escalation_requested.connect(receivers.on_escalation_requested, dispatch_uid="crisis-escalate")
        register_ticket_context(ticket_crisis_context)

        from crisis import customer_page, home

        home.register()
        customer_page.register()
