"""Form base shared by every app: Bootstrap classes on widgets, so templates stay plain."""

from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from csat import text_limits
from csat.domain import holiday_schedule
from csat.form_renderer import select_html
from csat.params import BoundedDateField
from csat.uploads import validate_attachment


class _PlainChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices read with one plain query: ModelChoiceIterator reads them through .iterator(),
    a server-side cursor on PostgreSQL whose extra round trips cost more than a short list."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FastSelect(forms.Select):
    """``forms.Select`` drawn in Python whatever the form renderer (csat.form_renderer), in exactly
    the markup of Django's ``select.html``: a select of 50 stores through the template engine took
    ~14 ms of the group report dashboard (issue #25)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        return mark_safe(select_html(self.get_context(name, value, attrs)["widget"]))  # noqa: S308 - escaped there


class ShortModelChoiceField(forms.ModelChoiceField):
    """A select of a few rows (a store's staff, the visible stores), such as a list page's filter."""

    iterator = _PlainChoiceIterator


class _ReadOnceChoiceIterator(_PlainChoiceIterator):
    """The rows read once per rendering: a template's ``{% for %}`` asks the choices' length (a
    COUNT query) before iterating them (a second query)."""

    def __init__(self, field: Any) -> None:
        super().__init__(field)
        self._objects: list[Any] | None = None

    def _rows(self) -> list[Any]:
        if self._objects is None:
            self._objects = list(self.queryset.all())
        return self._objects

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._rows())


class ReadOnceModelChoiceField(ShortModelChoiceField):
    """A short select whose rows one query reads, however the template walks them (a department's
    people on the ticket page, issue #25)."""

    iterator = _ReadOnceChoiceIterator


def _trimming(to_python: Any) -> Any:
    """A text field's own parsing, then invisible characters trimmed at the ends like spaces: a
    zero-width space alone is not an answer to a required field."""

    def parse(value: Any) -> Any:
        text = to_python(value)
        return text_limits.trim(text) if isinstance(text, str) else text

    return parse


class NameField(forms.CharField):
    """A short name or title typed by a user (a crisis case's title, an action, a media outlet):
    format characters taken out wherever they stand (``csat.text_limits.clean_name``, shared with
    the API's ``csat.apis.fields.NameField`` and the import); nothing left is a blank field, refused
    with ``blank_message`` ("请填写标题。") when the field is required."""

    def __init__(self, *, blank_message: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if blank_message is not None:
            self.error_messages["required"] = blank_message

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return text_limits.clean_name(text) if isinstance(text, str) else text


class StyledForm(forms.Form):
    """Bootstrap's class on every control, so templates only lay them out. Checkboxes and radios
    are left to their templates unless ``style_checks`` (the agent's forms, which render them
    plainly). A form that adds fields after ``__init__`` calls ``style()`` again: it adds a class
    only where it is missing."""

    style_checks = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.strip:
                field.to_python = _trimming(field.to_python)  # type: ignore[method-assign]

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                if not self.style_checks:
                    continue
                css = "form-check-input"
            else:
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])


class CalendarOverrideForm(StyledForm):
    date = BoundedDateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
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
            if err.contradicts:
                raise forms.ValidationError(
                    _("第 %(line)s 行与第 %(other)s 行矛盾：同一天不能既是休息日又是工作日。%(text)s")
                    % {"line": err.line, "other": err.contradicts, "text": err.text[:80]}
                ) from None
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
