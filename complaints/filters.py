"""The complaint lists' filter bar (issue #22): GET parameters validated at the edge, turned into the
keyword filters of ``selectors.ticket_q`` and a sort order; the built-in views of each role.

Every parameter the home pages link with keeps its meaning (``status``, ``step`` — breached at that
deadline kind —, ``breached``, ``severity``, ``assignee``, ``proposal``, ``followup=today``). A value
the form refuses is a 400 with the field's message in the filter bar, never a silently wider list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import selectors
from complaints.models import DeadlineKind, Kind, Severity, Status
from csat import access
from csat.business_time import business_tz
from csat.grade_labels import GRADE_CHOICES
from csat.models import DepartmentKind, Role
from csat.params import MAX_DATE, MIN_DATE
from csat.widgets import FastDateInput, FastSelect, FastTextInput

# Sortable columns: parameter value → (label, database order). Descending with a leading "-"; every
# order ends with the id so pages never overlap. "due" (soonest deadline first) is the default and
# walks the open-ticket indexes (selectors.BY_URGENCY).
SORTS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "due": (_("下一时限"), ("next_due_at",)),
    "number": (_("编号"), ("number",)),
    "received": (_("接收时间"), ("received_at",)),
    "customer": (_("客户"), ("customer__name",)),
    "kind": (_("类型"), ("kind",)),
    "severity": (_("级别"), ("severity",)),
    "grade": (_("客户等级"), ("grade",)),
    "status": (_("状态"), ("status",)),
    # Head office's store column (several stores' users): by store code, as the stores are listed.
    "store": (_("门店"), ("store__code",)),
    "department": (_("责任部门"), ("department__name",)),
}
DEFAULT_SORT = "due"
SORT_CHOICES = [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]

# The parameters of a list (the saved views keep exactly these; ``page`` never).
FILTER_PARAMS = (
    "q",
    "store",
    "status",
    "kind",
    "severity",
    "grade",
    "department_kind",
    "department",
    "assignee",
    "step",
    "urgent",
    "breached",
    "proposal",
    "followup",
    "todo",
    "received_from",
    "received_to",
    "sort",
)

BOOL_CHOICES = [("", "—"), ("1", _("是"))]


def order_for(sort: str) -> list[Any]:
    """The database order of a sort parameter (nulls last either way), ending with the id."""
    key = sort.lstrip("-") or DEFAULT_SORT
    descending = sort.startswith("-")
    fields = SORTS.get(key, SORTS[DEFAULT_SORT])[1]
    order: list[Any] = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in fields
    ]
    order.append(F("id").desc() if descending else F("id").asc())
    return order


@dataclass(frozen=True)
class PersonGroup:
    """The people of one department the assignee filter offers (an ``<optgroup>``)."""

    label: str
    store_id: int
    people: tuple[tuple[int, str], ...]


class TicketFilterForm(forms.Form):
    """The filter bar. Stores, departments and people are passed in (loaded once per page, shared by
    every saved view's form: ``choices_for``).

    A user who sees several stores (head office) filters by store and by department type across
    stores (``department_kind``: 销售部 in every store); ``department`` (one store's department) is
    still accepted, from links and saved views. Their assignee filter offers the people of the
    chosen store only (50 stores' people in one select helped nobody): an assignee without a store
    is refused. A user of one store keeps the department filter; the store field accepts their own
    store only, so a crafted ``store=`` of another is a 400, never a silently wider list."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=FastTextInput)
    store = forms.TypedChoiceField(label=_("门店"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("状态"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *Kind.choices])
    severity = forms.ChoiceField(
        label=_("级别"), required=False, choices=[("", _("全部")), *Severity.choices]
    )
    grade = forms.ChoiceField(label=_("客户等级"), required=False, choices=[("", _("全部")), *GRADE_CHOICES])
    department_kind = forms.ChoiceField(
        label=_("责任部门"), required=False, choices=[("", _("全部")), *DepartmentKind.choices]
    )
    department = forms.TypedChoiceField(label=_("责任部门"), required=False, coerce=int, empty_value=None)
    assignee = forms.TypedChoiceField(label=_("处理人"), required=False, coerce=int, empty_value=None)
    step = forms.ChoiceField(
        label=_("超时环节"), required=False, choices=[("", _("全部")), *DeadlineKind.choices]
    )
    urgent = forms.ChoiceField(label=_("紧急"), required=False, choices=BOOL_CHOICES)
    breached = forms.ChoiceField(label=_("已超时"), required=False, choices=[*BOOL_CHOICES, ("0", _("否"))])
    proposal = forms.ChoiceField(label=_("待提出方案"), required=False, choices=BOOL_CHOICES)
    followup = forms.ChoiceField(
        label=_("今日应回访"), required=False, choices=[("", "—"), ("today", _("今日"))]
    )
    todo = forms.ChoiceField(label=_("我的待办"), required=False, choices=BOOL_CHOICES)
    received_from = forms.DateField(
        label=_("接收日期从"), required=False, widget=FastDateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(label=_("至"), required=False, widget=FastDateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=[("", ""), *SORT_CHOICES])

    def __init__(
        self,
        data: Any = None,
        *,
        departments: list[tuple[int, str]] = (),  # type: ignore[assignment]
        people: list[PersonGroup | tuple[int, str]] = (),  # type: ignore[assignment]
        stores: list[tuple[int, str]] = (),  # type: ignore[assignment]
        department_kinds: dict[int, str] | None = None,
        multi_store: bool = False,
        department_stores: Any = None,  # the bulk bar's (choices_for), not the filter bar's
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.multi_store = multi_store
        self.department_kinds = department_kinds or {}
        for field in self.fields.values():
            if type(field.widget) is forms.Select:  # before the choices below reach the widget
                field.widget = FastSelect(attrs=field.widget.attrs, choices=cast(Any, field).choices)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("全部未结")),
            *[(s, label) for s, label in Status.choices],
            (selectors.ALL_STATUSES, _("全部（含已结案）")),
        ]
        self.fields["store"].choices = [("", _("全部")), *stores]  # type: ignore[attr-defined]
        self.fields["department"].choices = [("", _("全部")), *departments]  # type: ignore[attr-defined]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            *self._people_choices(people),
        ]
        for name in ("received_from", "received_to"):
            self.fields[name].error_messages["invalid"] = _("请输入日期，例如 2026-03-01。")
        for name, field in self.fields.items():
            select = isinstance(field, forms.ChoiceField)
            css = "form-select form-select-sm" if select else "form-control form-control-sm"
            field.widget.attrs.update({"class": css, "data-testid": f"filter-{name}"})
        self.fields["q"].widget.attrs["placeholder"] = _("编号、客户、电话尾号、车牌或投诉内容")
        if multi_store and not self._chosen_store():
            # Whom to offer depends on the store: the select says so until one is chosen.
            self.fields["assignee"].choices = [("", _("先选择门店"))]  # type: ignore[attr-defined]
            self.fields["assignee"].widget.attrs["disabled"] = True
            self.fields["assignee"].error_messages["invalid_choice"] = _("请先选择门店，再按处理人筛选。")

    def _chosen_store(self) -> int | None:
        """The store asked for (its raw parameter as a number), before validation."""
        raw = str(self.data.get("store") or "") if self.is_bound else ""
        return int(raw) if raw.isdigit() else None

    def _people_choices(self, people: Iterable[PersonGroup | tuple[int, str]]) -> list[Any]:
        """Each department's people under its name (an optgroup); several stores' people are
        offered only for the chosen store."""
        chosen = self._chosen_store()
        found: list[Any] = []
        for item in people:
            if not isinstance(item, PersonGroup):
                found.append(item)
            elif not self.multi_store or item.store_id == chosen:
                found.append((item.label, list(item.people)))
        return found

    @property
    def shown_filters(self) -> set[str]:
        """The filters the bar shows as controls (the others it keeps as hidden inputs when set):
        several stores' users choose a store and a department type, one store's a department."""
        hidden = {"proposal", "followup", "todo"}
        hidden |= {"department"} if self.multi_store else {"store", "department_kind"}
        return {name for name in self.fields if name not in hidden}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("received_from", "received_to"):
            day = data.get(name)
            if day is not None and not MIN_DATE <= day <= MAX_DATE:
                self.add_error(name, _("日期超出范围。"))
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict[str, Any]:
        """The keyword filters of ``selectors.ticket_q`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        tz = business_tz()

        def day_start(day: dt.date | None, days: int = 0) -> dt.datetime | None:
            if day is None:
                return None
            day = day + dt.timedelta(days=days)
            return dt.datetime(day.year, day.month, day.day, tzinfo=tz)

        follow_up_before = None
        if data.get("followup") == "today":
            today = timezone.localdate(timezone=tz)
            follow_up_before = day_start(today, 1)
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or None,
            "kind": data.get("kind") or None,
            "severity": data.get("severity") or None,
            "grade": data.get("grade") or None,
            "department": data.get("department"),
            "departments": self._departments_of_kind(data.get("department_kind") or ""),
            "store": data.get("store"),
            "assignee": data.get("assignee"),
            "step": data.get("step") or None,
            "breached": {"1": True, "0": False}.get(data.get("breached") or ""),
            "urgent": data.get("urgent") == "1",
            "awaiting_proposal": data.get("proposal") == "1",
            "follow_up_before": follow_up_before,
            "todo": data.get("todo") == "1",
            "received_from": day_start(data.get("received_from")),
            "received_before": day_start(data.get("received_to"), 1),
        }

    def _departments_of_kind(self, kind: str) -> tuple[int, ...] | None:
        """The departments of that type among those the user sees (None: no type chosen). Ids, not a
        join: the list's ids and counts keep to the complaint table's indexes."""
        if not kind:
            return None
        return tuple(pk for pk, of_kind in self.department_kinds.items() if of_kind == kind)

    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def active(self) -> list[tuple[str, str]]:
        """The filters in force as (label, value) chips, in the form's order."""
        chips = []
        for name in FILTER_PARAMS:
            if name == "sort":
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            shown = (
                dict(_flat(cast(Any, field).choices)).get(str(value), value)
                if isinstance(field, forms.ChoiceField)
                else value
            )
            chips.append((str(field.label), str(shown)))
        return chips


def _flat(choices: Iterable[tuple[Any, Any]]) -> Iterator[tuple[str, Any]]:
    """A select's choices as (value, label), its option groups opened."""
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from ((str(k), v) for k, v in label)
        else:
            yield str(key), label


def canonical_query(params: QueryDict | dict[str, Any], *, without: tuple[str, ...] = ()) -> str:
    """The list's parameters in a fixed order, empty ones dropped (what a saved view stores, what
    the pager and the column headers keep)."""
    get = params.get if hasattr(params, "get") else dict(params).get
    pairs = []
    for name in FILTER_PARAMS:
        if name in without:
            continue
        value = get(name)
        if value not in (None, ""):
            pairs.append((name, str(value)))
    return urlencode(pairs)


def parse_query(query: str) -> QueryDict:
    return QueryDict(query or "", mutable=False)


def choices_for(user: Any, *, stores: Iterable[Any] = ()) -> dict[str, Any]:
    """The store, department and person choices of the user's filter bar, in two queries at most:
    the stores the user sees with their departments (one query), and the people who may be
    assignees (``assignable_people``) grouped by department — of the user's store, or, for a user
    who sees several stores, of the ``stores`` asked for (the list's store and those the saved
    views name; no query when none). Departments are store-qualified when there are several stores.
    Read as plain values (a group's 400 departments as model instances cost more than the page's
    SQL)."""
    rows = list(
        access.visible_stores(user)
        .order_by("code", "departments__kind", "departments__pk")
        .values_list("pk", "name", "departments__pk", "departments__name", "departments__kind")
    )
    store_names = {pk: name for pk, name, *_rest in rows}
    several = len(store_names) > 1
    departments = [(pk, name, store, kind) for store, _s, pk, name, kind in rows if pk is not None]
    asked = {int(s) for s in stores if str(s).isdigit()} & set(store_names) if several else set(store_names)
    labels = {pk: name for pk, name, _store, _kind in departments}
    groups: dict[int, list[tuple[int, str]]] = {}
    group_store: dict[int, int] = {}
    if asked:
        for pk, username, first, last, department, store in selectors.assignable_people(
            store_ids=asked
        ).values_list(
            "pk", "username", "first_name", "last_name", "profile__department_id", "profile__store_id"
        ):
            groups.setdefault(department, []).append((pk, f"{last}{first}" or username))
            group_store[department] = store
    return {
        "stores": list(store_names.items()),
        "multi_store": several,
        "departments": [
            (pk, f"{store_names[store]} · {name}" if several else name) for pk, name, store, _k in departments
        ],
        "department_kinds": {pk: kind for pk, _name, _store, kind in departments},
        # In the departments' order (store, type), each department's people by username.
        "people": [
            PersonGroup(labels.get(pk, ""), group_store[pk], tuple(groups[pk]))
            for pk, *_rest in departments
            if pk in groups
        ],
        "department_stores": [(pk, name, store) for pk, name, store, _kind in departments],
    }


def people_options(people: Iterable[PersonGroup | tuple[int, str]]) -> list[Any]:
    """Choices of a select of people (the bulk bar's): each department an option group."""
    return [(p.label, list(p.people)) if isinstance(p, PersonGroup) else p for p in people]


def stores_named(queries: Iterable[str]) -> set[str]:
    """The stores the given list queries (the page's, the saved views') filter by."""
    return {value for query in queries if (value := parse_query(query).get("store"))}


@dataclass(frozen=True)
class View:
    """A view of the side list: a built-in one (``key``) or the user's own saved one (``pk``)."""

    key: str
    label: str
    query: str
    pk: int | None = None


def builtin_views(user: Any) -> list[View]:
    """The views every role starts with (Zendesk views / Zammad overviews), most used first."""
    role = access.role_of(user)
    everything = View("open", str(_("全部未结")), "")
    breached = View("breached", str(_("已超时")), "breached=1")
    todo = View("todo", str(_("我的待办")), "todo=1")
    approvals = View("approvals", str(_("待审批")), f"status={Status.AWAITING_APPROVAL}")
    major = View("major", str(_("重大投诉")), f"severity={Severity.MAJOR}")
    if role in (Role.AGENT, Role.CUSTOMER_CARE_MANAGER):
        return [
            todo,
            View("register", str(_("待登记")), f"status={Status.RECEIVED}"),
            View("dispatch", str(_("待派单")), f"status={Status.REGISTERED}"),
            View("followup", str(_("今日待回访")), "followup=today"),
            breached,
            approvals,
            everything,
        ]
    if role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
        return [
            todo,
            View("new", str(_("新派单")), f"status={Status.DISPATCHED}"),
            View("proposal", str(_("待提出方案")), f"status={Status.IN_PROGRESS}&proposal=1"),
            breached,
            everything,
        ]
    if role == Role.GENERAL_MANAGER:
        return [approvals, major, breached, View("urgent", str(_("紧急投诉")), "urgent=1"), everything]
    if role == Role.STAFF:
        return [todo, everything]
    return [everything, breached, major]


def is_care_manager(user: Any) -> bool:
    """Bulk transfer/assign is the customer-care manager's (and the superuser's)."""
    return bool(
        user.is_authenticated and (user.is_superuser or access.has_role(user, Role.CUSTOMER_CARE_MANAGER))
    )
