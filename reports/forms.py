"""The dashboard's month picker and store/group switch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from csat import text_limits
from csat.forms import FastSelect, ShortModelChoiceField, StyledForm
from csat.models import Store
from reports import selectors

# A month that has not begun has no figures: its "report" would be an empty file people may take
# for the real one (and it would take version 1 of that month).
FUTURE_MONTH = _("本月之后的月份尚无数据，不能生成报表。")


class ReportFilterForm(StyledForm):
    month = forms.CharField(
        max_length=text_limits.MONTH,
        label=_("月份"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
    )
    # The group and every store of a head-office user: rendered in Python (issue #25).
    scope = forms.ChoiceField(label=_("范围"), required=False, widget=FastSelect)

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes  # type: ignore[attr-defined]

    def clean_month(self) -> dt.date:
        raw = self.cleaned_data.get("month") or ""
        if not raw:
            return selectors.current_month()
        try:
            return selectors.parse_month(raw)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from None


class BuildForm(forms.Form):
    month = forms.CharField(max_length=text_limits.MONTH)
    scope = forms.CharField(max_length=text_limits.SCOPE, required=False)

    def clean_month(self) -> dt.date:
        try:
            month = selectors.parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from None
        if month > selectors.current_month():
            raise forms.ValidationError(FUTURE_MONTH)
        return month


class ManufacturerScoreForm(StyledForm):
    """The manufacturer's quarterly score of a store (issue #19). The ranges are the service's
    (``callbacks.services.manufacturer_scores``); its field errors come back onto this form."""

    store = ShortModelChoiceField(queryset=Store.objects.none(), label=_("门店"), empty_label=None)
    year = forms.IntegerField(label=_("年份"))
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        coerce=int,
        choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))],
    )
    score = forms.CharField(label=_("厂家考核分值（0–100）"), max_length=10)
    note = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=500,
        error_messages={"max_length": _("备注不能超过 %(limit_value)s 字。")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
