"""csat.domain.crisis: the type a complaint's major criteria suggest, and guidance for every phase."""

from __future__ import annotations

import pytest

from csat.domain import transitions
from csat.domain.crisis import PHASE_GUIDANCE, crisis_type_for


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ([], "e"),
        (["adverse_impact"], "e"),
        (["safety"], "a"),
        (["large_amount"], "b"),
        (["compensation"], "b"),
        (["repeat_repairs"], "c"),
        (["media_or_authority"], "d"),
        (["forwarded_by_authority"], "d"),
        (["media_or_authority", "safety", "adverse_impact"], "a"),  # safety is the most specific
        (("repeat_repairs", "media_or_authority"), "c"),
    ],
)
def test_crisis_type_for(criteria: list[str], expected: str) -> None:
    assert crisis_type_for(criteria) == expected


def test_every_phase_has_guidance_in_both_languages() -> None:
    assert set(PHASE_GUIDANCE) == set(transitions.CRISIS_PHASES)
    for guidance in PHASE_GUIDANCE.values():
        assert guidance.zh.strip() and guidance.en.strip()
    assert len({g.zh for g in PHASE_GUIDANCE.values()}) == 4


def test_phase_table() -> None:
    assert transitions.next_phase("latent", "recovery") == "recovery"
    with pytest.raises(transitions.TransitionError):
        transitions.next_phase("recovery", "latent")
    with pytest.raises(ValueError):
        transitions.next_phase("latent", "closed")
