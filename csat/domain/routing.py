"""Which department a complaint goes to by default (DOMAIN §5): the category → department table.

Values are the stored choice values: complaint categories (``complaints.models.Category``) and
department kinds (``csat.models.DepartmentKind``); tests keep them in step with the choices.
"""

from __future__ import annotations

__all__ = ["CATEGORY_DEPARTMENT", "suggested_department_kind"]

CATEGORY_DEPARTMENT: dict[str, str] = {
    "sales": "sales",
    "repair": "business",
    "parts": "parts",
    "finance": "finance",
    "staff": "admin",
    "other": "business",
}


def suggested_department_kind(*, category: str, major: bool) -> str:
    """Major repair / compensation complaints go to the service manager, the rest by category.

    An unknown category → ValueError.
    """
    if category not in CATEGORY_DEPARTMENT:
        raise ValueError(
            f"unknown complaint category {category!r}; expected one of {', '.join(CATEGORY_DEPARTMENT)}"
        )
    if major and category == "repair":
        return "service"
    return CATEGORY_DEPARTMENT[category]
