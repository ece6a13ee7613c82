"""The authorization matrix: every role × every page and API action × own/other store (and department).

Each case names a URL (by route name), a method and a payload valid enough to reach the decision,
and who is allowed. For every user of the shared world (a user per role and per department-manager
kind of store A, head office, a superuser, a user without a profile, anonymous) the case runs on
store A's record ("own") and on store B's record of the same kind ("other", a guessed id: no IDOR).

Outcomes: allowed → anything but 401/403/404/405/5xx and not a redirect to the sign-in page (a 400
or 409 means the role passed and the input or the state said no); denied → 403 or 404 (401/login
redirect for anonymous), and the response never carries the other store's data. Each request runs
in a savepoint that is rolled back, so one case never sees another's writes.

``test_every_url_pattern_is_in_the_matrix`` fails when a URL pattern has no case: add new views here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.security.world import ALL_USERS, STORE_ROLES, World, world_fixture

# ---- who ---------------------------------------------------------------------------------------
CARE = frozenset({"agent", "ccm"})
DEPT_MANAGERS = frozenset({"sales_mgr", "business_mgr", "service_mgr", "finance_mgr", "parts_mgr"})
MANAGERS = DEPT_MANAGERS | {"assessor"}
STORE_USERS = frozenset(STORE_ROLES)
PROFILED = STORE_USERS | {"viewer"}
SIGNED_IN = PROFILED | {"superuser", "noprofile"}
EVERYONE = SIGNED_IN | {"anonymous"}
ALL_STORES = frozenset({"viewer", "superuser"})  # see every store's records
SU = frozenset({"superuser"})
CALLBACK_READERS = CARE | MANAGERS | {"gm", "viewer", "superuser"}
IMPORTERS = CARE | MANAGERS | {"gm", "superuser"}
CRISIS_OPENERS = CARE | MANAGERS | {"gm", "superuser"}

# The complaint of each store is in progress in the sales department.
SALES_DEPT = frozenset({"sales_mgr"})
TICKET_READERS = CARE | SALES_DEPT | {"gm", "viewer", "superuser"}
TICKET_ATTACHERS = TICKET_READERS - {"viewer"}  # head office reads only (issue #22)
# Crisis cases: customer care's manager, the GM, the assessor, head office (and the team: none here).
CRISIS_READERS = frozenset({"ccm", "gm", "assessor", "viewer", "superuser"})


@dataclass(frozen=True)
class Case:
    id: str
    route: str  # URL name (namespaced), reversed with ``args``
    method: str = "get"
    args: tuple[str, ...] = ()  # record keys of the world (their ids) or literal strings prefixed "="
    data: Any = None
    allow: frozenset[str] = SIGNED_IN  # who may act on their own store's record
    other: frozenset[str] | None = (
        None  # who may act on the other store's record (default: allow ∩ ALL_STORES)
    )
    api: bool = False
    scoped: bool = True  # False: no record in the URL, "other" is not tried
    query: str = ""
    fresh: bool = False  # a new client per request (signing out must not sign the shared clients out)
    accept: tuple[int, ...] = ()  # more statuses that count as allowed (e.g. 503 of a health check)

    def allowed(self, user: str, scope: str) -> bool:
        if scope == "own":
            return user in self.allow
        other = self.other if self.other is not None else self.allow & ALL_STORES
        return user in other


def C(id: str, route: str, **kw: Any) -> Case:
    return Case(id=id, route=route, **kw)


def _p(route: str, *args: str, **kw: Any) -> dict[str, Any]:
    return {"route": route, "args": args, **kw}


COMPLAINT_FORM = {
    "mobile": "13912345678",
    "name": "李女士",
    "kind": "complaint",
    "channel": "phone",
    "category": "repair",
    "content": "维修后仍有异响。",
}
COMPLAINT_ACTIONS = {  # action → (payload, who may take it in the own store)
    "register": ({}, CARE | SU),
    # The GM is a duty leader who may dispatch directly (DOMAIN §9 "Off hours").
    "dispatch": ({"department": "@department"}, CARE | {"gm"} | SU),
    "contact": ({"cause": "沟通", "expectation": "道歉", "note": "客户来电"}, SALES_DEPT | {"gm"} | SU),
    "progress": ({"note": "已联系厂家"}, SALES_DEPT | {"gm"} | SU),
    "propose": ({"solution": "免费更换", "compensation_amount": "300"}, SALES_DEPT | {"gm"} | SU),
    "approve": ({"comment": "同意"}, frozenset({"gm"}) | SU),
    "reject": ({"comment": "不同意"}, frozenset({"gm"}) | SU),
    "resolve": ({"result": "已处理"}, SALES_DEPT | {"gm"} | SU),
    "follow_up": ({"outcome": "satisfied", "note": "满意"}, CARE | SU),
    "escalate": ({"note": "升级", "confirm": "on"}, frozenset({"ccm", "gm"}) | SU),
    # Issue #18 (DOMAIN §9 "Who is responsible"): every new action for every role.
    "transfer": ({"department": "@care_department", "reason": "应由客户部处理"}, CARE | SU),
    "return": ({"reason": "不属本部门"}, SALES_DEPT | SU),
    "assign": ({"user": "@sales_mgr_user"}, SALES_DEPT | SU),
    "responsible": ({"staff": "销售顾问 王明", "measure": "扣绩效"}, SALES_DEPT | SU),
    "accountability": ({"text": "部门经理书面检讨"}, frozenset({"gm"}) | SU),
    "penalty_request": ({"reason": "部门怠慢"}, frozenset({"ccm"}) | SU),
    "penalty_decide": ({"approved": "1", "points": "-1", "comment": "同意"}, frozenset({"gm"}) | SU),
    # Issue #19 (DOMAIN §9 "The GM's gate"): the GM's 已阅 of a major complaint's proposal.
    "acknowledge": ({}, frozenset({"gm"}) | SU),
    # Help-desk parity: a call the customer did not answer (whoever may record the call) and an
    # internal note (whoever works the ticket: customer care, its department's manager, the GM).
    "contact_attempt": ({"note": "无人接听"}, SALES_DEPT | {"gm"} | SU),
    "note": ({"note": "客户再次来电"}, CARE | SALES_DEPT | {"gm"} | SU),
}
MEASURE_STEPS = {  # the measure of each store awaits approval; its owner is the business department
    "submit": CARE | SU,
    "approve": frozenset({"gm"}) | SU,
    "reject": frozenset({"gm"}) | SU,
    "start": frozenset({"business_mgr", "gm"}) | SU,
    "complete": frozenset({"business_mgr", "gm"}) | SU,
    "verify": frozenset({"assessor"}) | SU,
}
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
CRISIS_EDITORS = frozenset({"gm"}) | SU  # the GM and the emergency team (empty in the world)
CRISIS_ACTS = {  # what → payload (web form / API body)
    "phase": {"phase": "outbreak", "reason": "媒体已报道"},
    "team": {"user": "@ccm_user", "role": "对外沟通"},
    "plan": {"text": "统一口径，24 小时内回应。"},
    "log": {"kind": "negotiation", "text": "客户来电"},
    "media": {"outlet": "本地晚报", "date": "2026-03-11", "response": "统一回应"},
    "action": {"title": "准备声明", "owner": "@ccm_user", "due_at": f"{TOMORROW}T10:00"},
    "review": {"causes": "交车检查遗漏", "lessons": "交车检查", "preventive_measures": "检查表"},
    "decide": {"decision": "approve", "comment": "同意"},
}

CASES: list[Case] = [
    # ---- public and account pages
    C("home", "home", allow=SIGNED_IN, scoped=False),
    C("login", "login", allow=EVERYONE, scoped=False),
    C("logout", "logout", method="post", allow=EVERYONE, scoped=False, fresh=True, accept=(302,)),
    C("set-language", "set_language", method="post", data={"language": "en"}, allow=EVERYONE, scoped=False),
    C("healthz", "healthz", allow=EVERYONE, scoped=False, accept=(503,)),
    C("favicon", "favicon", allow=EVERYONE, scoped=False, accept=(301,)),
    C("notifications", "notifications", allow=SIGNED_IN, scoped=False),
    # The bell's unread count (polled every minute): the reader's own count only.
    C("notifications-unread", "notifications-unread", allow=SIGNED_IN, scoped=False),
    C(
        "notifications-read",
        "notifications",
        method="post",
        args=(),
        data={"id": "@notification"},
        allow=SIGNED_IN,
        other=SIGNED_IN,
    ),
    # Opening a notification (it marks it read, then redirects to its page): the world's is its
    # GM's, so anyone else gets a 404.
    C(
        "notification-open",
        "notification-open",
        args=("notification",),
        allow=frozenset({"gm"}),
        other=frozenset(),
    ),
    C("calendar", "calendar-overrides", allow=SIGNED_IN, scoped=False),
    C(
        "calendar-set",
        "calendar-overrides",
        method="post",
        data={"date": "2026-10-09", "is_working_day": "", "name": "调休"},
        allow=frozenset({"assessor"}) | SU,
        scoped=False,
    ),
    # ---- customers and imports
    C("customer-search", "customer-search", query="q=王", allow=SIGNED_IN, scoped=False),
    C("customer-detail", "customer-detail", args=("customer",), allow=PROFILED | SU),
    C("import-list", "import-list", allow=IMPORTERS, scoped=False),
    C("import-detail", "import-detail", args=("import",), allow=IMPORTERS),
    C("import-confirm", "import-confirm", method="post", args=("import",), allow=IMPORTERS),
    C("import-cancel", "import-cancel", method="post", args=("import",), allow=IMPORTERS),
    C("import-errors", "import-errors", args=("import",), allow=IMPORTERS),
    C("import-template", "import-template", args=("=customers",), allow=IMPORTERS, scoped=False),
    # ---- callbacks
    C("callbacks", "callbacks:index", allow=CALLBACK_READERS, scoped=False),
    C("callbacks-dashboard", "callbacks:dashboard", allow=CALLBACK_READERS, scoped=False),
    C("callbacks-next", "callbacks:claim-next", method="post", allow=CARE | SU, scoped=False),
    C("callback-call", "callbacks:call", args=("task",), allow=CALLBACK_READERS),
    C("callback-claim", "callbacks:claim", method="post", args=("task",), allow=CARE | SU),
    C("callback-release", "callbacks:release", method="post", args=("task",), allow=CARE | SU),
    # Click-to-dial (issue #22); with the CTI setting empty an allowed caller is sent back to the call
    # page with the reason, a refused one gets 403/404.
    C("callback-dial", "callbacks:dial", method="post", args=("task",), allow=CARE | SU),
    C(
        "callback-attempt",
        "callbacks:attempt",
        method="post",
        args=("task",),
        data={"outcome": "no_answer"},
        allow=CARE | SU,
    ),
    C(
        "callback-survey",
        "callbacks:survey-submit",
        method="post",
        args=("task",),
        data={"channel": "phone", "score": "95"},
        allow=CARE | SU,
    ),
    C(
        "callback-grade-preview",
        "callbacks:grade-preview",
        method="post",
        args=("task",),
        data={"channel": "phone", "score": "95"},
        allow=CALLBACK_READERS,
    ),  # a preview, writes nothing
    C("survey-detail", "callbacks:survey", args=("survey",), allow=CALLBACK_READERS),
    # 新建回访 from the customer page (issue #22): customer care of the customer's store.
    C(
        "callback-customer-start",
        "callbacks:customer-start",
        method="post",
        args=("customer",),
        allow=CARE | SU,
    ),
    # ---- survey links (issue #24). The customer's page is anonymous by design: the signed token is
    # the only key (a guessed one is a polite 404 for everyone, signed in or not).
    C(
        "survey-link-answer",
        "surveylinks:answer",
        args=("=not-a-token",),
        allow=EVERYONE,
        scoped=False,
        accept=(404,),
    ),
    C(
        "survey-link-thanks",
        "surveylinks:thanks",
        args=("=not-a-token",),
        allow=EVERYONE,
        scoped=False,
        accept=(404,),
    ),
    C("survey-link-invite", "surveylinks:invite", method="post", args=("task",), allow=CARE | SU),
    C("survey-link-share", "surveylinks:share", args=("survey_link",), allow=CARE | SU),
    # Revoke the task's open links: the customer-care manager of the store, or an admin.
    C(
        "survey-link-revoke",
        "surveylinks:revoke",
        method="post",
        args=("task",),
        data={"reason": "客户要求停止"},
        allow=frozenset({"ccm"}) | SU,
    ),
    # The SMS provider's reply webhook: no user may post to it, signed in or not; only the provider
    # with the shared secret (none is configured here, so everyone gets 403).
    C(
        "sms-inbound",
        "surveylinks:sms-inbound",
        method="post",
        args=("=tencent",),
        data={"mobile": "13900000000", "nationcode": "86", "text": "TD"},
        allow=frozenset(),
        scoped=False,
    ),
    # ---- complaints
    C("complaints", "complaints:index", allow=SIGNED_IN, scoped=False),
    C("complaint-list", "complaints:list", allow=SIGNED_IN, scoped=False),  # scoped rows, paginated
    C(
        "complaint-create",
        "complaints:create",
        method="post",
        data=COMPLAINT_FORM,
        allow=STORE_USERS,
        scoped=False,
    ),  # a superuser has no store to record it in
    # The intake form's live warning: the typed customer's open tickets (linked only if openable).
    C("complaint-create-repeats", "complaints:create-repeats", allow=STORE_USERS, scoped=False),
    # Issue #22: the filtered list's export (rows scoped and masked by role), the customer-care
    # manager's bulk transfer/assign (each ticket checked again), the user's own saved views.
    C("complaint-list-export", "complaints:list-export", allow=SIGNED_IN, scoped=False),
    C(
        "complaint-list-bulk",
        "complaints:list-bulk",
        method="post",
        data={
            "action": "transfer",
            "ids": "@complaint",
            "department": "@care_department",
            "reason": "应由客户部处理",
        },
        allow=frozenset({"ccm"}) | SU,
        scoped=False,
    ),
    C(
        "complaint-view-save",
        "complaints:view-save",
        method="post",
        data={"name": "我的视图", "query": "breached=1"},
        allow=SIGNED_IN,
        scoped=False,
    ),
    C(
        "complaint-view-delete",
        "complaints:view-delete",
        method="post",
        args=("saved_view",),
        allow=frozenset({"ccm"}),
        other=frozenset(),
    ),
    C("complaint-approvals", "complaints:approvals", allow=frozenset({"gm"}) | SU, scoped=False),
    C("assessment", "complaints:assessment", allow=SIGNED_IN, scoped=False),
    C(
        "assessment-adjust",
        "complaints:assessment",
        method="post",
        data={"department": "@department", "points": "1", "reason": "表现突出"},
        allow=frozenset({"assessor"}) | SU,
        scoped=False,
    ),
    C("measures", "prevention:measures", allow=SIGNED_IN, scoped=False),
    C(
        "measure-create",
        "prevention:measure-create",
        method="post",
        data={
            "category": "repair",
            "problem": "返修率高",
            "measure": "增加终检",
            "owner_department": "@department",
            "due_date": "2026-12-31",
        },
        allow=CARE,
        scoped=False,
    ),
    C("measure-detail", "prevention:measure-detail", args=("measure",), allow=PROFILED | SU),
    *[
        C(
            f"measure-{step}",
            "prevention:measure-step",
            method="post",
            args=("measure", f"={step}"),
            data={"comment": "意见", "note": "完成"},
            allow=who,
        )
        for step, who in MEASURE_STEPS.items()
    ],
    # The ticket: customer care, the GM, head office and the responsible department (not the others).
    C("complaint-detail", "complaints:detail", args=("complaint",), allow=TICKET_READERS),
    C("complaint-print", "complaints:print", args=("complaint",), allow=TICKET_READERS),
    C(
        "complaint-activity",
        "complaints:activity",
        args=("complaint",),
        allow=TICKET_READERS,
        query="seen==0",
    ),
    # The signed agreement follows the ticket's access rules (issue #21 item 4).
    C("complaint-agreement", "complaints:agreement", args=("complaint",), allow=TICKET_READERS),
    # Attachments (issue #22): whoever reads the ticket downloads; head office does not upload (403);
    # the uploader (the agent in the world) or a manager removes. An upload without a file is a 400.
    C(
        "complaint-attachment-upload",
        "complaints:attachment-upload",
        method="post",
        args=("complaint",),
        data={"description": "无文件"},
        allow=TICKET_ATTACHERS,
    ),
    C(
        "complaint-attachment",
        "complaints:attachment",
        args=("complaint", "complaint_attachment"),
        allow=TICKET_READERS,
    ),
    C(
        "complaint-attachment-thumbnail",
        "complaints:attachment-thumbnail",
        args=("complaint", "complaint_attachment"),
        allow=TICKET_READERS,
    ),
    C(
        "complaint-attachment-delete",
        "complaints:attachment-delete",
        method="post",
        args=("complaint", "complaint_attachment"),
        allow=frozenset({"agent", "ccm", "sales_mgr", "gm", "superuser"}),
    ),
    C(
        "complaint-confirm-major",
        "complaints:confirm-major",
        method="post",
        args=("complaint",),
        allow=CARE | SALES_DEPT | {"gm"} | SU,
    ),
    # Issue #18: a department manager disputes an assessment event; the assessor decides.
    C(
        "dispute-raise",
        "complaints:dispute-raise",
        method="post",
        data={"department": "@department", "month": "2026-03", "event": "complaint:0", "reason": "非本部门"},
        allow=SALES_DEPT | SU,
        scoped=False,
    ),
    C(
        "dispute-decide",
        "complaints:dispute-decide",
        method="post",
        args=("dispute",),
        data={"accept": "0", "comment": "不成立"},
        allow=frozenset({"assessor"}) | SU,
    ),
    *[
        C(
            f"complaint-{action}",
            "complaints:act",
            method="post",
            args=("complaint", f"={action}"),
            data=data,
            allow=who,
        )
        for action, (data, who) in COMPLAINT_ACTIONS.items()
    ],
    # ---- crisis
    C("crisis", "crisis:index", allow=SIGNED_IN, scoped=False),
    C(
        "crisis-create",
        "crisis:create",
        method="post",
        data={
            "type": "e",
            "title": "客户威胁曝光",
            "summary": "情绪激动",
            "reason": "扬言曝光",
            "confirm": "on",
        },
        allow=CRISIS_OPENERS,
        scoped=False,
    ),
    C("signal-open", "crisis:signal", method="post", args=("signal", "=open"), allow=CRISIS_OPENERS),
    C("signal-dismiss", "crisis:signal", method="post", args=("signal", "=dismiss"), allow=CRISIS_OPENERS),
    C("crisis-detail", "crisis:detail", args=("crisis",), allow=CRISIS_READERS),
    C(
        "crisis-attachment-upload",
        "crisis:attachment-upload",
        method="post",
        args=("crisis",),
        data={"description": "无文件"},
        allow=CRISIS_READERS - {"viewer"},
    ),
    C("crisis-attachment", "crisis:attachment", args=("crisis", "crisis_attachment"), allow=CRISIS_READERS),
    C(
        "crisis-attachment-thumbnail",
        "crisis:attachment-thumbnail",
        args=("crisis", "crisis_attachment"),
        allow=CRISIS_READERS,
    ),
    C(
        "crisis-attachment-delete",
        "crisis:attachment-delete",
        method="post",
        args=("crisis", "crisis_attachment"),
        allow=frozenset(
            {"gm", "ccm", "superuser"}
        ),  # the uploader (the GM), the team, customer care's manager
    ),
    C(
        "crisis-action-done",
        "crisis:action-done",
        method="post",
        args=("crisis", "crisis_action"),
        allow=CRISIS_EDITORS | {"ccm"},
    ),
    *[
        C(
            f"crisis-{what}",
            "crisis:act",
            method="post",
            args=("crisis", f"={what}"),
            data=data,
            allow=CRISIS_EDITORS,
        )
        for what, data in CRISIS_ACTS.items()
    ],
    # ---- reports
    C("reports", "reports:index", allow=PROFILED | SU, scoped=False),
    # The drill-down: every profile gets the page; its ticket rows follow the ticket's rules
    # (department scope pinned row by row in tests/reports/test_drill_access.py; issue #21).
    C("reports-drill-open", "reports:index", query="drill=open", allow=PROFILED | SU, scoped=False),
    C(
        "reports-drill-category",
        "reports:index",
        query="drill=category:sales",
        allow=PROFILED | SU,
        scoped=False,
    ),
    C(
        "report-build",
        "reports:build",
        method="post",
        data={"month": "2026-01"},
        allow=frozenset({"ccm", "gm", "viewer"}) | MANAGERS | SU,
        scoped=False,
    ),  # a snapshot, not a change
    C("report-download", "reports:download", args=("report",), allow=PROFILED | SU),
    # Issue #19: the manufacturer's quarterly score, entered by customer care of the store only.
    C("manufacturer-scores", "reports:manufacturer-scores", allow=CARE | SU, scoped=False),
    C(
        "manufacturer-score-set",
        "reports:manufacturer-scores",
        method="post",
        data={"store": "@store", "year": "2026", "quarter": "1", "score": "91.5", "note": "厂家季度考核"},
        allow=CARE | SU,
    ),
]

# ---- the REST API ------------------------------------------------------------------------------
API_COMPLAINT = {
    "customer": "@customer",
    "kind": "complaint",
    "content": "异响",
    "channel": "phone",
    "received_by_department": "@care_department",
    "category": "repair",
    "major_criteria": [],
}
API_CRISIS_ACTS = {  # action url → payload
    "phase": {"phase": "outbreak", "reason": "媒体已报道"},
    "team": {"user": "@ccm_user", "role": "对外沟通"},
    "plan": {"text": "统一口径"},
    "actions": {"title": "准备声明", "owner": "@ccm_user", "due_at": f"{TOMORROW}T10:00:00+08:00"},
    "media_log": {"outlet": "本地晚报", "date": "2026-03-11"},
    "logs": {"kind": "negotiation", "text": "客户来电"},
    "review": {"causes": "遗漏", "lessons": "检查", "preventive_measures": "检查表"},
    "decide": {"approve": True, "comment": "同意"},
}
CUSTOMER_WRITERS = CARE | MANAGERS | {"gm", "superuser"}


def A(id: str, route: str, **kw: Any) -> Case:
    return Case(id=f"api-{id}", route=route, api=True, **kw)


def _crud(name: str, route: str, key: str, create: dict[str, Any]) -> list[Case]:
    """list/create/retrieve/update/partial_update of a store-scoped record (customers, vehicles…)."""
    return [
        A(f"{name}-list", f"api:{route}-list", allow=PROFILED | SU, scoped=False),
        A(
            f"{name}-create",
            f"api:{route}-list",
            method="post",
            data=create,
            allow=CUSTOMER_WRITERS,
            scoped=False,
        ),
        A(f"{name}-detail", f"api:{route}-detail", args=(key,), allow=PROFILED | SU),
        A(
            f"{name}-put",
            f"api:{route}-detail",
            method="put",
            args=(key,),
            data=create,
            allow=CUSTOMER_WRITERS,
        ),
        A(
            f"{name}-patch",
            f"api:{route}-detail",
            method="patch",
            args=(key,),
            data={},
            allow=CUSTOMER_WRITERS,
        ),
    ]


CASES += [
    A(
        "token",
        "api-token",
        method="post",
        data={"username": "a_agent", "password": "wrong"},
        allow=EVERYONE,
        scoped=False,
    ),
    A("me", "api-me", allow=SIGNED_IN, scoped=False),
    # API tokens (issue #21): one's own only; a key that is not one's own token is 404 for everyone.
    A("tokens", "api-tokens", allow=SIGNED_IN, scoped=False),
    A("tokens-revoke-all", "api-tokens", method="delete", allow=SIGNED_IN, scoped=False, fresh=True),
    A("token-logout", "api-token-logout", method="post", allow=SIGNED_IN, scoped=False, fresh=True),
    A(
        "token-revoke",
        "api-token-detail",
        method="delete",
        args=("=notmytokenkey00",),
        allow=frozenset(),
        scoped=False,
    ),
    A("notifications", "api:notification-list", allow=SIGNED_IN, scoped=False),
    # The world's notification is its GM's: another user's (any role, any store) is a 404.
    A(
        "notification-read",
        "api:notification-read",
        method="post",
        args=("notification",),
        allow=frozenset({"gm"}),
        other=frozenset(),
    ),
    A("schema", "api-schema", allow=EVERYONE, scoped=False),
    A("docs", "api-docs", allow=EVERYONE, scoped=False),
    A("root", "api:api-root", allow=SIGNED_IN, scoped=False),
    A("stores", "api:store-list", allow=SIGNED_IN, scoped=False),
    A("store", "api:store-detail", args=("store",), allow=PROFILED | SU),
    A("departments", "api:department-list", allow=SIGNED_IN, scoped=False),
    A("department", "api:department-detail", args=("department",), allow=PROFILED | SU),
    *_crud("customer", "customer", "customer", {"name": "赵女士", "mobile": "13912340000"}),
    *_crud("vehicle", "vehicle", "vehicle", {"customer": "@customer", "plate": "粤B88888"}),
    *_crud("sale", "sale", "sale", {"vehicle": "@vehicle", "delivered_at": "2026-03-01T10:00:00+08:00"}),
    *_crud(
        "visit",
        "service-visit",
        "visit",
        {
            "vehicle": "@vehicle",
            "repair_order_no": "RO-X1",
            "kind": "maintenance",
            "opened_at": "2026-03-01T10:00:00+08:00",
        },
    ),
    A("imports", "api:import-list", allow=IMPORTERS, scoped=False),
    A("import", "api:import-detail", args=("import",), allow=IMPORTERS),
    A("import-confirm", "api:import-confirm", method="post", args=("import",), allow=IMPORTERS),
    A("callbacks", "callback-list", allow=CALLBACK_READERS, scoped=False),
    A("callback", "callback-detail", args=("task",), allow=CALLBACK_READERS),
    A("callback-claim", "callback-claim", method="post", args=("task",), allow=CARE | SU),
    A("callback-release", "callback-release", method="post", args=("task",), allow=CARE | SU),
    A(
        "callback-assign",
        "callback-assign",
        method="post",
        args=("task",),
        data={"agent": "@agent_user"},
        allow=frozenset({"ccm"}) | SU,
    ),
    A(
        "callback-cancel",
        "callback-cancel",
        method="post",
        args=("task",),
        data={"reason": "客户已离职"},
        allow=frozenset({"ccm"}) | SU,
    ),
    A("callback-attempts", "callback-attempts", args=("task",), allow=CALLBACK_READERS),
    A(
        "callback-attempt",
        "callback-attempts",
        method="post",
        args=("task",),
        data={"outcome": "no_answer"},
        allow=CARE | SU,
    ),
    A("surveys", "survey-list", allow=CALLBACK_READERS, scoped=False),
    A(
        "survey-create",
        "survey-list",
        method="post",
        data={"callback": "@task", "score": 95},
        allow=CARE | SU,
        scoped=False,
    ),
    A("survey", "survey-detail", args=("survey",), allow=CALLBACK_READERS),
    A("survey-items", "api-survey-items", query="type=sales", allow=CALLBACK_READERS, scoped=False),
    A("reason-codes", "reason-code-list", allow=CALLBACK_READERS, scoped=False),
    A(
        "reason-code",
        "reason-code-detail",
        args=("=skill_low",),
        allow=CALLBACK_READERS,
        scoped=False,
        accept=(404,),
    ),
    A("assessment", "api-assessment", query="month=2026-03", allow=SIGNED_IN, scoped=False),
    A("complaints", "complaint-list", allow=SIGNED_IN, scoped=False),
    A(
        "complaint-create",
        "complaint-list",
        method="post",
        data=API_COMPLAINT,
        allow=STORE_USERS,
        scoped=False,
    ),
    A("complaint", "complaint-detail", args=("complaint",), allow=TICKET_READERS),
    A("complaint-attachments", "complaint-attachments", args=("complaint",), allow=TICKET_READERS),
    A(
        "complaint-attachment-upload",
        "complaint-attachments",
        method="post",
        args=("complaint",),
        data={"description": "无文件"},
        allow=TICKET_ATTACHERS,
    ),
    *[
        A(
            f"complaint-{action}",
            f"complaint-{action.replace('_', '-')}-action",
            method="post",
            args=("complaint",),
            data=data,
            allow=who,
        )
        for action, (data, who) in COMPLAINT_ACTIONS.items()
    ],
    A("measures", "preventive-measure-list", allow=SIGNED_IN, scoped=False),
    A(
        "measure-create",
        "preventive-measure-list",
        method="post",
        data={
            "category": "repair",
            "problem": "返修率高",
            "measure": "增加终检",
            "owner_department": "@department",
            "due_date": "2026-12-31",
        },
        allow=CARE | SU,
        scoped=False,
    ),
    A("measure", "preventive-measure-detail", args=("measure",), allow=PROFILED | SU),
    *[
        A(
            f"measure-{step}",
            f"preventive-measure-{step}",
            method="post",
            args=("measure",),
            data={"comment": "意见"},
            allow=who,
        )
        for step, who in MEASURE_STEPS.items()
    ],
    A("crises", "crisis-list", allow=SIGNED_IN, scoped=False),
    A(
        "crisis-create",
        "crisis-list",
        method="post",
        data={"type": "e", "title": "威胁曝光"},
        allow=CRISIS_OPENERS,
        scoped=False,
    ),
    A("crisis", "crisis-detail", args=("crisis",), allow=CRISIS_READERS),
    *[
        A(
            f"crisis-{what}",
            f"crisis-{what.replace('_', '-')}",
            method="post",
            args=("crisis",),
            data=data,
            allow=CRISIS_EDITORS,
        )
        for what, data in API_CRISIS_ACTS.items()
    ],
    A("reports", "api-monthly-report-list", allow=PROFILED | SU, scoped=False),
    A(
        "report-build",
        "api-monthly-report-list",
        method="post",
        data={"month": "2026-01"},
        allow=frozenset({"ccm", "gm", "viewer"}) | MANAGERS | SU,
        scoped=False,
    ),
    A("report", "api-monthly-report-detail", args=("report",), allow=PROFILED | SU),
    A("report-xlsx", "api-monthly-report-xlsx", args=("report",), allow=PROFILED | SU),
    A(
        "report-month-xlsx",
        "api-monthly-report-month-xlsx",
        args=("=2026-01",),
        query="store=@store",
        allow=PROFILED | SU,
    ),
]


# ---- audit history ------------------------------------------------------------------------------
AUDIT_LOG_READERS = frozenset({"gm", "ccm", "superuser"})
HISTORY_EXPORTERS = frozenset({"gm", "ccm", "superuser"}) | MANAGERS
CASES += [
    C("audit-log", "audit:log", allow=AUDIT_LOG_READERS, scoped=False),
    C("audit-settings", "audit:settings", allow=AUDIT_LOG_READERS, scoped=False),
    C("audit-export", "audit:export", allow=AUDIT_LOG_READERS, scoped=False),
    # A record's history: exactly who may open the record.
    C("history-customer", "audit:history", args=("=customer", "customer"), allow=PROFILED | SU),
    C("history-complaint", "audit:history", args=("=complaint", "complaint"), allow=TICKET_READERS),
    C("history-crisis", "audit:history", args=("=crisis", "crisis"), allow=CRISIS_READERS),
    C(
        "history-export-customer",
        "audit:history-export",
        args=("=customer", "customer"),
        allow=HISTORY_EXPORTERS,
    ),
    C(
        "history-export-complaint",
        "audit:history-export",
        args=("=complaint", "complaint"),
        allow=TICKET_READERS & HISTORY_EXPORTERS,
    ),
]


# ---- the world, the clients, one request -------------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


@pytest.fixture(scope="module")
def clients(world: World, django_db_blocker: Any) -> dict[str, tuple[Client, APIClient]]:
    out: dict[str, tuple[Client, APIClient]] = {}
    with django_db_blocker.unblock():
        for key in ALL_USERS:
            user = world.users[key]
            web, api = Client(), APIClient()
            if user is not None:
                web.force_login(user)
                api.force_authenticate(user=user)
            out[key] = (web, api)
    return out


def _resolve(value: Any, world: World, scope: str) -> Any:
    """``"@key"`` → that record's id in the store of ``scope``; ``"=text"`` → text."""
    if isinstance(value, str) and value.startswith("@"):
        key = value[1:]
        store = world.own if scope == "own" else world.other
        if key.endswith("_user"):
            return store.users[key[: -len("_user")]].pk
        if key == "care_department":
            return store.departments["customer_care"].pk
        return world.ids(scope)[key]
    if isinstance(value, str) and value.startswith("="):
        return value[1:]
    if isinstance(value, dict):
        return {k: _resolve(v, world, scope) for k, v in value.items()}
    return value


