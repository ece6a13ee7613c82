"""English pages carry no Chinese outside customer data (issue #22 "English and polish"; STYLE.md
convention 9: every user-facing string is translatable, Chinese first, English second).

Every role of the authorization matrix's world (two stores with a record of every kind, made by the
real services) opens every page it may open — the matrix's GET cases, so a new page is swept as soon
as it gets its matrix case — with the language cookie set to English. What is left of the page once
the data is taken away must hold no Chinese character: the data is every text value stored in the
database (customer names, addresses, store and department names, remarks, complaint content…),
matched as a substring so that truncated and masked values count as data too. Wordings the system
owns and stores as rows (the low-score reasons, the complaint cause codes) are *not* data: they are
translated at display time by their code, so a Chinese label of theirs on an English page fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.security.test_authorization_matrix import CASES, Case, _url
from tests.security.world import STORE_ROLES, World, world_fixture

# Ideographs (CJK unified, extension A, compatibility) — what an untranslated string leaves behind.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
COMMENT = re.compile(r"<!--.*?-->", re.S)
# An element marked as Chinese on purpose (the language switcher names 简体中文 in itself).
MARKED_CHINESE = re.compile(r"<(\w+)\b[^>]*\blang=\"zh[^\"]*\"[^>]*>.*?</\1>", re.S)

# Rows of wording the system owns: translated at display time by code, never shown as data.
SYSTEM_WORDING = {"callbacks.ReasonCode", "complaints.CauseCode"}

# The users who sweep: every store role, head office and the superuser.
SWEEPERS = (*STORE_ROLES, "viewer", "superuser")

PAGES: list[Case] = [case for case in CASES if case.method == "get" and not case.api]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def data_values() -> str:
    """Every text stored in the database (but the system's own wording), joined for substring tests."""
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.label in SYSTEM_WORDING or not model._meta.managed:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not getattr(f, "choices", None)  # a choice's code is not shown; its label is wording
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:  # a JSONField's value comes decoded
                found.update(s for s in _strings(value) if CJK.search(s))
    return "\x00".join(sorted(found))


def leftovers(html: str, data: str) -> list[str]:
    """The Chinese runs of ``html`` that are not part of a stored value, each with its context."""
    text = MARKED_CHINESE.sub("", COMMENT.sub("", html))
    out = []
    for match in CJK.finditer(text):
        if match.group() in data:
            continue
        start, end = max(0, match.start() - 60), min(len(text), match.end() + 40)
        out.append(f"{match.group()!r} in …{' '.join(text[start:end].split())}…")
    return out


# Chinese punctuation after an English word ("Plan：", "suggested C（No score"): a label whose colon
# or bracket stayed outside its translated string. Data may hold such pairs ("宝马X5（黑色）").
FULL_WIDTH_AFTER_LATIN = re.compile(r"([A-Za-z0-9]{2})([：（；])")
TAG_OR_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def punctuation_leftovers(html: str, data: str) -> list[str]:
    text = TAG_OR_SCRIPT.sub("", MARKED_CHINESE.sub("", COMMENT.sub("", html)))
    out = []
    for match in FULL_WIDTH_AFTER_LATIN.finditer(text):
        if match.group(0) in data:
            continue
        start, end = max(0, match.start() - 40), min(len(text), match.end() + 30)
        out.append(f"{match.group(0)!r} in …{' '.join(text[start:end].split())}…")
    return out


def english_client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def test_the_data_filter_keeps_an_untranslated_label_and_drops_data() -> None:
    """The filter itself: a stored name is data, a Chinese label the data does not hold is not."""
    data = "\x00".join(["王先生", "提车后发现车门划痕，要求处理。"])
    html = (
        '<td>王先生</td><td>提车后发现车门…</td><th title="处理中">Status</th>'
        '<option value="zh-hans" lang="zh-hans">简体中文</option>'
    )
    assert [item.split(" in ")[0] for item in leftovers(html, data)] == ["'处理中'"]


@pytest.mark.parametrize("case", PAGES, ids=[c.id for c in PAGES])
def test_english_page_has_no_chinese_outside_data(case: Case, world: World, db: None) -> None:
    data = data_values()
    problems: list[str] = []
    seen = 0
    for key in SWEEPERS:
        if not case.allowed(key, "own"):
            continue
        response = english_client(world.users[key]).get(_url(case, world, "own"), follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        seen += 1
        assert response.wsgi_request.LANGUAGE_CODE == "en"
        html = response.content.decode()
        problems += [f"{key} {case.id}: {item}" for item in leftovers(html, data)]
        problems += [f"{key} {case.id}: {item}" for item in punctuation_leftovers(html, data)]
    assert not problems, "Chinese on English pages (translate them):\n" + "\n".join(sorted(set(problems)))
    if case.id in ("home", "complaints", "complaint-list", "callbacks", "complaint-detail"):
        assert seen, f"{case.id}: no role saw the page"


def test_anonymous_pages_are_english_too(world: World, db: None) -> None:
    data = data_values()
    client = english_client(None)
    problems = []
    for url in (reverse("login"), reverse("healthz")):
        response = client.get(url)
        if response["Content-Type"].startswith("text/html"):
            problems += leftovers(response.content.decode(), data)
    assert not problems, "\n".join(problems)


def test_five_dimension_labels_and_low_score_reasons_are_english(world: World, db: None) -> None:
    """The five-dimension survey (five-dimension-satisfaction.zh.txt): the dimension names and the
    low-score reasons (rows seeded from csat.domain.scoring.REASON_CODES) read in English on the call
    page of each survey type, on the survey page and on the ticket the low ratings raise."""
    from callbacks.models import CallbackTask, Survey
    from callbacks.services.surveys import SurveyInput, survey_submit
    from tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory

    store, agent = world.own.store, world.own.users["agent"]
    customer = CustomerFactory(store=store, name="赵女士")
    vehicle = VehicleFactory(customer=customer)
    due = timezone.now() - dt.timedelta(hours=1)
    common = {"store": store, "customer": customer, "vehicle": vehicle, "due_at": due}
    common["expires_at"] = due + dt.timedelta(days=15)
    five = CallbackTask.objects.create(type="five_dimension", period="2026Q1", **common)
    after = CallbackTask.objects.create(
        type="after_sales", visit=ServiceVisitFactory(vehicle=vehicle), **common
    )
    answered = CallbackTask.objects.create(type="five_dimension", period="2025Q4", **common)
    ratings = {"skill": 9, "attitude": 4, "timeliness": 5, "parts": 9, "overall": 6}
    survey = survey_submit(
        actor=agent,
        data=SurveyInput(
            type="five_dimension",
            ratings=ratings,
            reason_codes=["poor_attitude", "site_far", "engineer_busy", "general_complaint"],
        ),
        callback=answered,
    )
    data = data_values()
    client = english_client(agent)
    urls = [reverse("callbacks:call", args=[five.pk]), reverse("callbacks:call", args=[after.pk])]
    urls.append(reverse("callbacks:survey", args=[survey.pk]))
    ticket = Survey.objects.get(pk=survey.pk).complaint_id
    if ticket:
        urls.append(reverse("complaints:detail", args=[ticket]))
    problems = []
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
        problems += [f"{url}: {item}" for item in leftovers(pages[url], data)]
    assert not problems, "\n".join(problems)
    call = pages[urls[0]]
    for english in ("Service skills", "Service attitude", "Poor attitude"):
        assert english.lower() in call.lower(), english


def test_a_closed_task_reads_in_english_punctuation(world: World, db: None) -> None:
    """The sweep's world has an open task: a closed one's status carries its reason in brackets
    ("Cancelled（Not called within 15 days; expired）" read so in English)."""
    from callbacks.models import CallbackTask

    data = data_values()
    task = CallbackTask.objects.filter(store=world.own.store, close_reason="surveyed").first()
    assert task is not None
    page = english_client(world.users["agent"]).get(reverse("callbacks:call", args=[task.pk]))
    assert page.status_code == 200
    status = page.content.decode().split('data-testid="task-status">')[1].split("</dd>")[0]
    assert " (" in status and "（" not in status, status
    assert punctuation_leftovers(page.content.decode(), data) == []
