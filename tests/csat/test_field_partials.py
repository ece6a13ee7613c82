"""The shared field partials give a field's help and errors the ids its control names in
aria-describedby (<id>_helptext, <id>_error), so a screen reader reads them with the control; the
hand-written select and checkbox of components/_field.html name them as Django's widgets do."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string

PARTIALS = ["components/_field.html", "callbacks/partials/_field.html"]


class Sample(forms.Form):
    text = forms.CharField(help_text="帮助：文字")
    choice = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], help_text="帮助：选项")
    flag = forms.BooleanField(help_text="帮助：勾选")


def described_ids(html: str) -> list[str]:
    return [i for value in re.findall(r'aria-describedby="([^"]*)"', html) for i in value.split()]


@pytest.mark.parametrize("partial", PARTIALS)
@pytest.mark.parametrize("name", ["text", "choice", "flag"])
def test_help_and_errors_have_the_ids_the_control_names(partial: str, name: str) -> None:
    form = Sample(data={"choice": "z"})  # every field invalid: text and flag missing, choice unknown
    assert not form.is_valid() and form[name].errors
    html = render_to_string(partial, {"field": form[name]})
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    named = described_ids(html)
    # aria-describedby is on the control itself, and every id it names is there to read
    assert set(named) >= {f"id_{name}_error", f"id_{name}_helptext"}
    assert not set(named) - ids, f"{partial} {name}: aria-describedby names {named}, the ids are {ids}"
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("partial", PARTIALS)
def test_a_valid_field_names_only_its_help(partial: str) -> None:
    form = Sample(data={"text": "好", "choice": "a", "flag": "on"})
    assert form.is_valid()
    for name in ("text", "choice"):
        html = render_to_string(partial, {"field": form[name]})
        assert f'id="id_{name}_error"' not in html and "_error" not in " ".join(described_ids(html))
        assert set(described_ids(html)) <= set(re.findall(r'\sid="([^"]+)"', html))