def _url(case: Case, world: World, scope: str) -> str:
    args = [_resolve(a if a.startswith("=") else f"@{a}", world, scope) for a in case.args]
    url = reverse(case.route, args=args)
    if not case.query:
        return url
    key, _, value = case.query.partition("=")
    return f"{url}?{key}={_resolve(value, world, scope)}"


LOGIN = "/accounts/login/"


def _verdict(response: Any, user: str, case: Case) -> str:
    code = response.status_code
    if code in case.accept:
        return "allowed"
    if code >= 500 or code == 405:
        return f"error {code}"
    # 286: a polled notice's "stop polling, show nothing" (htmx), its answer to whoever may not see it.
    if code in (401, 403, 404, 286):
        return "denied"
    if code in (301, 302) and response.get("Location", "").startswith(LOGIN) and user == "anonymous":
        return "denied"
    return "allowed"


def run(case: Case, world: World, clients: dict[str, Any], user: str, scope: str) -> tuple[str, Any]:
    web, api = clients[user]
    if case.fresh:
        web, api = Client(), APIClient()
        if world.users[user] is not None:
            web.force_login(world.users[user])
            api.force_authenticate(user=world.users[user])
    client = api if case.api else web
    url = _url(case, world, scope)
    data = _resolve(case.data, world, scope) if case.data is not None else {}
    with transaction.atomic():
        if case.method == "get":
            response = client.get(url)
        elif case.api:
            response = getattr(client, case.method)(url, data, format="json")
        else:
            response = getattr(client, case.method)(url, data)
        transaction.set_rollback(True)
    return _verdict(response, user, case), response


