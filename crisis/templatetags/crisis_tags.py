from typing import Any

from django import template

from crisis.selectors import open_crisis_for_customer

register = template.Library()


@register.inclusion_tag("crisis/partials/_banner.html")
def crisis_banner(customer_id: int | None) -> dict[str, Any]:
    """The red link to a customer's open crisis, on every ticket, survey and call page."""
    return {"crisis": open_crisis_for_customer(customer_id=customer_id)}
