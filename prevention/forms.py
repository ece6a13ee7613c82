from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, CauseCode
from csat import text_limits
from csat.forms import StyledForm
from csat.params import BoundedDateField


class MeasureForm(StyledForm):
    category = forms.ChoiceField(label=_("投诉类别"), choices=Category.choices)
    cause = forms.ModelChoiceField(
        label=_("原因"), queryset=CauseCode.objects.filter(active=True), required=False
    )
    problem = forms.CharField(
        max_length=text_limits.TEXT, label=_("问题"), widget=forms.Textarea(attrs={"rows": 2})
    )
    root_cause = forms.CharField(
        max_length=text_limits.TEXT,
        label=_("根本原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    measure = forms.CharField(
        max_length=text_limits.TEXT, label=_("预防措施"), widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_department = forms.ModelChoiceField(label=_("责任部门"), queryset=None)  # type: ignore[arg-type,var-annotated]
    due_date = BoundedDateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = departments  # type: ignore[attr-defined]


class StepForm(StyledForm):
    comment = forms.CharField(
        max_length=text_limits.NOTE, label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