def _leaks(response: Any, world: World) -> bool:
    """The other store's customer (name/mobile) or store name in the body of a store-bound user."""
    if response.get("Content-Type", "").startswith("application/vnd"):
        return False
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8", "replace")
    other = world.other
    return other.store.name in body


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matrix(case: Case, world: World, clients: dict[str, Any], db: None) -> None:
    problems = []
    for user in ALL_USERS:
        for scope in ("own", "other") if case.scoped else ("own",):
            verdict, response = run(case, world, clients, user, scope)
            expected = "allowed" if case.allowed(user, scope) else "denied"
            if verdict != expected:
                problems.append(
                    f"{user}/{scope}: expected {expected}, got {verdict} ({response.status_code})"
                )
            elif user in STORE_USERS and _leaks(response, world):
                problems.append(f"{user}/{scope}: the other store's data in the response")
    assert not problems, "\n".join(problems)


# ---- every URL pattern has a case ----------------------------------------------------------------
# Not in the matrix: Django's admin (staff flag and model permissions, its own tests) and the
# format-suffix twins of the router's routes (same view and name as the route they double).
NOT_IN_MATRIX = ("admin/",)


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else ""


def test_every_url_pattern_is_in_the_matrix() -> None:
    covered = {case.route for case in CASES}
    missing = sorted(
        f"{route} ({name or 'unnamed'})"
        for route, name in _patterns(get_resolver().url_patterns)
        if not route.startswith(NOT_IN_MATRIX) and name not in covered
    )
    assert not missing, "URL patterns without a case in the authorization matrix:\n" + "\n".join(missing)


