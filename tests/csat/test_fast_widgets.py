"""Widgets rendered in Python give exactly the markup of Django's widget templates (issue #25: the
template engine's widget rendering was a large part of the report dashboard's time)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from csat.forms import FastSelect

CHOICES: list[Any] = [
    ("", "—"),
    ("group", "集团（全部门店）"),
    ("1", 'LG001 <北京> & "旗舰" 店'),
    (2, "LG002"),
]
GROUPED: list[Any] = [("", "—"), ("门店", [("1", "A & B"), ("2", "C")]), ("集团", [("group", "集团")])]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, "1", {"class": "form-select", "id": "id_scope"}),
        (CHOICES, 2, {"class": "form-select"}),
        (CHOICES, None, {"required": True, "disabled": False, "data-x": 'a"b'}),
        (CHOICES, "group", None),
        (GROUPED, "2", {"id": "id_s"}),
        ([], "", None),
    ],
)
def test_fast_select_renders_the_templates_markup(choices: Any, value: Any, attrs: Any) -> None:
    django_select = forms.Select(choices=choices).render("scope", value, attrs=attrs)
    fast = FastSelect(choices=choices).render("scope", value, attrs=attrs)
    assert fast == django_select
    assert "&lt;北京&gt; &amp; &quot;旗舰&quot;" in fast or choices is not CHOICES


def test_a_form_field_with_the_fast_select_renders_the_same(rf: Any) -> None:
    class Plain(forms.Form):
        scope = forms.ChoiceField(choices=CHOICES, required=False)

    class Fast(forms.Form):
        scope = forms.ChoiceField(choices=CHOICES, required=False, widget=FastSelect)

    for data in ({"scope": "1"}, {"scope": "bad"}, None):
        assert str(Fast(data)["scope"]) == str(Plain(data)["scope"])
