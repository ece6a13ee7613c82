"""Widgets drawn in Python give exactly the markup of Django's widget templates (issue #25: the
template engine's widget rendering was a large part of the ticket page's and the report
dashboard's time). Each widget is rendered by Django's own renderer and by ours, and compared."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from csat.form_renderer import FAST, FastWidgetRenderer
from csat.forms import FastSelect

CHOICES: list[Any] = [
    ("", "—"),
    ("group", "集团（全部门店）"),
    ("1", 'LG001 <北京> & "旗舰" 店'),
    (2, "LG002"),
    ("3", mark_safe("<b>safe</b>")),
]
GROUPED: list[Any] = [("", "—"), ("门店 <1>", [("1", "A & B"), ("2", "C")]), ("集团", [("group", "集团")])]
DJANGO, OURS = DjangoTemplates(), FastWidgetRenderer()
ATTRS: list[Any] = [
    None,
    {"class": "form-control", "id": "id_x"},
    {"required": True, "disabled": False, "data-x": 'a"b<c>', "placeholder": "手机/车牌"},
    {"rows": 3, "maxlength": 5000, "aria-describedby": "id_x_helptext"},
]
VALUES: list[Any] = [
    None,
    "",
    "plain",
    'a "quoted" <tag> & more',
    42,
    3.5,
    mark_safe("<i>x</i>"),
    "第一行\n第二行",
]
WIDGETS: list[Any] = [
    forms.TextInput(),
    forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
    forms.NumberInput(),
    forms.EmailInput(),
    forms.URLInput(),
    forms.PasswordInput(render_value=True),
    forms.HiddenInput(),
    forms.DateInput(),
    forms.DateInput(attrs={"type": "date"}),
    forms.DateTimeInput(),
    forms.TimeInput(),
    forms.FileInput(),
    forms.CheckboxInput(),
    forms.Textarea(),
    forms.Textarea(attrs={"rows": 2}),
    forms.Select(choices=CHOICES),
    forms.Select(choices=GROUPED),
    forms.SelectMultiple(choices=CHOICES),
    forms.NullBooleanSelect(),
]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("attrs", ATTRS)
def test_every_fast_widget_renders_djangos_markup(widget: Any, attrs: Any) -> None:
    assert widget.template_name in FAST or type(widget) is forms.NullBooleanSelect
    values = [*VALUES, ["1", 2], dt.date(2026, 3, 5), True, False]
    for value in values:
        try:
            expected = widget.render("field", value, attrs=attrs, renderer=DJANGO)
        except (TypeError, KeyError):  # a value this widget cannot take at all (NullBooleanSelect: a list)
            continue
        assert widget.render("field", value, attrs=attrs, renderer=OURS) == expected, (value, expected)


def test_other_templates_are_still_djangos() -> None:
    widget = forms.ClearableFileInput()
    assert widget.template_name not in FAST
    assert widget.render("f", None, renderer=OURS) == widget.render("f", None, renderer=DJANGO)
    radio = forms.RadioSelect(choices=CHOICES)
    assert radio.render("f", "1", renderer=OURS) == radio.render("f", "1", renderer=DJANGO)


@pytest.mark.parametrize("value", ["1", 2, None, "group", "3"])
def test_fast_select_renders_djangos_markup(value: Any) -> None:
    for choices in (CHOICES, GROUPED, []):
        attrs = {"class": "form-select", "id": "id_scope"}
        expected = forms.Select(choices=choices).render("scope", value, attrs=attrs, renderer=DJANGO)
        assert FastSelect(choices=choices).render("scope", value, attrs=attrs) == expected


def test_whole_forms_render_the_same_through_both_renderers() -> None:
    class Sample(forms.Form):
        name = forms.CharField(max_length=20, help_text="帮助 <b>")
        note = forms.CharField(widget=forms.Textarea, required=False)
        when = forms.DateField(required=False)
        scope = forms.ChoiceField(choices=CHOICES, required=False)
        agree = forms.BooleanField(required=False)
        upload = forms.FileField(required=False)

    for data in (
        {"name": "<x>", "note": "a\nb", "when": "2026-03-05", "scope": "1", "agree": "on"},
        {},
        None,
    ):
        ours = Sample(data, renderer=OURS)
        theirs = Sample(data, renderer=DJANGO)
        assert str(ours) == str(theirs)
        for name in ours.fields:
            assert str(ours[name]) == str(theirs[name])
