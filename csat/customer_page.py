"""The customer page (360°, issue #22): csat shows the customer, the vehicles, visits and purchases;
the apps above csat add their own panels and actions (callbacks: surveys with grades, callback tasks
and 新建回访; complaints: the tickets and 登记投诉; crisis: the crisis cases), so that csat never
imports them: each registers a provider in its ``AppConfig.ready``.

A provider takes the user and the customer and returns its panel, or None when the user may not see
that kind of record. Each panel reads its rows in a fixed number of queries (the page's query pin).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CustomerAction:
    """A button on the customer page: a link (GET) or a form that posts (``post``)."""

    key: str
    label: str
    url: str
    post: bool = False


@dataclass(frozen=True)
class CustomerPanel:
    key: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    actions: Sequence[CustomerAction] = ()
    order: int = 100


Provider = Callable[[Any, Any], "CustomerPanel | None"]
CUSTOMER_PANELS: list[Provider] = []


def register_customer_panel(provider: Provider) -> None:
    if provider not in CUSTOMER_PANELS:
        CUSTOMER_PANELS.append(provider)


def customer_panels(*, user: Any, customer: Any) -> list[CustomerPanel]:
    panels = [p for provider in CUSTOMER_PANELS if (p := provider(user, customer)) is not None]
    return sorted(panels, key=lambda p: p.order)
