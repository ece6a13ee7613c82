"""The customer's form: the survey type's mandatory items, the overall score 0–10 and remarks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from callbacks.services import SurveyInput
from callbacks.survey_items import items_for

REMARKS_MAX = 500
SCORE_CHOICES = [(str(n), str(n)) for n in range(10, -1, -1)]


class AnswerForm(forms.Form):
    """Built per survey type: one required radio group per mandatory item, then score and remarks.

    The 0–10 score converts to the 100-point scale ×10 (DOMAIN §1: a direct score, preferred).
    """

    score = forms.TypedChoiceField(
        label=_("总体来说，您对本次服务的满意程度（0–10 分，10 分为非常满意）"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择 0–10 分。"), "invalid_choice": _("请选择 0–10 分。")},
    )
    remarks = forms.CharField(
        label=_("您的意见或建议（选填）"),
        required=False,
        max_length=REMARKS_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REMARKS_MAX}),
    )

    def __init__(self, *args: Any, survey_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey_type = survey_type
        self.item_keys: list[str] = []
        items = [item for item in items_for(survey_type) if item.mandatory]
        fields: dict[str, forms.Field] = {}
        for item in items:
            name = f"item_{item.key}"
            self.item_keys.append(item.key)
            fields[name] = forms.ChoiceField(
                label=str(item.label),
                choices=[(value, label) for value, label in item.choices],
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择一项。"), "invalid_choice": _("请选择列出的选项之一。")},
            )
        self.fields = {**fields, "score": self.fields["score"], "remarks": self.fields["remarks"]}

    def to_input(self) -> SurveyInput:
        data = self.cleaned_data
        return SurveyInput(
            type=self.survey_type,
            score=int(data["score"]) * 10,
            items={key: data[f"item_{key}"] for key in self.item_keys},
            remarks=data.get("remarks", "").strip(),
        )
