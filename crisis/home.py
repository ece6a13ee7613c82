"""The GM's home (csat.home): the pending crisis signals by severity (the grade they suggest, most
severe first), each linking to the crisis board kept to that grade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from crisis import selectors
from csat.domain.grading import GRADE_ORDER
from csat.home import Tile, register_home_tiles
from csat.models import Role


def signal_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    # Rows of the board, not signals: each tile's number is what the list it opens shows.
    counts = selectors.pending_rows_by_grade(user=user)
    group = _("危机预警（按严重程度）")
    if not counts:
        yield Tile("signals", _("待处理的危机预警"), 0, reverse("crisis:index"), group=group)
        return
    for grade in sorted(counts, key=lambda g: GRADE_ORDER.index(g) if g in GRADE_ORDER else -1, reverse=True):
        label = _("建议 %(grade)s 级") % {"grade": grade} if grade else _("未定级")
        yield Tile(
            f"signals-{grade or 'none'}", label, counts[grade],
            reverse("crisis:index") + f"?grade={grade or selectors.UNGRADED}#signals",
            tone="danger" if grade in ("F", "G") else "warning", group=group,
        )  # fmt: skip


def register() -> None:
    register_home_tiles([Role.GENERAL_MANAGER], signal_tiles)
