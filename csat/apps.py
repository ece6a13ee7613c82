from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CsatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "csat"
    verbose_name = _("基础资料")

    def ready(self) -> None:
        from csat.beat import sync_after_migrate
        from csat.tokens import connect_token_revocation

        connect_token_revocation()

        # Cached figures follow every write to the tables they read (csat.revisions).
        from django.db import connections
        from django.db.backends.signals import connection_created

        from csat.revisions import watch

        connection_created.connect(watch, dispatch_uid="csat.revisions.watch")
        for connection in connections.all(initialized_only=True):
            watch(sender=None, connection=connection)

        # Once per migrate run (sent for this app), after every app's migrations are applied.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="csat.beat.sync_after_migrate")
