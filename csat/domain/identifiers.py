"""Normalise and validate the identifiers a DMS sends: mainland mobiles, Chinese plates, VINs.

Pure functions: every caller (forms, serializers, importers) gets the same answer.
"""

from __future__ import annotations

import re
import unicodedata

_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_MOBILE_JUNK = re.compile(r"[\s\-()（）.+]")

# Province abbreviations used on mainland plates.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Regular plate: province + issuing-authority letter + 5 characters (letters except I/O, digits),
# optionally ending in 挂/学/警/港/澳. New-energy plate: 6 characters, D/F first (small car) or
# last (large vehicle).
_PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z]"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]"
    r"|[DF][A-HJ-NP-Z0-9][0-9]{4}"
    r"|[0-9]{5}[DF])$"
)
_PLATE_SEPARATORS = re.compile(r"[\s·•.\-_]")

_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit mainland mobile number, whatever format the agent typed.

    Accepts spaces, dashes, brackets and a +86 / 0086 / 86 country prefix.
    """
    # NFKC: full-width digits and signs from a Chinese IME (１３８…, ＋８６) become ASCII.
    digits = _MOBILE_JUNK.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE_RE.match(digits):
        raise ValueError("invalid_mobile")
    return digits


def normalize_plate(raw: str) -> str:
    """Return the plate without separators, upper-cased (粤b·12345 → 粤B12345)."""
    # NFKC, as for mobiles: a Chinese IME in full-width mode types 粤Ｂ１２３４５.
    plate = _PLATE_SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw or ""))).upper()
    if not _PLATE_RE.match(plate):
        raise ValueError("invalid_plate")
    return plate


def display_plate(plate: str) -> str:
    """粤B12345 → 粤B·12345, the way plates are printed."""
    return f"{plate[:2]}·{plate[2:]}" if len(plate) > 2 else plate


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) of a 17-character VIN, per ISO 3779 / GB 16735."""
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def normalize_vin(raw: str) -> str:
    """Return the upper-cased VIN; 17 characters, no I/O/Q, valid check digit."""
    vin = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(raw or ""))).upper()
    if not _VIN_RE.match(vin):
        raise ValueError("invalid_vin")
    if vin[8] != vin_check_digit(vin):
        raise ValueError("invalid_vin_check_digit")
    return vin


def looks_like_mobile(text: str) -> bool:
    try:
        normalize_mobile(text)
    except ValueError:
        return False
    return True
