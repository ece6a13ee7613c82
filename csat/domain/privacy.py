"""Personal data shown to people who do not need it in full (pure)."""

from __future__ import annotations

MASK = "****"


def mask_mobile(number: str | None) -> str:
    """138****5678 for a mainland mobile; other numbers keep only their last four digits.

    Empty stays empty; anything of four characters or fewer is hidden completely.
    """
    if not number:
        return ""
    text = str(number).strip()
    if len(text) == 11 and text.isdigit():
        return f"{text[:3]}{MASK}{text[-4:]}"
    if len(text) <= 4:
        return MASK
    return f"{MASK}{text[-4:]}"
