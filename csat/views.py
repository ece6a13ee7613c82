"""Landing pages and the customer lookup every role uses. Thin: selectors do the reading."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from csat import access, customer_page, fragments, health, params, search, selectors, services
from csat import home as home_tiles
from csat.business_time import business_tz
from csat.domain import periods
from csat.domain.grading import IDENTITY_GUIDANCE
from csat.forms import CalendarOverrideForm, CalendarScheduleForm
from csat.models import CalendarOverride, IdentityFlag, Notification, Role
from csat.notifications import notification_mark_read
from csat.params import id_param

LANDING_TEMPLATES = {
    Role.AGENT: "csat/landing/agent.html",
    Role.CUSTOMER_CARE_MANAGER: "csat/landing/customer_care_manager.html",
    Role.DEPARTMENT_MANAGER: "csat/landing/department_manager.html",
    Role.GENERAL_MANAGER: "csat/landing/general_manager.html",
    Role.ADMIN_ASSESSOR: "csat/landing/admin_assessor.html",
    Role.GROUP_VIEWER: "csat/landing/group_viewer.html",
    Role.STAFF: "csat/landing/staff.html",
}


# DOMAIN §9: the admin (综合部) and the GM see that next year's schedule is unconfirmed.
CALENDAR_WARNED_ROLES = (Role.ADMIN_ASSESSOR, Role.GENERAL_MANAGER)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    role = access.role_of(request.user)
    template = LANDING_TEMPLATES.get(Role(role), "") if role else ""
    template = template or "csat/landing/no_role.html"
    context: dict[str, Any] = {}
    if role == Role.GROUP_VIEWER:  # head office reads the group's totals; the stores' roles their work
        context["overview"] = selectors.store_overview(user=request.user)
    tiles = home_tiles.home_tiles(user=request.user, role=role, now=timezone.now()) if role else []
    if role in CALENDAR_WARNED_ROLES:
        context["calendar_unconfirmed_year"] = year = selectors.calendar_unconfirmed_year()
        if role == Role.ADMIN_ASSESSOR:
            tiles.append(
                home_tiles.Tile(
                    "calendar",
                    _("日历警告：下一年节假日安排待确认"),
                    1 if year else 0,
                    reverse("calendar-overrides"),
                    tone="warning" if year else "",
                )  # fmt: skip
            )
    context["tiles"] = tiles
    return render(request, template, context)


@login_required
@require_safe
def customer_search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = selectors.customer_search(user=request.user, query=query) if query else []
    hits = search.record_hits(user=request.user, query=query) if query else []
    is_htmx = bool(getattr(request, "htmx", False))
    if len(hits) == 1 and not results and not is_htmx:
        return redirect(hits[0].url)  # a ticket number from the header box opens the ticket
    context = {"query": query, "results": results, "hits": hits}
    template = "csat/partials/_customer_results.html" if is_htmx else "csat/customer_search.html"
    return render(request, template, context)


@login_required
@require_safe
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Scoped queryset: another store's customer is a 404, not a 403 (no hint it exists).
    customer = get_object_or_404(selectors.customer_list(user=request.user), pk=pk)
    card = selectors.customer_card(customer=customer)
    guidance = [
        {"label": IdentityFlag(flag).label, "text": IDENTITY_GUIDANCE[flag]}
        for flag in customer.identity_flags
        if flag in IDENTITY_GUIDANCE
    ]
    # The panels of the apps above csat (callbacks, complaints, crisis) and their actions.
    panels = customer_page.customer_panels(user=request.user, customer=customer)
    return render(
        request,
        "csat/customer_detail.html",
        {
            "customer": customer,
            "card": card,
            "guidance": guidance,
            "panels": panels,
            "actions": [action for panel in panels for action in panel.actions],
            "title": _("客户档案"),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico`` from the app's own static files (browsers ask for it on every page)."""
    return redirect(static("favicon.ico"), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """No login: database, broker and beat; 200 when all are ok, 503 otherwise. ``warnings`` (an
    unconfirmed calendar year, notifications unsent for an hour or given up) never fail it.

    ``?skip=beat`` leaves a check out (the web container's own probe: beat starts after web).
    """
    skip = frozenset(part for part in request.GET.get("skip", "").split(",") if part)
    report, ok = health.health(skip=skip)
    return JsonResponse({**report, "ok": ok}, status=200 if ok else 503)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    if request.method == "POST":
        notification_mark_read(user=request.user, notification_id=id_param(request.POST, "id"))
        return redirect(reverse("notifications") + ("?unread=1" if unread_only else ""))
    mine = Notification.objects.filter(recipient=request.user)
    items = (mine.filter(read_at__isnull=True) if unread_only else mine).order_by("-created_at", "-id")[:100]
    return render(
        request,
        "csat/notifications.html",
        {
            "items": items,
            "unread_only": unread_only,
            "unread": fragments.unread_count(request.user),
            "title": _("通知"),
        },
    )


@require_safe
def notifications_unread(request: HttpRequest) -> HttpResponse:
    """The navigation's unread badge alone, polled by every signed-in page (base.html, every 60 s
    while the tab is shown) so that a new dispatch shows without a reload: the user's own unread
    count, kept under the revision of the notifications (csat.fragments.unread_count: one indexed
    COUNT after a change, none otherwise). Signed out: 403 and nothing else (no redirect to the
    login page, whose markup the poll would put into the badge)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    response = HttpResponse(fragments.unread_badge(request.user))
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about and mark it read on the way, as a mail client does: the
    badge counts what is still unseen. Another user's notification is a 404."""
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, notification_id=item.pk)
    # Only a path of this site (the services write them); anything else falls back to the inbox.
    local = item.url.startswith("/") and url_has_allowed_host_and_scheme(item.url, allowed_hosts=None)
    return redirect(item.url if local else reverse("notifications"))


