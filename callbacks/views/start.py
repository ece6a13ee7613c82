"""新建回访 from the customer's page (issue #22): the customer's open task, or a new one due now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callbacks.services.manual import callback_task_start_for_customer
from callbacks.views.queue import require_call
from csat import selectors as csat_selectors
from csat.exceptions import ApplicationError


@login_required
@require_POST
def start_for_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    require_call(request)
    # Another store's customer is a 404 (the customer page's own scope).
    customer = get_object_or_404(csat_selectors.customer_list(user=request.user), pk=customer_id)
    try:
        started = callback_task_start_for_customer(customer=customer, actor=request.user)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("customer-detail", pk=customer.pk)
    if started.created:
        messages.success(
            request, _("已新建回访任务（%(t)s），现在可以开始回访。") % {"t": started.task.get_type_display()}
        )
    else:
        messages.info(request, _("该客户已有未完成的回访任务，已为您打开。"))
    return redirect("callbacks:call", pk=started.task.pk)
