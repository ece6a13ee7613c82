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


def mask_plate(plate: str | None) -> str:
    """粤B·12345 (or 粤B12345) → 粤B·***45: enough to recognise the car, useless to anyone else."""
    if not plate:
        return ""
    head, _sep, tail = plate.partition("·")
    if not tail:
        head, tail = plate[:2], plate[2:]
    return f"{head}·{'*' * max(len(tail) - 2, 1)}{tail[-2:]}"