# ---- references to another store's records inside a payload, and fields a role may not set -----
def _count(model_path: str, **filters: Any) -> int:
    from django.apps import apps

    return apps.get_model(model_path).objects.filter(**filters).count()


@dataclass(frozen=True)
class Smuggle:
    """``user`` sends ``data`` (with the other store's ids) to ``route``; nothing may change."""

    id: str
    user: str
    route: str
    data: dict[str, Any]
    args: tuple[str, ...] = ()
    api: bool = True
    method: str = "post"
    unchanged: tuple[str, dict[str, Any]] = ("csat.Customer", {})  # a model and a filter to count


SMUGGLES = [
    Smuggle(
        "complaint-for-other-customer",
        "agent",
        "complaint-list",
        {**API_COMPLAINT, "customer": "!customer"},
        unchanged=("complaints.Complaint", {}),
    ),
    Smuggle(
        "vehicle-for-other-customer",
        "agent",
        "api:vehicle-list",
        {"customer": "!customer", "plate": "粤B77777"},
        unchanged=("csat.Vehicle", {}),
    ),
    Smuggle(
        "customer-moved-to-other-store",
        "ccm",
        "api:customer-detail",
        {"store": "!store", "name": "改名"},
        args=("customer",),
        method="patch",
        unchanged=("csat.Customer", {"store__code": "GZ01"}),
    ),
    Smuggle(
        "task-assigned-to-other-agent",
        "ccm",
        "callback-assign",
        {"agent": "!agent_user"},
        args=("task",),
        unchanged=("callbacks.CallbackTask", {"assigned_to__isnull": False}),
    ),
    Smuggle(
        "survey-of-other-task",
        "agent",
        "survey-list",
        {"callback": "!task", "score": 95},
        unchanged=("callbacks.Survey", {}),
    ),
    Smuggle(
        "measure-for-other-department",
        "ccm",
        "preventive-measure-list",
        {
            "category": "repair",
            "problem": "返修",
            "measure": "终检",
            "owner_department": "!department",
            "due_date": "2026-12-31",
        },
        unchanged=("prevention.PreventiveMeasure", {}),
    ),
    Smuggle(
        "crisis-team-from-other-store",
        "gm",
        "crisis-team",
        {"user": "!ccm_user"},
        args=("crisis",),
        unchanged=("crisis.TeamMember", {}),
    ),
    Smuggle(
        "crisis-action-for-other-store",
        "gm",
        "crisis-actions",
        {"title": "声明", "owner": "!ccm_user", "due_at": f"{TOMORROW}T10:00:00+08:00"},
        args=("crisis",),
        unchanged=("crisis.CrisisAction", {}),
    ),
    Smuggle(
        "adjustment-of-other-department",
        "assessor",
        "complaints:assessment",
        {"department": "!department", "points": "5", "reason": "加分"},
        api=False,
        unchanged=("complaints.AssessmentAdjustment", {}),
    ),
    # Fields a role may not set: compensation by customer care, approval by a department manager.
    Smuggle(
        "agent-sets-compensation",
        "agent",
        "complaint-propose-action",
        {"solution": "赔偿", "compensation_amount": "9999"},
        args=("complaint",),
        unchanged=("complaints.Complaint", {"compensation_amount__isnull": False}),
    ),
    Smuggle(
        "manager-approves",
        "sales_mgr",
        "complaint-approve-action",
        {"comment": "同意"},
        args=("complaint",),
        unchanged=("complaints.Complaint", {"approval": "approved"}),
    ),
    Smuggle(
        "viewer-edits-customer",
        "viewer",
        "api:customer-detail",
        {"name": "改名"},
        args=("customer",),
        method="patch",
        unchanged=("csat.Customer", {"name": "改名"}),
    ),
]


def _smuggled(value: Any, world: World) -> Any:
    """``"!key"`` → the other store's id of ``key``; ``"@key"`` → the own store's."""
    if isinstance(value, str) and value.startswith("!"):
        return _resolve("@" + value[1:], world, "other")
    if isinstance(value, dict):
        return {k: _smuggled(v, world) for k, v in value.items()}
    return _resolve(value, world, "own")


@pytest.mark.parametrize("case", SMUGGLES, ids=[c.id for c in SMUGGLES])
def test_other_store_ids_and_forbidden_fields_change_nothing(
    case: Smuggle, world: World, clients: dict[str, Any], db: None
) -> None:
    web, api = clients[case.user]
    model, filters = case.unchanged
    before = _count(model, **filters)
    url = reverse(case.route, args=[_resolve(f"@{a}", world, "own") for a in case.args])
    data = _smuggled(case.data, world)
    if case.api:
        response = getattr(api, case.method)(url, data, format="json")
    else:
        response = getattr(web, case.method)(url, data)
    assert response.status_code in (400, 403, 404, 409), (response.status_code, response.content[:300])
    assert _count(model, **filters) == before
