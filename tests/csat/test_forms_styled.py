"""One styling of form controls for every app (csat.forms.StyledForm): Bootstrap's class on each
control, checkboxes and radios only where the form asks, and a second pass adds nothing twice."""

from __future__ import annotations

from django import forms

from csat.forms import StyledForm


class _Form(StyledForm):
    name = forms.CharField(widget=forms.TextInput(attrs={"class": "search-wide"}))
    kind = forms.ChoiceField(choices=[("a", "A")])
    agree = forms.BooleanField(required=False)


class _AgentForm(_Form):
    style_checks = True


def test_every_control_gets_its_class_once_and_checks_only_when_asked() -> None:
    form = _Form()
    form.style()  # again, as a form that adds fields after __init__ does
    assert form.fields["name"].widget.attrs["class"] == "search-wide form-control"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert "class" not in form.fields["agree"].widget.attrs
    agent = _AgentForm()
    agent.fields["extra"] = forms.CharField()
    agent.style()
    assert agent.fields["agree"].widget.attrs["class"] == "form-check-input"
    assert agent.fields["extra"].widget.attrs["class"] == "form-control"
