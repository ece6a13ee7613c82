"""Issue #22 on the crisis case page and board: one form per panel (tabs, one submit each, the tab kept
after a save, errors re-open their tab), a confirmation and a one-line reason to open a case, the case
and its tickets linked both ways, and no code letters or event keys in what people read."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from complaints.models import Complaint
from crisis import services
from crisis.models import CrisisCase, CrisisType, Phase

pytestmark = pytest.mark.django_db


def page(client: Any, path: str, code: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == code, response.status_code
    return response.content.decode()


def url(crisis: CrisisCase) -> str:
    return f"/crisis/{crisis.pk}/"


def panes(html: str) -> dict[str, bool]:
    """tab key → whether its pane is the active one."""
    return {
        key: "active" in classes
        for classes, key in re.findall(r'<div class="tab-pane([^"]*)" id="crisis-pane-(\w+)"', html)
    }


def submits(html: str) -> int:
    panel = html.split('data-testid="crisis-panel"')[1].split("</section>")[0]
    return panel.count('type="submit"')


# --- one form per panel ---------------------------------------------------------------------------


def test_the_case_page_shows_one_panel_with_a_tab_per_form_and_the_first_open(
    web: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any
) -> None:
    html = page(web(gm), url(open_crisis()))
    assert html.count('data-testid="crisis-panel"') == 1
    assert panes(html) == {
        "phase": True,
        "team": False,
        "plan": False,
        "action": False,
        "media": False,
        "log": False,
    }
    # Six forms, six submits, one visible at a time (the others are inactive panes).
    assert submits(html) == 6
    assert 'data-bs-toggle="tab"' in html and 'href="?tab=plan#crisis-panel"' in html
    assert "<script>" not in html.split('data-testid="crisis-panel"')[1]  # CSP: no inline script


def test_the_review_tab_appears_in_recovery_and_the_phase_tab_when_a_phase_is_left(
    web: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    to_phase: Callable[..., CrisisCase],
    gm: Any,
) -> None:
    crisis = to_phase(open_crisis(), Phase.RECOVERY)
    html = page(web(gm), url(crisis))
    assert list(panes(html)) == ["team", "plan", "action", "media", "log", "review"]
    assert panes(html)["team"]  # no phase after recovery: the first tab is the team
    services.crisis_review_submit(
        crisis=crisis, actor=gm, causes="因", lessons="教训", preventive_measures="措施"
    )
    assert "review" not in panes(page(web(gm), url(crisis)))  # pending: the GM decides, nothing to resubmit


def test_after_a_save_the_same_tab_stays_open_and_a_flash_says_what_was_saved(
    web: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any, service_mgr: Any
) -> None:
    crisis = open_crisis()
    client = web(gm)
    response = client.post(f"{url(crisis)}plan/", {"text": "24 小时内上门检测"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{url(crisis)}?tab=plan#crisis-panel"
    html = response.content.decode()
    assert panes(html)["plan"] and not panes(html)["phase"]
    assert "方案已更新为第 1 版。" in html
    response = client.post(f"{url(crisis)}team/", {"user": service_mgr.pk, "role": "技术鉴定"}, follow=True)
    html = response.content.decode()
    assert panes(html)["team"]
    name = service_mgr.get_full_name() or service_mgr.username
    assert f"已将 {name} 加入应急小组，本人已收到通知。" in html
    response = client.post(f"{url(crisis)}phase/", {"phase": "outbreak", "reason": "上了热搜"}, follow=True)
    html = response.content.decode()
    assert "已进入爆发期，总经理和应急小组已收到通知。" in html and panes(html)["phase"]
    response = client.post(f"{url(crisis)}log/", {"kind": "legal", "text": "已咨询律师"}, follow=True)
    assert "已记录：法律途径。" in response.content.decode()


def test_an_unknown_tab_in_the_address_opens_the_first(
    web: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any
) -> None:
    crisis = open_crisis()
    assert panes(page(web(gm), f"{url(crisis)}?tab=media"))["media"]
    assert panes(page(web(gm), f"{url(crisis)}?tab=bogus"))["phase"]


def test_a_failed_submit_reopens_its_tab_with_the_error_and_saves_nothing(
    web: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], gm: Any
) -> None:
    crisis = open_crisis()
    response = web(gm).post(f"{url(crisis)}media/", {"outlet": "", "date": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert panes(html) == {k: k == "media" for k in ("phase", "team", "plan", "action", "media", "log")}
    tab = html.split('data-testid="crisis-tab-media"')[1].split("</a>")[0]
    assert "text-bg-danger" in tab  # the tab says it holds an error
    pane = html.split('data-testid="crisis-pane-media"')[1].split("</form>")[0]
    assert "invalid-feedback" in pane
    assert not crisis.media_log.exists()


def test_readers_see_no_panel(
    web: Callable[[Any], Any], open_crisis: Callable[..., CrisisCase], ccm: Any
) -> None:
    html = page(web(ccm), url(open_crisis()))
    assert 'data-testid="crisis-panel"' not in html and "crisis-pane-" not in html


# --- opening asks for a confirmation and a reason -------------------------------------------------


def test_opening_on_the_page_needs_a_reason_and_a_confirmation(
    web: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    client = web(agent)
    form = page(client, "/crisis/new/")
    assert 'name="reason"' in form and 'name="confirm"' in form
    base = {"type": "d", "title": "记者来电", "mobile": customer.mobile}
    for missing in ({"reason": "记者已到店"}, {"confirm": "on"}, {"reason": "  ", "confirm": "on"}):
        assert client.post("/crisis/new/", {**base, **missing}).status_code == 400
    assert not CrisisCase.objects.exists()
    response = client.post("/crisis/new/", {**base, "reason": "记者已到店采访", "confirm": "on"}, follow=True)
    crisis = CrisisCase.objects.get()
    assert f"已发起危机事件 {crisis.number}，总经理和应急小组已收到通知。" in response.content.decode()
    opened = crisis.events.get(action="open")
    assert opened.note == "记者已到店采访"
    assert crisis.history.earliest("history_id").history_change_reason == "记者已到店采访"  # type: ignore[attr-defined]


def test_escalating_a_ticket_on_its_page_needs_a_reason_and_a_confirmation(
    web: Callable[[Any], Any], make_complaint: Callable[..., Complaint], ccm: Any
) -> None:
    ticket = make_complaint(major_criteria=["safety"])
    client = web(ccm)
    form = (
        page(client, f"/complaints/{ticket.pk}/")
        .split('data-testid="action-escalate"')[1]
        .split("</form>")[0]
    )
    assert 'name="note"' in form and 'name="confirm"' in form
    assert client.post(f"/complaints/{ticket.pk}/escalate/", {"note": "刹车失灵"}).status_code == 400
    assert client.post(f"/complaints/{ticket.pk}/escalate/", {"confirm": "on"}).status_code == 400
    assert not CrisisCase.objects.exists()
    response = client.post(f"/complaints/{ticket.pk}/escalate/", {"note": "刹车失灵", "confirm": "on"})
    assert response.status_code == 302
    assert list(CrisisCase.objects.get().complaints.all()) == [ticket]


# --- the case and its tickets, both ways ----------------------------------------------------------


def test_the_case_and_the_ticket_it_came_from_link_to_each_other_also_once_closed(
    web: Callable[[Any], Any], make_complaint: Callable[..., Complaint], ccm: Any, gm: Any
) -> None:
    ticket = make_complaint(major_criteria=["safety"])
    client = web(ccm)
    client.post(f"/complaints/{ticket.pk}/escalate/", {"note": "刹车失灵", "confirm": "on"})
    crisis = CrisisCase.objects.get()
    case = page(web(gm), url(crisis)).split('data-testid="crisis-complaints"')[1].split("</ul>")[0]
    assert f'href="/complaints/{ticket.pk}/"' in case and ticket.number in case
    linked = (
        page(client, f"/complaints/{ticket.pk}/").split('data-testid="ticket-crises"')[1].split("</dd>")[0]
    )
    assert f'href="{url(crisis)}"' in linked and crisis.number in linked and "潜伏期" in linked
    # Closed ticket: the banner goes, the link to its case stays.
    Complaint.objects.filter(pk=ticket.pk).update(status="closed")
    html = page(client, f"/complaints/{ticket.pk}/")
    assert 'data-testid="crisis-banner"' not in html
    assert f'href="{url(crisis)}"' in html.split('data-testid="ticket-crises"')[1]


def test_a_case_opened_from_a_warning_links_the_tickets_the_warnings_came_from(
    web: Callable[[Any], Any], make_complaint: Callable[..., Complaint], gm: Any
) -> None:
    from crisis.models import WarningSignal

    ticket = make_complaint(content="再不解决我就找记者曝光，还要去消协")
    signal = WarningSignal.objects.filter(source="complaint", record_id=ticket.pk).first()
    assert signal is not None, "the ticket's words fire a warning"
    response = web(gm).post(f"/crisis/signals/{signal.pk}/open/", {"reason": "客户已联系记者"})
    crisis = CrisisCase.objects.get()
    assert response.status_code == 302
    assert list(crisis.complaints.all()) == [ticket]
    html = page(web(gm), f"/complaints/{ticket.pk}/")
    assert f'href="{url(crisis)}"' in html.split('data-testid="ticket-crises"')[1]


# --- no code letters or event keys ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_code_letters_or_event_keys_on_the_case_page_board_or_history(
    web: Callable[[Any], Any],
    open_crisis: Callable[..., CrisisCase],
    make_complaint: Callable[..., Complaint],
    gm: Any,
    service_mgr: Any,
    language: str,
) -> None:
    crisis = open_crisis(type="d", summary="客户原话：要找电视台", actor=gm)
    services.crisis_change_phase(crisis=crisis, actor=gm, phase=Phase.OUTBREAK, reason="上了热搜")
    services.crisis_team_set(crisis=crisis, actor=gm, user=service_mgr, role="技术鉴定")
    services.crisis_plan_update(crisis=crisis, actor=gm, text="方案")
    client = web(gm)
    client.cookies["django_language"] = language
    with translation.override(language):
        type_label = str(CrisisType("d").label)
        html = page(client, url(crisis))
        board = page(client, "/crisis/")
        history = page(client, f"/audit/history/crisis/{crisis.pk}/")
        opened = "发起危机事件" if language == "zh-hans" else translation.gettext("发起危机事件")
        latent, outbreak = str(Phase.LATENT.label), str(Phase.OUTBREAK.label)
    assert not type_label.startswith("d ") and type_label in html
    for text in (html, board, history):
        assert not re.search(
            r"(^|[\s>·（(])[a-e] (媒体|安全|涉及|短期|其他|Media|Safety|Large|Repeated|Other)", text
        )
    timeline = html.split('data-testid="crisis-timeline"')[1].split("</ol>")[0]
    for key in ("open", "phase", "team", "plan"):
        assert f"<strong>{key}</strong>" not in timeline and f"· {key} " not in timeline, key
    assert "latent" not in timeline and "outbreak" not in timeline
    assert opened in timeline and f"{latent} → {outbreak}" in timeline
    assert type_label in history


def test_every_timeline_event_key_has_a_label() -> None:
    from crisis.models import EVENT_LABELS

    source = (Path(settings.BASE_DIR) / "crisis" / "services.py").read_text(encoding="utf-8")
    used = set(re.findall(r'action="(\w+)"', source))
    used |= {"close", "review_reject"}  # written as a conditional expression
    assert used <= set(EVENT_LABELS), used - set(EVENT_LABELS)
