"""Form base shared by every app: Bootstrap classes on widgets, so templates stay plain."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class _PlainChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices read with one plain query: ModelChoiceIterator reads them through .iterator(),
    a server-side cursor on PostgreSQL whose extra round trips cost more than a short list."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A select of a few rows (a store's staff, the visible stores), such as a list page's filter."""

    iterator = _PlainChoiceIterator


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class CalendarOverrideForm(StyledForm):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label=_("类型"),
        choices=[("0", _("放假")), ("1", _("调休上班"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("说明"), max_length=100, required=False)
