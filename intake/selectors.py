from django.db.models import QuerySet

from csat.access import AnyUser, scope_to_user
from intake.models import ImportJob


def import_job_list(*, user: AnyUser) -> QuerySet[ImportJob]:
    return scope_to_user(
        ImportJob.objects.select_related("store", "created_by", "confirmed_by").defer("errors"), user
    )
