"""The form renderer (settings.FORM_RENDERER): Django's, with the common widgets drawn in Python.

Django draws each widget through its template engine (``input.html`` including ``attrs.html``; a
select one ``select_option.html`` per option): about a millisecond per field, most of a form's
cost on the ticket page and its action forms (issue #25). The widgets below are drawn in Python in
exactly the markup of Django's templates — ``tests/csat/test_fast_widgets.py`` renders every one
both ways and compares — and every other template (error lists, labels, clearable file inputs,
radio and checkbox groups …) is still Django's.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData


def _text(value: Any) -> str:
    """A value as ``{{ value }}`` or ``{{ value|stringformat:'s' }}`` prints it in the widget
    templates: escaped, unless it is already safe markup."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def attrs_html(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html`` (and text, number, email, date … which include it)."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{attrs_html(widget["attrs"])}>'


def _textarea(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>\n{value}</textarea>'


def select_html(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/select.html`` with its ``select_option.html`` per option (the renderer
    strips the template's last newline, as Django's does)."""
    parts = [f'<select name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{attrs_html(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_INPUTS = (
    *("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time"),
    *("search", "tel", "color", "file", "checkbox"),
)
FAST: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": select_html,
}


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = FAST.get(template_name)
        widget = context.get("widget") if isinstance(context, dict) else None
        if draw is not None and isinstance(widget, dict):
            return draw(widget)
        return super().render(template_name, context, request)
