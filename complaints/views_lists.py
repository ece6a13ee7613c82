"""The full complaint list (issue #22): search, filters, sortable columns, saved views with live
counts, bulk transfer / assign for the customer-care manager, and the xlsx export of the filtered
list. The board and the department queue link here with their filters.

The list keeps its id-first paging (issue #25): one page of ids from the complaint indexes, then only
that page's rows with their customers (``selectors.ticket_ids`` / ``selectors.ticket_rows``). A page
answers in a fixed number of queries, whatever the filters and the number of views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import filters, selectors, ticket_lists
from complaints.filters import TicketFilterForm
from complaints.forms import BulkActionForm, SavedViewForm
from complaints.models import SavedView
from complaints.services.bulk import BULK_LIMIT, complaints_bulk_act
from csat import access, fragments, params
from csat import selectors as csat_selectors
from csat.business_time import business_tz
from csat.exports import ExportKind, record_export

LIST_PAGE_ROWS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_url(query: str) -> str:
    return reverse("complaints:list") + (f"?{query}" if query else "")


def _saved_views(user: Any) -> list[filters.View]:
    """The user's own views (one query)."""
    return [
        filters.View(f"saved-{v.pk}", v.name, v.query, pk=v.pk)
        for v in SavedView.objects.filter(user=user).order_by("name", "pk")
    ]


def _side_views(
    request: HttpRequest,
    choices: dict[str, Any],
    current: str,
    shown: dict[str, Any] | None,
    saved: list[filters.View],
) -> tuple[list[dict[str, Any]], int | None]:
    """The side list: the role's built-in views and the user's own (``saved``), each with its count,
    and whether it is the list shown now; and the count of the list shown (``shown``: its filters) —
    all from one ``ticket_lists.view_counts`` (cached counts, the rest in one aggregate)."""
    user = request.user
    views = [*filters.builtin_views(user), *saved]
    filter_sets: dict[str, dict[str, Any]] = {}
    for index, view in enumerate(views):
        found = _view_filters(view.query, choices)
        if found is not None:
            filter_sets[f"v{index}"] = found
    if shown is not None:
        filter_sets["shown"] = shown
    counts = ticket_lists.view_counts(user=user, filter_sets=filter_sets)
    side = [
        {
            "key": view.key,
            "label": view.label,
            "pk": view.pk,
            "url": _list_url(view.query),
            "count": counts.get(f"v{index}"),
            "active": filters.canonical_query(filters.parse_query(view.query)) == current,
        }
        for index, view in enumerate(views)
    ]
    return side, counts.get("shown")


# The parameters checked against the user's own choices (stores, departments, people): a query
# with one of them is the user's alone.
_USER_PARAMS = ("store", "department_kind", "department", "assignee")


def _view_filters(query: str, choices: dict[str, Any]) -> dict[str, Any] | None:
    """A view's filters (None when its query is no longer valid). A query that names no store, no
    department and no person is checked the same for everyone: its filters are kept per query and
    day (a filter form per view cost more than the rest of the side list; "followup=today" is the
    day's)."""
    data = filters.parse_query(query)
    if any(param in data for param in _USER_PARAMS):
        form = TicketFilterForm(data, **choices)
        return form.filters() if form.is_valid() else None
    key = (query, timezone.localdate(timezone=business_tz()))
    if key not in _PLAIN_VIEWS:
        if len(_PLAIN_VIEWS) > _PLAIN_VIEWS_MAX:
            _PLAIN_VIEWS.clear()
        form = TicketFilterForm(data)
        _PLAIN_VIEWS[key] = form.filters() if form.is_valid() else None
    found = _PLAIN_VIEWS[key]
    return dict(found) if found is not None else None


_PLAIN_VIEWS: dict[tuple[str, Any], dict[str, Any] | None] = {}
_PLAIN_VIEWS_MAX = 1000


class _CountedPaginator(Paginator):
    """A paginator told its count (the cached count of the list, ``ticket_lists.view_counts``)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: no COUNT query


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Every ticket the user sees, filtered, searched and sorted from GET parameters; a refused
    parameter is a 400 with its message in the filter bar, never a silently wider list."""
    user = request.user
    # Kept under the revision of the tables it reads (csat.fragments, issue #25), a refused filter
    # with its 400 too. Customer care's "我的待办" reads the clock as well (follow-ups whose window
    # is open by now): kept until the next window opens.
    clocked = not selectors.ticket_q_is_stable(user=user, todo=True)

    def until(_values: dict[str, Any]) -> float | None:
        opening = selectors.next_follow_up_opening() if clocked else None
        return opening.timestamp() if opening else None

    return fragments.render_page(
        request,
        "complaints/list.html",
        revision="complaint_lists",
        context=lambda: _list_context(request),
        until=until,
    )


