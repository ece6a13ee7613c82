"""JSON bodies with a bounded nesting depth.

Python's json module recurses: a body nested 5,000 deep raised RecursionError (a 500). This parser
answers 400 for anything nested deeper than ``MAX_DEPTH`` (no payload of the API needs more than a
few levels), and checks the depth without recursion.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item  # type: ignore[assignment]
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON 嵌套层数过多（最多 %(max)d 层）。") % {"max": MAX_DEPTH}) from None
        if too_deep(data):
            raise ParseError(_("JSON 嵌套层数过多（最多 %(max)d 层）。") % {"max": MAX_DEPTH})
        return data