@login_required
def calendar_overrides(request: HttpRequest) -> HttpResponse:
    """Admin (综合部) maintains holidays and adjusted working days, imports and confirms a year's
    official schedule; open deadlines move with every change."""
    can_edit = access.has_role(request.user, Role.ADMIN_ASSESSOR)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CalendarOverrideForm(request.POST if action in ("", "override") and request.POST else None)
    schedule_form = CalendarScheduleForm(
        request.POST if action == "import" else None, request.FILES if action == "import" else None
    )
    refused = False
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        delete_id = id_param(request.POST, "delete")
        if delete_id is not None:
            override = get_object_or_404(CalendarOverride, pk=delete_id)
            services.calendar_override_delete(override=override)
            messages.success(request, _("已删除。"))
            return redirect("calendar-overrides")
        if action == "import" and schedule_form.is_valid():
            saved = services.calendar_schedule_import(entries=schedule_form.cleaned_data["entries"])
            year = schedule_form.cleaned_data.get("confirm_year")
            if year:
                services.calendar_year_confirm(year=year, user=request.user)
            messages.success(request, _("已导入 %(n)s 天，相关未完成的时限已重新计算。") % {"n": saved})
            return redirect("calendar-overrides")
        if action == "unconfirm":  # "²".isdigit() is true: the year goes through the one parser
            try:
                unconfirm = params.int_param(
                    request.POST, "year", minimum=periods.MIN_YEAR, maximum=periods.MAX_YEAR
                )
            except params.BadParameter as exc:  # the page again (400) saying so; nothing is changed
                messages.error(request, _("年份无效：%(why)s") % {"why": exc.message})
                refused = True
            else:
                if unconfirm is not None:
                    services.calendar_year_unconfirm(year=unconfirm)
                return redirect("calendar-overrides")
        if action != "import" and form.is_valid():
            services.calendar_override_set(**form.cleaned_data)
            messages.success(request, _("已保存，相关未完成的时限已重新计算。"))
            return redirect("calendar-overrides")
    today = timezone.localdate(timezone=business_tz())
    return render(
        request,
        "csat/calendar_overrides.html",
        {
            "overrides": CalendarOverride.objects.order_by("-date")[:200],
            "form": form,
            "schedule_form": schedule_form,
            "years": selectors.calendar_year_status(today=today),
            "calendar_unconfirmed_year": selectors.calendar_unconfirmed_year(today=today),
            "can_edit": can_edit,
            "title": _("节假日与调休"),
        },
        status=400 if form.errors or schedule_form.errors or refused else 200,
    )
