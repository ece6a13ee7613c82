"""Widgets rendered in Python rather than through the form templates (selects and inputs).

Django renders each ``<option>`` through a template include (and builds a context dict per
option first): a group-scope filter bar (400 departments of 50 stores) spent ~20 ms per request
on that alone (bench/RESULTS.md, issue #25). ``FastSelect`` writes the same markup — the
select's attributes, option groups, the selected options — straight from the choices, every
value escaped as the template would escape it.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        context = self.get_context(name, value, attrs, with_options=False)
        self._selected = set(context["widget"]["value"])
        parts: list[str] = [
            format_html('<select name="{}"{}>', name, _attributes(context["widget"]["attrs"]))
        ]
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(format_html('<optgroup label="{}">', key))
                parts.extend(self._options(label))
                parts.append("</optgroup>")
            else:
                parts.extend(self._options([(key, label)]))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def get_context(self, name: str, value: Any, attrs: Any, with_options: bool = True) -> dict[str, Any]:
        if with_options:
            return super().get_context(name, value, attrs)
        # The select's own attributes and value only: optgroups() would build every option's dict.
        return forms.Widget.get_context(self, name, value, attrs)

    def format_value(self, value: Any) -> list[str]:
        return super().format_value(value)  # type: ignore[no-any-return]

    def _options(self, choices: Iterable[tuple[Any, Any]]) -> Iterable[str]:
        for key, label in choices:
            value = "" if key is None else str(key)
            mark = ""
            if value in self._selected:
                mark = " selected"
                if not self.allow_multiple_selected:  # as Django: the first match only
                    self._selected = set()
            yield f'<option value="{escape(value)}"{mark}>{_escape(label)}</option>'


def _escape(value: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper (per option of a 400-option select)."""
    return str(value.__html__()) if hasattr(value, "__html__") else escape(str(value))


class FastInputMixin:
    """An ``<input>`` written as django/forms/widgets/input.html writes it, without the template."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = "" if widget["value"] is None else f' value="{_escape(widget["value"])}"'
        return mark_safe(  # noqa: S308 - every value escaped
            f'<input type="{escape(str(widget["type"]))}" name="{escape(name)}"{shown}{_attributes(widget["attrs"])}>'
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out."""
    parts = []
    for key, value in attrs.items():
        if value is False or value is None:
            continue
        parts.append(
            f" {conditional_escape(key)}"
            if value is True
            else f' {conditional_escape(key)}="{conditional_escape(value)}"'
        )
    return mark_safe("".join(parts))  # noqa: S308 - keys and values escaped above
