"""The work queue (due today, overdue, call-back-later arriving), claiming, and the dashboard."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from callbacks import dialing, permissions, selectors, services
from callbacks.forms import QueueFilterForm
from csat import access
from csat.exceptions import ApplicationError

# The agent works from the top and the queue refreshes after every call: 25 rows a page keep it fast
# at group scale (rendering the rows was most of its time, bench/RESULTS.md); the pager reaches the rest.
QUEUE_LIMIT = 25


def require_read(request: HttpRequest) -> None:
    if not permissions.can_read(request.user):
        raise PermissionDenied(_("您的角色不能查看回访工作。"))


def require_call(request: HttpRequest) -> None:
    if not permissions.can_call(request.user):
        raise PermissionDenied(_("只有客户部回访专员和客户部经理可以进行回访。"))


def _filters(request: HttpRequest) -> tuple[QueueFilterForm, dict[str, Any]]:
    form = QueueFilterForm(request.GET or None, stores=access.visible_stores(request.user))
    chosen: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        chosen = {
            "store": data["store"].pk if data.get("store") else None,
            "type": data.get("type") or None,
            "agent": data["agent"].pk if data.get("agent") else None,
            "due": data.get("due") or None,
            "search": data.get("q") or None,
        }
    return form, chosen


# The sortable column headers of the queue (issue #22), in the table's order; None: not sortable.
QUEUE_HEADERS = (
    (None, _lazy("分类")),
    ("type", _lazy("类型")),
    ("customer", _lazy("客户")),
    (None, _lazy("车辆")),
    ("due", _lazy("应回访时间")),
    ("attempts", _lazy("拨打次数 · 最近一次拨打")),
    (None, _lazy("状态")),
)


def _query(request: HttpRequest, *, without: tuple[str, ...] = ()) -> str:
    params = request.GET.copy()
    for name in ("page", *without):
        params.pop(name, None)
    return params.urlencode()


def _headers(request: HttpRequest, sort: str) -> list[dict[str, Any]]:
    """Each column's label, its link that sorts by it (again: the other way) and the current order."""
    unsorted = _query(request, without=("sort",))
    headers = []
    for key, label in QUEUE_HEADERS:
        if key is None:
            headers.append({"label": label, "url": "", "order": "", "key": ""})
            continue
        order = "asc" if sort == key else ("desc" if sort == f"-{key}" else "")
        flip = f"-{key}" if sort == key else key
        query = "&".join(part for part in (unsorted, f"sort={flip}") if part)
        headers.append({"label": label, "url": f"?{query}", "order": order, "key": key})
    return headers


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    form, chosen = _filters(request)
    now = timezone.now()
    sort = (form.cleaned_data.get("sort") or "") if form.is_bound and form.is_valid() else ""
    # Paged over the ids alone (a count and one page of them), then only that page's rows are read.
    ids = selectors.work_queue_ids(user=request.user, now=now, sort=sort, **chosen)
    page = Paginator(ids, QUEUE_LIMIT).get_page(request.GET.get("page"))
    tasks = selectors.work_queue_rows(user=request.user, order=list(page.object_list))
    return {
        "form": form,
        "tasks": tasks,
        "page": page,
        "limit": QUEUE_LIMIT,
        "headers": _headers(request, sort),
        "can_call": permissions.can_call(request.user),
        "can_dial": permissions.can_call(request.user) and dialing.enabled(),
        "figures": selectors.queue_figures(
            user=request.user, now=now, agent=request.user, store=chosen.get("store")
        ),
        "query": request.GET.urlencode(),
        "page_query": _query(request),
    }


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    require_read(request)
    context = _queue_context(request)
    if getattr(request, "htmx", False):
        return render(request, "callbacks/partials/_queue.html", context)
    return render(request, "callbacks/queue.html", {**context, "title": _("回访工作队列")})


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    require_read(request)
    form, chosen = _filters(request)
    store = chosen.get("store")
    figures = selectors.callback_dashboard(user=request.user, agent=request.user, store=store)
    # What the queue's tiles do not show: the stores side by side (head office, no store chosen)
    # and who made the calls and surveys.
    stores = (
        selectors.store_figures(user=request.user)
        if store is None and access.sees_all_stores(request.user)
        else []
    )
    return render(
        request,
        "callbacks/dashboard.html",
        {
            "figures": figures,
            "stores": stores,
            "agents": selectors.agent_activity(user=request.user, store=store),
            "form": form,
            "can_call": permissions.can_call(request.user),
            "title": _("回访指标"),
        },
    )


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    require_call(request)
    task = get_object_or_404(selectors.callback_task_list(user=request.user), pk=pk)
    try:
        services.callback_task_claim(task=task, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("callbacks:index")
    return redirect("callbacks:call", pk=task.pk)


@login_required
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    require_call(request)
    _form, chosen = _filters(request)
    return take_next(request, chosen)


def take_next(request: HttpRequest, chosen: dict[str, Any]) -> HttpResponse:
    """Claim the agent's next task of the queue (with these filters) and open its call page."""
    candidates = selectors.work_queue(user=request.user, **chosen)
    task = services.callback_task_claim_next(actor=request.user, candidates=candidates)
    if task is None:
        messages.info(request, _("当前没有可领取的回访任务。"))
        return redirect("callbacks:index")
    return redirect("callbacks:call", pk=task.pk)
