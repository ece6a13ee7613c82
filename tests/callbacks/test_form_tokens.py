"""The survey form's one-time token (issue #21 item 5): a replayed submit gets the first survey."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from callbacks.models import Survey
from complaints.models import Complaint
from tests.callbacks.test_views import survey_post

pytestmark = pytest.mark.django_db


def test_a_replayed_survey_submit_gets_the_first_survey(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    page = client.get(f"/callbacks/{task.pk}/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    data = survey_post(score="60", remarks="交车时很仓促", form_token=token[1])
    first = client.post(f"/callbacks/{task.pk}/survey/", data)
    again = client.post(f"/callbacks/{task.pk}/survey/", data)
    survey = Survey.objects.get()
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == f"/callbacks/surveys/{survey.pk}/"
    assert Complaint.objects.count() == 1
    assert "已经提交过" in client.get(again.url).content.decode()