def _list_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    saved = _saved_views(user)
    current = filters.canonical_query(request.GET)
    # The people of the stores the list and the saved views filter by (several stores' users).
    choices = filters.choices_for(user, stores=filters.stores_named([current, *(v.query for v in saved)]))
    form = TicketFilterForm(request.GET, **choices)
    valid = form.is_valid()
    sort = form.sort_key() if valid else filters.DEFAULT_SORT
    views, total = _side_views(request, choices, current, form.filters() if valid else None, saved)
    if valid:
        ids = selectors.ticket_ids(user=user, order=filters.order_for(sort), **form.filters())
    else:
        ids = selectors.ticket_ids(user=user, order=filters.order_for(sort)).none()
    paginator = (
        _CountedPaginator(ids, LIST_PAGE_ROWS, count=total)
        if total is not None
        else Paginator(ids, LIST_PAGE_ROWS)
    )
    page = paginator.get_page(request.GET.get("page"))
    # The page's ids come from the complaint indexes alone; only its rows join their customers.
    page.object_list = selectors.ticket_rows(user=user, ids=list(page.object_list))
    unsorted = filters.canonical_query(request.GET, without=("sort",))
    # Several stores' users (head office) see which store each ticket is of, before its department.
    store_names = dict(choices["stores"]) if choices["multi_store"] else None
    headers = []
    for key, label in (
        ("number", _("编号")), ("received", _("接收时间")), ("customer", _("客户")), (None, _("车牌号")),
        ("kind", _("类型")), ("severity", _("级别")), ("grade", _("等级")), ("status", _("状态")),
        *([("store", _("门店"))] if store_names else []),
        ("department", _("责任部门")), (None, _("处理人")), ("due", _("下一时限")), (None, _("剩余")),
    ):  # fmt: skip
        if key is None:
            headers.append({"label": label, "url": "", "order": ""})
            continue
        order = "asc" if sort == key else ("desc" if sort == f"-{key}" else "")
        flip = f"-{key}" if sort == key else key
        query = "&".join(part for part in (unsorted, f"sort={flip}") if part)
        headers.append({"label": label, "url": f"?{query}", "order": order, "key": key})
    # On a phone the headers are hidden (each ticket a card): the same orders as one select, the
    # default one as "" so that a saved view's query stays as it was.
    sort_options = sorted(  # the default order first
        (
            (value, f"{header['label']} {mark}")
            for header in headers
            if header.get("key")
            for value, mark in (
                ("" if header["key"] == filters.DEFAULT_SORT else header["key"], "▲"),
                (f"-{header['key']}", "▼"),
            )
        ),
        key=lambda option: option[0] != "",
    )
    can_bulk = filters.is_care_manager(user)
    context: dict[str, Any] = {
        "page": page,
        "form": form,
        "chips": form.active() if valid else [],
        "query": filters.canonical_query(request.GET),
        "headers": headers,
        "store_names": store_names,
        "columns": len(headers) + (1 if can_bulk else 0),
        "sort_options": sort_options,
        "sort": "" if sort == filters.DEFAULT_SORT else sort,
        "views": views,
        "can_bulk": can_bulk,
        "bulk_form": _bulk_form(user, choices) if can_bulk else None,
        "save_form": SavedViewForm(initial={"query": current}),
        "export_url": reverse("complaints:list-export") + (f"?{current}" if current else ""),
        "export_limit": ticket_lists.EXPORT_LIMIT,
        "title": _("投诉列表"),
        "status": 200 if valid else 400,
    }
    return context


def _bulk_form(user: Any, choices: dict[str, Any], data: Any = None) -> BulkActionForm:
    """The bulk bar: the departments of the user's own store, the people of the filter bar."""
    store_id = access.user_store_id(user)
    departments = choices["departments"]
    if store_id is not None:
        departments = [(pk, name) for pk, name, store in choices["department_stores"] if store == store_id]
    # Its own ids: the filter bar above has a "department" too, and a label points at one id.
    return BulkActionForm(
        data, departments=departments, users=filters.people_options(choices["people"]), auto_id="id_bulk_%s"
    )


