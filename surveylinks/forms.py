"""The customer's form: the survey type's mandatory items, the overall score 0–10 and remarks; for a
five-dimension survey the five 1–10 ratings, each with its low-score reasons (DOMAIN §2)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from callbacks.forms import codes_by_dimension
from callbacks.models import Dimension, SurveyType
from callbacks.services import SurveyInput
from callbacks.survey_items import items_for
from csat.domain import scoring

REMARKS_MAX = 500
SCORE_CHOICES = [(str(n), str(n)) for n in range(10, -1, -1)]
# DOMAIN §2: each dimension is rated 1–10 (the source's "10 分制"); there is no 0.
RATING_CHOICES = [(str(n), str(n)) for n in range(10, 0, -1)]


class AnswerForm(forms.Form):
    """Built per survey type.

    Sales / after-sales: one required radio group per mandatory item, then score and remarks; the
    0–10 score converts to the 100-point scale ×10 (DOMAIN §1: a direct score, preferred).
    Five-dimension: a required 1–10 radio group per dimension, each followed by the reason codes of
    that dimension (the agent's form's codes); a rating ≤ 6 needs at least one reason (DOMAIN §2
    Decision), reasons ticked beside a higher rating are dropped. The service scores it like a call.
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
        self.five = survey_type == SurveyType.FIVE_DIMENSION
        fields: dict[str, forms.Field] = {}
        if self.five:
            fields = self._dimension_fields()
            self.fields = {**fields, "remarks": self.fields["remarks"]}
            return
        for item in (item for item in items_for(survey_type) if item.mandatory):
            name = f"item_{item.key}"
            self.item_keys.append(item.key)
            fields[name] = forms.ChoiceField(
                label=str(item.label),
                choices=[(value, label) for value, label in item.choices],
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择一项。"), "invalid_choice": _("请选择列出的选项之一。")},
            )
        self.fields = {**fields, "score": self.fields["score"], "remarks": self.fields["remarks"]}

    @staticmethod
    def _dimension_fields() -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        codes = codes_by_dimension()
        for dim in scoring.DIMENSIONS:
            label = Dimension(dim).label
            fields[f"rating_{dim}"] = forms.TypedChoiceField(
                label=label,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("请为“%(dim)s”打 1–10 分。") % {"dim": label},
                    "invalid_choice": _("请选择 1–10 分。"),
                },
            )
            fields[f"reasons_{dim}"] = forms.MultipleChoiceField(
                label=_("打 6 分及以下时，请告诉我们原因（可多选）"),
                required=False,
                choices=[(code.code, code.shown_label) for code in codes.get(dim, [])],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("请选择列出的原因。")},
            )
        return fields

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        if not self.five:
            return data
        for dim in scoring.DIMENSIONS:
            rating = data.get(f"rating_{dim}")
            if rating is None:
                continue
            if scoring.needs_reason(rating):
                if not data.get(f"reasons_{dim}") and f"reasons_{dim}" not in self.errors:
                    self.add_error(
                        f"reasons_{dim}",
                        _("“%(dim)s”打了 6 分及以下，请至少选择一个原因。") % {"dim": Dimension(dim).label},
                    )
            else:
                data[f"reasons_{dim}"] = []  # ticked, then the rating was raised: not a low score
        return data

    @property
    def questions(self) -> list[dict[str, Any]]:
        """What the page shows, top to bottom, as plain data: each choice question with its options
        (id, value, label, checked) and, for a five-dimension rating, its reasons; then the remarks.

        The template writes the inputs itself: rendering ~80 radio and checkbox widgets through
        Django's per-option widget templates cost most of the page's time (bench/survey_link_bench.py).
        """
        names = (
            [f"rating_{d}" for d in scoring.DIMENSIONS]
            if self.five
            else [name for name in self.fields if name != "remarks"]
        )
        out = [self._question(name) for name in names]
        if self.five:
            for question, dim in zip(out, scoring.DIMENSIONS, strict=True):
                question["why"] = self._question(f"reasons_{dim}")
        return out

    def _question(self, name: str) -> dict[str, Any]:
        bound = self[name]
        value = bound.value()
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
        return {
            "name": bound.html_name,
            "id": bound.auto_id,  # its error is <id>_error, the group's description
            "label": bound.label,
            "errors": bound.errors,
            "type": "checkbox" if isinstance(bound.field, forms.MultipleChoiceField) else "radio",
            "required": bound.field.required,
            "score": name == "score" or name.startswith("rating_"),
            "options": [
                (f"{bound.auto_id}_{i}", str(v), label, str(v) in chosen)
                for i, (v, label) in enumerate(
                    cast(list[tuple[Any, Any]], getattr(bound.field, "choices", []))
                )
            ],
        }

    def sent_back(self, questions: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """What the customer must still answer or change, top to bottom, as (the id of its group or
        field, its name): the list at the top of a page sent back, whose links lead to each one (a
        long survey on a phone returns to its top, far from a question left out near the end)."""
        out = []
        for question in questions:
            if question["errors"]:
                out.append((question["id"], str(question["label"])))
            why = question.get("why")
            if why and why["errors"]:
                out.append((why["id"], f"{question['label']}：{why['label']}"))
        remarks = self["remarks"]
        if remarks.errors:
            out.append((remarks.auto_id, str(remarks.label)))
        return out

    def to_input(self) -> SurveyInput:
        data = self.cleaned_data
        remarks = data.get("remarks", "").strip()
        if self.five:
            return SurveyInput(
                type=self.survey_type,
                ratings={dim: int(data[f"rating_{dim}"]) for dim in scoring.DIMENSIONS},
                reason_codes=[code for dim in scoring.DIMENSIONS for code in data.get(f"reasons_{dim}", [])],
                remarks=remarks,
            )
        return SurveyInput(
            type=self.survey_type,
            score=int(data["score"]) * 10,
            items={key: data[f"item_{key}"] for key in self.item_keys},
            remarks=remarks,
        )
