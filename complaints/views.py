"""Complaint pages: queues by role, intake, the ticket with its actions, print form, approvals, assessment."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from complaints import permissions, repeats, selectors
from complaints.actions import ACTIONS
from complaints.forms import AdjustmentForm, ComplaintIntakeForm, DisputeDecisionForm, DisputeForm
from complaints.hooks import approval_context
from complaints.models import Channel, Complaint, Severity
from complaints.rounds import ticket_rounds
from complaints.services import assessment as assessment_services
from complaints.services import intake, steps
from complaints.services.ticket import StaleTicketError, newest_action
from complaints.views_support import action_form, callback_url, outcome_message, ticket_context
from csat import access, fragments, params, presence
from csat import selectors as csat_selectors
from csat.domain.periods import parse_month
from csat.exceptions import ApplicationError, NotAllowedError
from csat.formtokens import one_time_form
from csat.models import Role


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The complaints home of each role: the department's queue, the GM's overview, customer
    care's board. Kept under the revision of the tables it reads (csat.fragments, issue #25): it
    reads no clock (the countdowns are kept current by countdown.js)."""
    role = access.role_of(request.user)
    template = "complaints/board.html"
    if role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
        template = "complaints/manager_queue.html"
    elif role == Role.GENERAL_MANAGER:
        template = "complaints/gm.html"

    def context() -> dict[str, Any]:
        values: dict[str, Any] = {
            "title": _("投诉"),
            "can_create": permissions.can_create(request.user),
            # Head office's board spans every store: each row names its store (two stores' 售后服务部
            # read the same), as the full list does; read from the rows' own join, no query more.
            "show_store": access.sees_all_stores(request.user),
        }
        if role == Role.STAFF:  # a department manager sees the department's tickets already
            values["mine"] = list(selectors.assigned_to(user=request.user)[: selectors.QUEUE_ROWS * 5])
        if role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
            values["queue_groups"] = _queue_groups(selectors.manager_queue(user=request.user))
        elif role == Role.GENERAL_MANAGER:
            # Bounded like the board (issue #25): the most waiting first, their total, a link to them all.
            waiting = selectors.approval_queue(user=request.user)
            values["approvals"] = list(waiting[: selectors.QUEUE_ROWS])
            values["approvals_count"] = waiting.count()
            # DOMAIN §9 "The GM's gate": major complaints' proposed measures, until the GM marks them read.
            reviews = selectors.major_reviews(user=request.user)
            values["major_reviews"] = list(reviews[: selectors.QUEUE_ROWS])
            values["major_reviews_count"] = reviews.count()
            values.update(approval_context(request.user))
            values["board"] = selectors.board(user=request.user)
        else:
            values["board"] = selectors.board(user=request.user)
        if "board" in values:
            values["open_count"] = sum(column["count"] for column in values["board"])
            values["board_groups"] = _board_groups(values.pop("board"))
        return values

    return fragments.render_page(request, template, revision="complaint_lists", context=context)


# The headings of a department's queue (partials/_ticket_groups.html), in its order.
QUEUE_LABELS = {
    "new": _lazy("新派单（请在 2 小时内联系客户）"),
    "breached": _lazy("已超时"),
    "open": _lazy("其他未结（按时限排序）"),
}


def _more(count: int, tickets: list[Any], query: str) -> str:
    """The link to the whole group in the full list, when the group shows only its most urgent."""
    return f"{reverse('complaints:list')}{query}" if count > len(tickets) else ""


