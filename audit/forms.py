"""The audit log's filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.registry import BY_KEY, MODEL_CHOICES
from csat import access
from csat.params import BoundedDateField


class AuditFilterForm(forms.Form):
    date_from = BoundedDateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    model = forms.ChoiceField(label=_("对象"), required=False)
    user = forms.ModelChoiceField(label=_("用户"), required=False, queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, viewer: Any, settings_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (key, label) for key, label in MODEL_CHOICES if not settings_only or BY_KEY[key].is_setting
        ]
        self.fields["model"].choices = [("", _("全部"))] + choices  # type: ignore[attr-defined]
        users = get_user_model().objects.order_by("username")
        if not access.sees_all_stores(viewer):
            users = users.filter(profile__store_id=access.user_store_id(viewer))
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        for name, form_field in self.fields.items():
            form_field.widget.attrs["class"] = "form-select" if name in ("model", "user") else "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data