def _back(request: HttpRequest) -> str:
    """The list the user came from (its parameters only, never another address)."""
    return _list_url(filters.canonical_query(filters.parse_query(request.POST.get("back", ""))))


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Transfer or assign the ticked tickets: the customer-care manager's (403 for everyone else),
    then each ticket's own permission and state, one transaction per ticket; the flash lists what
    was done and each ticket that failed with its reason."""
    if not filters.is_care_manager(request.user):
        raise PermissionDenied(_("只有客户部经理可以批量转派或指派。"))
    ids = [int(raw) for raw in request.POST.getlist("ids") if params.is_id(raw)]
    back = filters.stores_named([request.POST.get("back", "")])  # the people the page offered
    form = _bulk_form(request.user, filters.choices_for(request.user, stores=back), request.POST)
    if not ids:
        messages.error(request, _("请先勾选投诉。"))
        return redirect(_back(request))
    if len(ids) > BULK_LIMIT:
        messages.error(request, _("一次最多处理 %(n)d 件投诉。") % {"n": BULK_LIMIT})
        return redirect(_back(request))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_back(request))
    action = form.cleaned_data["action"]
    data = dict(form.cleaned_data)
    # The chosen department and person, read again from the user's scope (the choices were).
    data["department"] = (
        csat_selectors.department_list(user=request.user).filter(pk=data["department"]).first()
        if data.get("department")
        else None
    )
    data["user"] = (
        selectors.store_people(user=request.user).filter(pk=data["user"]).first()
        if data.get("user")
        else None
    )
    outcome = complaints_bulk_act(actor=request.user, action=action, ids=ids, data=data)
    if outcome.done:
        numbers = _("、").join(t.number for t in outcome.done)
        if action == "transfer":
            messages.success(
                request,
                _("已转派 %(n)d 件投诉给%(dept)s：%(numbers)s")
                % {"n": len(outcome.done), "dept": data["department"].name, "numbers": numbers},
            )
        else:
            person = data["user"]
            messages.success(
                request,
                _("已指派 %(n)d 件投诉给%(who)s：%(numbers)s")
                % {
                    "n": len(outcome.done),
                    "who": f"{person.last_name}{person.first_name}" or person.username,
                    "numbers": numbers,
                },
            )
    for number, why in outcome.failed:
        messages.error(request, _("%(number)s 未处理：%(why)s") % {"number": number, "why": why})
    return redirect(_back(request))


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx (at most ``EXPORT_LIMIT`` rows, in the list's order), masked as the
    user's role requires; the download is recorded (csat.exports)."""
    choices = filters.choices_for(request.user, stores=filters.stores_named([request.GET.urlencode()]))
    form = TicketFilterForm(request.GET, **choices)
    if not form.is_valid():
        text = "\n".join(
            _("%(label)s：%(value)s")
            % {"label": form.fields[name].label, "value": " ".join(str(e) for e in errs)}
            for name, errs in form.errors.items()
        )
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    tickets = ticket_lists.export_rows(
        user=request.user, filters=form.filters(), order=filters.order_for(form.sort_key())
    )
    content, rows = ticket_lists.export_workbook(
        user=request.user,
        tickets=tickets,
        store_names=dict(choices["stores"]) if choices["multi_store"] else None,
    )
    record_export(
        user=request.user,
        kind=ExportKind.COMPLAINT_LIST,
        scope=dict(filters.parse_query(filters.canonical_query(request.GET)).items()),
        row_count=rows,
        store_id=access.user_store_id(request.user),
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="complaints-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters as one of the user's views (a name used twice replaces it)."""
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写视图名称（最多 40 个字）。"))
        return redirect(
            _list_url(filters.canonical_query(filters.parse_query(request.POST.get("query", ""))))
        )
    query = filters.canonical_query(filters.parse_query(form.cleaned_data["query"]), without=())
    choices = filters.choices_for(request.user, stores=filters.stores_named([query]))
    checked = TicketFilterForm(filters.parse_query(query), **choices)
    if not checked.is_valid():
        messages.error(request, _("筛选条件无效，视图未保存。"))
        return redirect(_list_url(""))
    name = form.cleaned_data["name"].strip()
    try:
        with transaction.atomic():
            SavedView.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
    except IntegrityError:  # the same name saved twice at once: the first one stands
        pass
    messages.success(request, _("视图“%(name)s”已保存。") % {"name": name})
    return redirect(_list_url(query))


@login_required
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's own views (another user's is a 404)."""
    deleted, _rows = SavedView.objects.filter(pk=pk, user=request.user).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("视图已删除。"))
    return redirect(_list_url(""))
