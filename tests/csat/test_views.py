"""HTML pages of csat: login, landing page per role, customer lookup (HTMX), customer card, i18n."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from csat import selectors
from csat.models import DepartmentKind, Role
from demo.seed import DEMO_PASSWORD, seed_demo
from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def heading(response: Any) -> str:
    match = re.search(r'data-testid="landing-title">(.*?)</h1>', response.content.decode(), re.S)
    assert match, "no landing heading on the page"
    return match.group(1).strip()


# --- login --------------------------------------------------------------------------------------


def test_login_page_is_in_chinese(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html and "用户名" in html and "密码" in html
    assert '<html lang="zh-hans">' in html


def test_wrong_password_shows_a_chinese_error(client: Client, agent: Any) -> None:
    response = client.post("/accounts/login/", {"username": "agent_a", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/", "/customers/", "/customers/1/"])
def test_anonymous_is_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url)}"


# --- each demo role signs in and lands on its own page ------------------------------------------

DEMO_LANDINGS = [
    ("agent", "回访专员工作台"),
    ("ccmanager", "客户部经理工作台"),
    ("sales_mgr", "部门经理工作台 · 销售部"),
    ("business_mgr", "部门经理工作台 · 业务部"),
    ("service_mgr", "部门经理工作台 · 服务部"),
    ("finance_mgr", "部门经理工作台 · 财务部"),
    ("parts_sup", "部门经理工作台 · 配件部"),
    ("admin_mgr", "综合部工作台"),
    ("gm", "总经理工作台"),
    ("hq", "集团总部（只读）"),
]


def test_every_demo_account_signs_in_to_its_landing_page(client: Client) -> None:
    seed_demo(customers=20, months=2)
    for username, expected in DEMO_LANDINGS:
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.redirect_chain == [("/", 302)], f"{username} did not sign in"
        assert heading(response) == expected, username


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (Role.AGENT, DepartmentKind.CUSTOMER_CARE, "回访专员工作台"),
        (Role.CUSTOMER_CARE_MANAGER, DepartmentKind.CUSTOMER_CARE, "客户部经理工作台"),
        (Role.DEPARTMENT_MANAGER, DepartmentKind.SERVICE, "部门经理工作台"),
        (Role.GENERAL_MANAGER, DepartmentKind.MANAGEMENT, "总经理工作台"),
        (Role.ADMIN_ASSESSOR, DepartmentKind.ADMIN, "综合部工作台"),
        (Role.STAFF, DepartmentKind.SALES, "员工工作台"),
        (Role.GROUP_VIEWER, None, "集团总部"),
    ],
)
def test_landing_page_per_role(role: str, kind: str | None, expected: str, store_a: Any) -> None:
    if kind is None:
        user = StaffFactory(role=role)
    else:
        user = StaffFactory(role=role, store=store_a, department=DepartmentFactory(store=store_a, kind=kind))
    response = signed_in(user).get("/")
    assert response.status_code == 200
    assert heading(response).startswith(expected)


def test_user_without_role_is_told_to_ask_for_one(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("newcomer", password="x" * 12)
    html = signed_in(user).get("/").content.decode()
    assert "尚未分配门店和角色" in html
    assert 'data-testid="landing-title"' not in html


def test_landing_overview_counts_only_the_users_store(
    agent: Any, hq: Any, store_a: Any, store_b: Any
) -> None:
    for _ in range(2):
        VehicleFactory(customer__store=store_a)
    for _ in range(3):
        CustomerFactory(store=store_b)
    # Only head office's home shows the totals; a store's roles see their work (tests/csat/test_home.py).
    assert "overview" not in signed_in(agent).get("/").context
    assert selectors.store_overview(user=agent) == {
        "stores": 1,
        "customers": 2,
        "vehicles": 2,
        "sales": 0,
        "service_visits": 0,
    }
    assert signed_in(hq).get("/").context["overview"]["customers"] == 5


def test_landing_overview_is_cached_a_minute_per_scope(
    agent: Any, agent_b: Any, hq: Any, store_a: Any, store_b: Any
) -> None:
    CustomerFactory(store=store_a)
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert selectors.store_overview(user=agent)["customers"] == 1
        assert signed_in(hq).get("/").context["overview"]["customers"] == 1
        CustomerFactory(store=store_a)
        CustomerFactory(store=store_b)
        # Within the minute: the figures of each scope as first counted, one store's not another's.
        html = signed_in(hq).get("/").content.decode()
        assert selectors.store_overview(user=agent)["customers"] == 1
        assert "统计数字每分钟更新一次" in html
        assert signed_in(hq).get("/").context["overview"]["customers"] == 1
        assert selectors.store_overview(user=agent_b)["customers"] == 1
        clock.shift(dt.timedelta(seconds=61))
        assert selectors.store_overview(user=agent)["customers"] == 2
        assert signed_in(hq).get("/").context["overview"]["customers"] == 3


def test_landing_overview_counts_nothing_while_cached(hq: Any) -> None:
    client = signed_in(hq)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    tables = ("csat_customer", "csat_vehicle", "csat_salesdelivery", "csat_servicevisit", "csat_store")
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if any(f'FROM "{t}"' in sql for t in tables)], counts


def test_whoami_shows_name_role_and_store(agent: Any) -> None:
    html = signed_in(agent).get("/").content.decode()
    match = re.search(r'data-testid="whoami">(.*?)</span>', html, re.S)
    assert match
    assert "回访专员" in match.group(1) and "深圳福田店" in match.group(1)


def test_the_top_bar_puts_who_is_signed_in_and_log_out_in_the_names_menu(agent: Any) -> None:
    # The bar shows the name; role, store and "Log out" (a POST form) are in the name's menu, so the
    # GM's eight menus, the search box and the bell fit one row at 1366 px (tests/e2e/test_top_bar.py).
    client = signed_in(agent)
    html = client.get("/").content.decode()
    button = re.search(r'data-testid="user-menu">(.*?)</button>', html, re.S)
    assert button and button.group(1).strip() == agent.get_full_name()
    menu = html[html.index('data-testid="user-menu"') :]
    assert re.search(r'<form method="post" action="/accounts/logout/">.*?data-testid="logout"', menu, re.S)
    # The bar's short name in English; the page title keeps the full name.
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<a class="navbar-brand" href="/">Customer Care</a>' in html
    assert "· Customer Care Management System</title>" in html


# --- customer lookup ----------------------------------------------------------------------------


@pytest.fixture
def zhang(store_a: Any, store_b: Any) -> Any:
    customer = CustomerFactory(store=store_a, name="张伟", mobile="13800138000")
    VehicleFactory(customer=customer, plate="粤B12345")
    CustomerFactory(store=store_b, name="王芳", mobile="13800138000")  # same mobile, other store
    return customer


@pytest.mark.parametrize("q", ["13800138000", "+86 138-0013-8000", "粤b·12345", "粤B12345", "张"])
def test_search_page_finds_by_mobile_plate_and_name(agent: Any, zhang: Any, q: str) -> None:
    response = signed_in(agent).get("/customers/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert f'href="/customers/{zhang.id}/"' in html
    assert "<td>13800138000</td>" in html  # an agent phones customers: the full number
    assert "王芳" not in html  # the other store's customer with the same mobile
    assert [c.id for c in response.context["results"]] == [zhang.id]


def test_search_with_no_match_says_so(agent: Any, zhang: Any) -> None:
    html = signed_in(agent).get("/customers/", {"q": "13999999999"}).content.decode()
    assert "没有找到匹配的客户" in html


def test_htmx_search_returns_only_the_partial(agent: Any, zhang: Any) -> None:
    client = signed_in(agent)
    response = client.get("/customers/", {"q": "粤B12345"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="customer-results"' in html
    assert "张伟" in html
    assert "<html" not in html and "<nav" not in html and "<footer" not in html
    full = client.get("/customers/", {"q": "粤B12345"}).content.decode()
    assert "<html" in full and 'data-testid="customer-results"' in full


def test_head_office_search_spans_stores(hq: Any, zhang: Any) -> None:
    response = signed_in(hq).get("/customers/", {"q": "13800138000"})
    assert sorted(c.name for c in response.context["results"]) == ["张伟", "王芳"]


# --- customer card ------------------------------------------------------------------------------


def test_customer_detail_of_own_store(agent: Any, zhang: Any) -> None:
    response = signed_in(agent).get(f"/customers/{zhang.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" in html and "粤B·12345" in html
    assert 'data-testid="vip-banner"' not in html


def test_customer_detail_of_another_store_is_a_404(agent: Any, store_b: Any) -> None:
    theirs = CustomerFactory(store=store_b)
    assert signed_in(agent).get(f"/customers/{theirs.id}/").status_code == 404
    assert signed_in(agent).get("/customers/999999/").status_code == 404


def test_lawyer_customer_shows_the_red_banner_with_guidance(agent: Any, store_a: Any) -> None:
    lawyer = CustomerFactory(store=store_a, identity_flags=["lawyer"])
    html = signed_in(agent).get(f"/customers/{lawyer.id}/").content.decode()
    banner = re.search(
        r'<div class="alert alert-danger[^"]*"[^>]*data-testid="vip-banner".*?</div>', html, re.S
    )
    assert banner, "no red banner"
    text = banner.group(0)
    assert "重大客户（F 级）" in text
    assert "律师" in text
    assert "不做任何明确答复" in text  # what to do when the caller is a lawyer


def test_banner_guidance_follows_the_language(agent: Any, store_a: Any) -> None:
    lawyer = CustomerFactory(store=store_a, identity_flags=["lawyer"])
    client = signed_in(agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/customers/{lawyer.id}/").content.decode()
    assert "give no definite answer" in html
    assert "不做任何明确答复" not in html


# --- language and static assets -----------------------------------------------------------------


def test_language_switch_to_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()


def test_assets_are_served_locally(agent: Any) -> None:
    pages = [Client().get("/accounts/login/"), signed_in(agent).get("/")]
    for page in pages:
        html = page.content.decode()
        stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
        assert "/static/bootstrap/css/bootstrap.min.css" in stylesheets
        assert "/static/css/csat.css" in stylesheets
        sources = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html)
        for url in sources:
            assert not re.match(r"^(https?:)?//", url), f"external asset {url}"
            if url.startswith("/static/"):
                assert finders.find(url.removeprefix("/static/")), f"{url} does not exist"
        assert not re.search(r"https?://", html), "the base page must not reference any external URL"


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("customer-search", [], "/customers/"),
        ("customer-detail", [7], "/customers/7/"),
        ("api:customer-list", [], "/api/customers/"),
        ("api:customer-detail", [7], "/api/customers/7/"),
    ],
)
def test_page_url_names_are_not_shadowed_by_the_api(name: str, args: list[int], path: str) -> None:
    from django.urls import reverse

    assert reverse(name, args=args) == path