def _board_groups(board: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Customer care's board as groups of rows: each open step with tickets, under its name."""
    return [
        {
            **column,
            "key": column["status"],
            "testid": f"board-{column['status']}",
            "head_testid": f"column-{column['status']}",
            "more": _more(column["count"], column["tickets"], f"?status={column['status']}"),
        }
        for column in board
        if column["count"]
    ]


def _queue_groups(queue: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A department's queue as groups of rows, each ticket in one: new dispatches, overdue, the
    other open ones (even when empty: "overdue 0" is news too)."""
    return [
        {
            **section,
            "key": name,
            "label": QUEUE_LABELS[name],
            "testid": f"queue-{name}",
            "head_testid": f"section-{name}",
            "danger": name == "breached",
            "more": _more(section["count"], section["tickets"], section["query"]),
            # the others' link lists every ticket not overdue: it says so instead of a total
            "more_wider": name == "open",
        }
        for name, section in queue.items()
    ]


@login_required
@require_safe
def approvals(request: HttpRequest) -> HttpResponse:
    if not access.has_role(request.user, Role.GENERAL_MANAGER):
        raise PermissionDenied
    return render(
        request,
        "complaints/approvals.html",
        {
            "approvals": list(selectors.approval_queue(user=request.user)),
            "penalties": list(selectors.penalty_queue(user=request.user)),
            **approval_context(request.user),
            "title": _("待审批"),
        },
    )


@login_required
@one_time_form  # a double submit gets the first ticket, not a second one
def create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create(request.user):
        raise PermissionDenied(_("您的角色不能登记投诉。"))
    profile = access.profile_of(request.user)
    form = ComplaintIntakeForm(request.POST or None, initial=_intake_initial(request))
    if request.method == "POST" and form.is_valid() and profile is not None and profile.store is not None:
        data = form.cleaned_data
        try:
            complaint = intake.complaint_intake(
                actor=request.user,
                store=profile.store,
                mobile=data["mobile"],
                name=data["name"],
                plate=data["plate"],
                content=data["content"],
                kind=data["kind"],
                channel=data["channel"],
                category=data["category"],
                received_at=data["received_at"],
                received_at_reason=data["received_at_reason"],
                urgent=data["urgent"],
                handled_on_site=data["handled_on_site"],
                major_criteria=data["major_criteria"],
                injury_or_major_loss=data["injury_or_major_loss"],
                grade=data["grade"],
                grade_override_reason=data["grade_override_reason"],
                new_issue_confirmed=data["confirm_new_issue"],
            )
        except intake.OpenTicketExistsError as exc:
            form.add_error("confirm_new_issue", exc.message)
        except DjangoValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("投诉 %(n)s 已登记。") % {"n": complaint.number})
            page = reverse("complaints:detail", args=[complaint.pk])
            if data["callback"]:  # logged during a call: the ticket links back to it
                return redirect(f"{page}?callback={data['callback']}")
            return redirect(page)
    status = 400 if request.method == "POST" else 200
    callback = form["callback"].value()
    context = {
        "form": form,
        "title": _("登记投诉"),
        "callback_url": callback_url(callback),
        "repeats": repeats.intake_repeats(
            user=request.user,
            mobile=str(form["mobile"].value() or ""),
            plate=str(form["plate"].value() or ""),
        ),
        "confirm_field": form["confirm_new_issue"],
    }
    return render(request, "complaints/create.html", context, status=status)


@login_required
@require_safe
def create_repeats(request: HttpRequest) -> HttpResponse:
    """The intake form's live warning (htmx, while the mobile or plate is typed): the customer and
    their open tickets, those the reader may open linked, the others counted."""
    if not permissions.can_create(request.user):
        raise PermissionDenied(_("您的角色不能登记投诉。"))
    get = request.GET
    form = ComplaintIntakeForm(initial={"confirm_new_issue": get.get("confirm_new_issue") == "on"})
    context = {
        "repeats": repeats.intake_repeats(
            user=request.user, mobile=get.get("mobile", "")[:32], plate=get.get("plate", "")[:20]
        ),
        "confirm_field": form["confirm_new_issue"],
    }
    return render(request, "complaints/partials/_intake_repeats.html", context)


def _callback_from(request: HttpRequest) -> int | None:
    """The callback task a new complaint is logged from: ``?callback=``, else the call page the
    agent came from (its 登记客户投诉 link says ``channel=callback``; the Referer names the task)."""
    raw = request.GET.get("callback", "")
    if callback_url(raw):
        return int(raw)
    if request.GET.get("channel") != Channel.CALLBACK:
        return None
    referer = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return None
    try:
        match = resolve(urlsplit(referer).path)
    except Resolver404:
        return None
    return int(match.kwargs["pk"]) if match.view_name == "callbacks:call" else None


def _intake_initial(request: HttpRequest) -> dict[str, Any]:
    """The complaint form pre-filled when started from a customer (``customer``), a call (``customer``,
    ``plate``, ``channel=callback``) or a ticket (``ticket``): only from records the user may see."""
    get = request.GET
    initial: dict[str, Any] = {"mobile": get.get("mobile", "")[:32], "plate": get.get("plate", "")[:20]}
    if get.get("channel") in Channel.values:
        initial["channel"] = get["channel"]
    initial["callback"] = _callback_from(request)
    ticket_id = params.id_param(get, "ticket")
    if ticket_id is not None:
        source = selectors.complaint_list(user=request.user).filter(pk=ticket_id).first()
        if source is not None:
            initial.update(mobile=source.phone, plate=source.plate, category=source.category)
            if source.customer is not None:
                initial.update(customer_id=source.customer_id, name=source.customer.name)
                initial["mobile"] = initial["mobile"] or source.customer.mobile
    customer_id = params.id_param(get, "customer")
    if customer_id is not None:
        customer = csat_selectors.customer_list(user=request.user).filter(pk=customer_id).first()
        if customer is not None:
            initial.update(customer_id=customer.pk, name=customer.name, mobile=customer.mobile)
            if not initial["plate"]:
                vehicle = customer.vehicles.order_by("-pk").first()
                initial["plate"] = vehicle.plate if vehicle is not None else ""
    return initial


def _ticket(request: HttpRequest, pk: int) -> Complaint:
    try:
        return selectors.complaint_detail(user=request.user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page. Its body is kept per user under the revision of every table it reads
    (csat.fragments, issue #25): a kept body was built after the visibility check, at this
    revision, so it is served without reading the ticket again."""

    def context() -> dict[str, Any]:
        return ticket_context(request, _ticket(request, pk))

    def until(values: dict[str, Any]) -> float | None:  # the follow-up form is enabled at that minute
        opens = values["follow_up_opens"]
        return opens.timestamp() if opens else None

    return fragments.render_page(
        request, "complaints/detail.html", revision="ticket", context=context, until=until
    )


@require_safe
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """What a person changed on the ticket since its page was shown (``?seen=`` its version), and
    who else has it open: polled by the ticket page. A signed-out user, or one who may no longer
    see the ticket, gets 286, which tells htmx to stop polling (and empties the notice)."""
    user = request.user
    if not user.is_authenticated or pk not in selectors.openable_ticket_ids(user, [pk]):
        return HttpResponse(status=286)
    seen = _version(request.GET.get("seen", ""))
    change = newest_action(pk, after=seen) if seen is not None else None
    context = {
        "complaint_id": pk,
        "change": change,
        "who": (change.actor.get_full_name() or change.actor.username) if change and change.actor else "",
        "viewers": presence.others_viewing(f"complaint:{pk}", user),
    }
    return render(request, "complaints/partials/_activity.html", context)


def _version(raw: str) -> int | None:
    """A ticket version as a page sent it (``ticket_version``); None when absent or not a number."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _changed_meanwhile(
    request: HttpRequest, pk: int, action: str, form: Any, exc: StaleTicketError
) -> HttpResponse:
    """The page as the ticket is now, with what changed at the top and the person's form filled in
    as they sent it; where the new state no longer offers that step, what they typed is quoted."""
    context = ticket_context(request, _ticket(request, pk), bound={action: form}, unfold=action)
    message = exc.message
    kept = action in context["forms"] or (action == "reject" and context["decision_both"])
    typed = [str(v).strip() for v in form.cleaned_data.values() if isinstance(v, str) and v.strip()]
    if not kept and typed:
        message += " " + _("您填写的内容：%(text)s") % {"text": "；".join(typed)}
    messages.warning(request, message)
    return render(request, "complaints/detail.html", context, status=409)


@login_required
@require_safe
def print_form(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _ticket(request, pk)
    return render(
        request,
        "complaints/print.html",
        {"complaint": complaint, "rounds": ticket_rounds(complaint), "title": _("客户投诉信息反馈单")},
    )


def _back_to(request: HttpRequest) -> str | None:
    """Where a form on a list (the GM's approvals, the GM's board) sends the user back to: a path
    of this site only. A bare word ("abc", "home") is not a path: ``redirect`` would read it as a
    view name (a 500 after the step was saved, or a jump to another page)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    complaint = _ticket(request, pk)
    if not step.allowed(request.user, complaint):
        raise PermissionDenied(_("您的角色或部门不能对该投诉执行此操作。"))
    back = _back_to(request)
    form = action_form(step, user=request.user, complaint=complaint, data=request.POST, files=request.FILES)
    if form.is_valid():
        mark = selectors.notification_mark()
        try:
            done = step.run(
                complaint=complaint,
                actor=request.user,
                data=form.cleaned_data,
                seen=_version(request.POST.get("seen", "")),
            )
        except StaleTicketError as exc:
            return _changed_meanwhile(request, pk, action, form, exc)
        except ApplicationError as exc:
            if back:  # a list's form: the message names the ticket, the list stays where it was
                messages.error(
                    request, _("%(number)s：%(text)s") % {"number": complaint.number, "text": exc.message}
                )
                return redirect(back)
            messages.error(request, exc.message)
        else:
            notified = selectors.notified_since(complaint=done, mark=mark)
            text = outcome_message(action, done, notified)
            if back:
                messages.success(
                    request, _("%(number)s：%(text)s") % {"number": complaint.number, "text": text}
                )
                return redirect(back)
            messages.success(request, text)
            if pk not in selectors.openable_ticket_ids(request.user, [pk]):
                # The step took the ticket out of the user's reach (returned to customer care,
                # moved to another department): their queue, not a 404, with the message.
                return redirect("complaints:index")
            return redirect("complaints:detail", pk=complaint.pk)
    elif back:  # a list's form: say what was wrong there, the list stays where it was
        errors = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(
            request, _("%(number)s：%(text)s") % {"number": complaint.number, "text": _("；").join(errors)}
        )
        return redirect(back)
    context = ticket_context(request, complaint, bound={action: form})
    return render(request, "complaints/detail.html", context, status=400 if form.errors else 409)


def _form_errors(form: Any) -> str:
    """A form's errors in one line, each after its field's label (a hidden field: the error alone)."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        parts += [
            _("%(label)s：%(error)s") % {"label": label, "error": error} if label else str(error)
            for error in errors
        ]
    return _("；").join(parts)


@login_required
def assessment_page(request: HttpRequest) -> HttpResponse:
    # A malformed ?month= is an error at the month field, the page shows this month (never a bare 400).
    month, month_error = timezone.localdate().replace(day=1), ""
    try:
        month = params.month_param(request.GET, default=month)
    except params.BadParameter as exc:
        month_error = _("%(why)s 下面显示的是本月的考核。") % {"why": exc.message}
    raw = f"{month:%Y-%m}"
    if request.method == "POST" and not access.has_role(request.user, Role.ADMIN_ASSESSOR):
        raise PermissionDenied(_("只有综合部考核员可以调整考核分。"))
    departments = csat_selectors.department_list(user=request.user)
    form = AdjustmentForm(request.POST or None, departments=departments)
    if request.method == "POST" and month_error:  # which month was meant is unknown: nothing saved
        messages.error(request, _("月份无效，考核调整没有保存。"))
    elif request.method == "POST" and form.is_valid():
        try:
            assessment_services.assessment_adjust(actor=request.user, month=month, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("考核调整已保存。"))
            return redirect(f"{request.path}?month={raw}")
    rows = selectors.assessment(user=request.user, month=month)
    profile = access.profile_of(request.user)
    disputes = list(selectors.disputes(user=request.user, month=month))
    disputed = {d.event: d for d in disputes}
    for row in rows:
        for event in row["events"]:
            event["dispute"] = disputed.get(event.get("ref", ""))
    return render(
        request,
        "complaints/assessment.html",
        {
            "rows": rows,
            "month": raw,
            "month_input": request.GET.get("month", "") if month_error else raw,
            "month_error": month_error,
            "form": form,
            "can_adjust": access.has_role(request.user, Role.ADMIN_ASSESSOR),
            "my_department_id": profile.department_id
            if profile is not None
            and profile.role != Role.ADMIN_ASSESSOR
            and profile.role in (Role.DEPARTMENT_MANAGER, Role.CUSTOMER_CARE_MANAGER)
            else None,
            "disputes": disputes,
            "openable_tickets": selectors.openable_ticket_ids(
                request.user, (e.get("complaint_id") for row in rows for e in row["events"])
            ),
            "decision_form": DisputeDecisionForm(),
            "title": _("部门考核"),
        },
        status=400 if form.errors or month_error else 200,
    )


@login_required
@require_POST
def confirm_major(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _ticket(request, pk)
    already_major = complaint.severity == Severity.MAJOR
    try:
        steps.complaint_confirm_major(complaint=complaint, actor=request.user)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        if already_major:  # the service wrote nothing (a repeated click, another tab)
            messages.info(request, _("该投诉已是重大投诉。"))
    return redirect("complaints:detail", pk=pk)


@login_required
@require_POST
def dispute_raise(request: HttpRequest) -> HttpResponse:
    """A department manager disputes one of the department's assessment events (issue #18)."""
    form = DisputeForm(request.POST)
    page = reverse("complaints:assessment")
    try:
        month = parse_month(str(form.data.get("month", "")))
    except ValueError:
        month = None
    if form.is_valid() and month is None:
        form.add_error("month", _("月份格式应为 YYYY-MM。"))
    if form.errors or month is None:
        # Back to the page with what was wrong (the month's page when the month is known).
        messages.error(request, _("申诉未提交：%(errors)s") % {"errors": _form_errors(form)})
        return redirect(f"{page}?month={month:%Y-%m}" if month else page)
    department = (
        csat_selectors.department_list(user=request.user).filter(pk=form.cleaned_data["department"]).first()
    )
    if department is None:
        raise Http404
    raw = f"{month:%Y-%m}"
    try:
        assessment_services.assessment_dispute_raise(
            actor=request.user,
            department=department,
            month=month,
            event=form.cleaned_data["event"],
            reason=form.cleaned_data["reason"],
        )
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申诉已提交。"))
    return redirect(f"{reverse('complaints:assessment')}?month={raw}")


@login_required
@require_POST
def dispute_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The admin assessor accepts or rejects a dispute (issue #18)."""
    dispute = selectors.disputes(user=request.user).filter(pk=pk).first()
    if dispute is None:
        raise Http404
    form = DisputeDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("申诉未处理：%(errors)s") % {"errors": _form_errors(form)})
        return redirect(f"{reverse('complaints:assessment')}?month={dispute.month:%Y-%m}#disputes")
    try:
        assessment_services.assessment_dispute_decide(
            actor=request.user,
            dispute=dispute,
            accept=form.cleaned_data["accept"],
            comment=form.cleaned_data["comment"],
        )
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申诉已处理。"))
    return redirect(f"{reverse('complaints:assessment')}?month={dispute.month:%Y-%m}")
