"""The GM's home tiles of pending signals by suggested grade: each tile's number is the number of rows
the board it opens lists (a row per customer, or per store-wide signal), and that board is kept to
exactly those rows, the ungraded ones included."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crisis.models import WarningSignal
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def signal(store: Any, customer: Any, code: str, grade: str, record_id: int = 1) -> WarningSignal:
    return WarningSignal.objects.create(
        store=store, customer=customer, source=WarningSignal.Source.CUSTOMER, record_id=record_id,
        code=code, explanation=f"测试{code}", suggested_grade=grade,
    )  # fmt: skip


def board_rows(client: Client, url: str) -> list[str]:
    page = client.get(url.split("#")[0]).content.decode()
    return [part.split("</tr>")[0] for part in page.split('data-testid="signal-row"')[1:]]


def test_each_signal_tile_counts_the_rows_of_the_board_it_opens(
    clock: Any, gm: Any, store: Any, other_store: Any
) -> None:
    zhang, li, zhao = (CustomerFactory(store=store, name=name) for name in ("张先生", "李女士", "赵先生"))
    signal(store, zhang, "a", "G")
    signal(store, zhang, "b", "G")  # two G signals, one board row
    signal(store, li, "c", "G")
    signal(store, li, "d", "D")
    signal(store, None, "batch_problem", "F", record_id=1)  # store-wide: a row each
    signal(store, None, "batch_problem", "F", record_id=2)
    signal(store, zhao, "e", "")  # no grade suggested
    signal(other_store, CustomerFactory(store=other_store), "f", "G")  # not the GM's store
    client = Client()
    client.force_login(gm)
    tiles = {tile.key: tile for tile in client.get("/").context["tiles"]}
    counts = {key: tile.count for key, tile in tiles.items() if key.startswith("signals-")}
    assert counts == {"signals-G": 2, "signals-F": 2, "signals-D": 1, "signals-none": 1}
    for key in counts:
        assert len(board_rows(client, tiles[key].url)) == tiles[key].count, key
    (ungraded,) = board_rows(client, tiles["signals-none"].url)
    assert "赵先生" in ungraded
    assert len(board_rows(client, "/crisis/")) == 5  # unfiltered: every customer and pattern


def test_the_board_keeps_to_the_ungraded_signals(clock: Any, gm: Any, store: Any) -> None:
    zhao = CustomerFactory(store=store, name="赵先生")
    signal(store, zhao, "e", "")
    signal(store, zhao, "g", "E")  # the same customer's graded sign is not an ungraded one
    client = Client()
    client.force_login(gm)
    (row,) = board_rows(client, "/crisis/?grade=none")
    assert "测试e" in row and "测试g" not in row
    (row,) = board_rows(client, "/crisis/?grade=E")
    assert "测试g" in row and "测试e" not in row


def test_a_board_kept_to_one_grade_says_so_and_leads_back_to_all(clock: Any, gm: Any, store: Any) -> None:
    signal(store, CustomerFactory(store=store, name="赵先生"), "e", "G")
    signal(store, CustomerFactory(store=store, name="钱女士"), "h", "")
    client = Client()
    client.force_login(gm)
    kept = client.get("/crisis/?grade=G").content.decode()
    assert 'data-testid="signal-filter">建议 G 级<' in kept and 'data-testid="signal-filter-clear"' in kept
    assert 'data-testid="signal-filter">未定级<' in client.get("/crisis/?grade=none").content.decode()
    assert 'data-testid="signal-filter"' not in client.get("/crisis/").content.decode()
