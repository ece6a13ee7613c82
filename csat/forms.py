"""Form base shared by every app: Bootstrap classes on widgets, so templates stay plain."""

from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from csat import text_limits
from csat.domain import holiday_schedule
from csat.uploads import validate_attachment


class _PlainChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices read with one plain query: ModelChoiceIterator reads them through .iterator(),
    a server-side cursor on PostgreSQL whose extra round trips cost more than a short list."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


def _attrs_html(attrs: dict[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html`` in Python."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        )
    return "".join(out)


class FastSelect(forms.Select):
    """``forms.Select`` rendered in Python, in exactly the markup of Django's ``select.html``,
    ``select_option.html`` and ``attrs.html`` (tests/csat/test_fast_widgets.py compares them): a
    select of 50 stores through the template engine took ~14 ms of the group report dashboard
    (issue #25)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(str(widget["name"]))}"{_attrs_html(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(str(group_name))}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"{_attrs_html(option["attrs"])}>'
                    f"{escape(str(option['label']))}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


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


class CalendarScheduleForm(StyledForm):
    """Paste the State Council notice's dates or upload an .ics/.csv file (DOMAIN §9)."""

    text = forms.CharField(
        label=_("粘贴放假安排"),
        required=False,
        max_length=text_limits.TEXT,  # a year's notice is a few dozen lines
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2027-02-06 休\n2027-02-13 班"}),
        help_text=_("每行一个日期：“2027-02-06 休”或“2027-02-13 班”，可在后面加说明。"),
    )
    file = forms.FileField(label=_("或上传 .ics / .csv 文件"), required=False)
    confirm_year = forms.IntegerField(
        label=_("同时确认该年度放假安排"), required=False, min_value=2000, max_value=2100
    )

    MAX_UPLOAD = 512 * 1024

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("text") or ""
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_UPLOAD:
                raise forms.ValidationError(_("文件过大。"))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件须为 UTF-8 编码。")) from None
        if not text.strip() and not data.get("confirm_year"):
            raise forms.ValidationError(_("请粘贴日期、上传文件或填写要确认的年份。"))
        try:
            data["entries"] = holiday_schedule.parse_schedule(text)
        except holiday_schedule.ScheduleError as err:
            raise forms.ValidationError(
                _("第 %(line)s 行无法识别：%(text)s") % {"line": err.line, "text": err.text[:80]}
            ) from None
        return data


class AttachmentForm(StyledForm):
    """An attachment of a ticket or a crisis case (issue #22). On a phone, "拍照" opens the camera
    (``capture``); "文件" picks a photo, a PDF or a call recording. The type and size are checked by
    content (csat.uploads.validate_attachment, the one validator), never by the name."""

    photo = forms.FileField(
        label=_("拍照"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    file = forms.FileField(
        label=_("或选择文件（照片、PDF、录音）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf,audio/*"}),
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if upload:
            validate_attachment(upload)
        return upload

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload:
            validate_attachment(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("photo") and not data.get("file"):
            raise forms.ValidationError(_("请拍照或选择一个文件。"))
        if data.get("photo") and data.get("file"):
            raise forms.ValidationError(_("一次上传一个文件。"))
        return data

    @property
    def upload(self) -> Any:
        return self.cleaned_data.get("photo") or self.cleaned_data.get("file")
