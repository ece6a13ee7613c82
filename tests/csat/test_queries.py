"""The shared lists answer in a fixed number of queries, whatever the number of rows: customer search
(page, htmx partial and API, by name, mobile prefix and plate), the customer card, the landing page,
the import list (page and API), the notification inbox and the holiday calendar.

The REST lists of customers, vehicles, sales and visits are pinned in test_apis.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile

from csat.models import CalendarOverride
from csat.notifications import notify
from intake.models import ImportJob
from tests.factories import CustomerFactory, SalesDeliveryFactory, ServiceVisitFactory, VehicleFactory
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def test_shared_lists_have_a_fixed_query_count(
    settings: Any, store_a: Any, agent: Any, ccmanager: Any, hq: Any
) -> None:
    # The landing page's figures are cached a minute; pin the count of a request that misses.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    owner: Any = CustomerFactory(store=store_a, name="王大伟", mobile="13900001111")
    seq = iter(range(10_000))

    def grow(k: int) -> None:
        for _ in range(k):
            i = next(seq)
            customer = CustomerFactory(store=store_a, name=f"王伟{i:03d}", mobile=f"1390000{i:04d}")
            vehicle = VehicleFactory(customer=customer, plate=f"粤B7{i:04d}")
            mine = VehicleFactory(customer=owner, plate=f"粤C8{i:04d}")
            ServiceVisitFactory(vehicle=mine)
            SalesDeliveryFactory(vehicle=vehicle)
            job = ImportJob(store=store_a, kind="customers", created_by=ccmanager, original_name=f"{i}.xlsx")
            job.file.save(f"{i}.xlsx", ContentFile(b"x"), save=False)
            job.save()
            notify(recipients=[agent], key=f"test:{i}", title=f"通知 {i}")
            CalendarOverride.objects.create(
                date=dt.date(2030, 1, 1) + dt.timedelta(days=i), is_working_day=bool(i % 2)
            )

    bodies = assert_flat(
        {
            "home": (agent, "/", False),
            "home_group": (hq, "/", False),
            "search_name": (agent, "/customers/?q=王伟", False),
            "search_mobile": (agent, "/customers/?q=1390000", False),
            "search_plate": (agent, "/customers/?q=粤B7", False),
            "customer_card": (agent, f"/customers/{owner.pk}/", False),
            "api_customer_search": (agent, "/api/customers/?q=王伟", True),
            "imports": (ccmanager, "/imports/", False),
            "api_imports": (ccmanager, "/api/import/", True),
            "notifications": (agent, "/notifications/", False),
            "calendar": (agent, "/calendar/", False),
        },
        grow,
        pinned={
            "home": 7,  # session, user with profile, unread badge; the queue counts, my booked, my calls and surveys
            # head office: the five counts (cache missed) instead of its own work
            "home_group": 8,
            # + the found customers' vehicles (the results show the plate)
            "search_name": 5,
            # + the VIN tails (a 7-digit number may be the start of a mobile or a VIN's last 7),
            # + the ticket whose serial it may be (the serial is the id: one indexed row)
            "search_mobile": 7,
            # + the matching vehicles' newest owners, read before the customers (a LIMIT over the
            # subquery walked every customer at group scope: bench/search_bench.py)
            "search_plate": 6,
            "customer_card": 12,  # + the panels of callbacks, complaints and crisis (test_customer_page.py)
            "api_customer_search": 2,  # the search, then its page by a cursor (no COUNT)
            "imports": 7,  # the upload form pre-selects the user's own store by id (no store read)
            "api_imports": 2,
            "notifications": 5,  # + the revision of the notifications, read for the unread tab
            "calendar": 7,  # + confirmed years, override counts per year, unconfirmed-year warning
        },
    )
    assert bodies["search_name"].count("王伟") >= 6
