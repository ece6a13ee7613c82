"""csat.domain.identifiers: mainland mobiles, Chinese plates, VINs (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csat.domain.identifiers import (
    display_plate,
    looks_like_mobile,
    normalize_mobile,
    normalize_plate,
    normalize_vin,
    vin_check_digit,
)
from tests.factories import make_vin

# --- mobiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "(138)00138000",
        "（138）0013 8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "008613800138000",
        "8613800138000",
        "１３８００１３８０００",  # full-width digits from a Chinese IME
        "＋８６ 138 0013 8000",
    ],
)
def test_normalize_mobile_accepts_common_formats(raw: str) -> None:
    assert normalize_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "+86 138001380001",
        "010-12345678",  # Beijing landline
        "0755-88886666",  # Shenzhen landline with area code
        "88886666",
        "12012345678",  # no mobile range starts with 12
        "11012345678",
        "23800138000",
        "1380013800a",
        "138 0013 800O",  # letter O, not zero
        "138\u0660\u06600138000",  # Arabic-Indic digits are not mainland mobile digits
        None,
    ],
)
def test_normalize_mobile_rejects_non_mobiles(raw: str) -> None:
    with pytest.raises(ValueError, match="invalid_mobile"):
        normalize_mobile(raw)
    assert looks_like_mobile(raw) is False


def test_normalized_mobile_is_always_ascii() -> None:
    assert normalize_mobile("138００138000").isascii()


def test_looks_like_mobile() -> None:
    assert looks_like_mobile("+86 139 1234 5678")
    assert not looks_like_mobile("粤B12345")


valid_mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def decorated_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A valid mobile and a way an agent might have typed it."""
    mobile = draw(valid_mobiles)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "(+86) "]))
    separators = st.sampled_from(["", "", "", " ", "-", "  "])
    body = "".join(ch + draw(separators) for ch in mobile)
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return mobile, f"{padding}{prefix}{body}{padding}"


@given(decorated_mobiles())
def test_decorated_mobile_normalises_back(case: tuple[str, str]) -> None:
    mobile, typed = case
    assert normalize_mobile(typed) == mobile


@given(st.text(alphabet="0123456789 +-()86", max_size=20) | valid_mobiles)
def test_normalize_mobile_is_idempotent(raw: str) -> None:
    try:
        once = normalize_mobile(raw)
    except ValueError:
        return
    assert normalize_mobile(once) == once
    assert len(once) == 11 and once.isascii() and once.isdigit()


# --- plates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("粤B12345", "粤B12345"),
        ("粤b12345", "粤B12345"),
        ("粤B·12345", "粤B12345"),
        ("粤B•12345", "粤B12345"),
        ("粤B 12345", "粤B12345"),
        ("粤B-12345", "粤B12345"),
        (" 粤 b · 1a2b3 ", "粤B1A2B3"),
        ("京A8888挂", "京A8888挂"),
        ("沪C1234学", "沪C1234学"),
        # New-energy plates, 8 characters: D/F first (small car) or last (large vehicle).
        ("粤BD12345", "粤BD12345"),
        ("粤B·F12345", "粤BF12345"),
        ("粤bda1234", "粤BDA1234"),
        ("粤B12345D", "粤B12345D"),
        ("粤B·12345F", "粤B12345F"),
        # Typed with a Chinese IME in full-width mode (as a mobile is: NFKC).
        ("粤Ｂ１２３４５", "粤B12345"),
        ("粤ｂ－１２３４５", "粤B12345"),
    ],
)
def test_normalize_plate_accepts(raw: str, expected: str) -> None:
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "B12345",  # no province
        "港B12345",  # not a mainland province abbreviation
        "X B12345",
        "粤12345",  # no issuing-authority letter
        "粤1A2345",
        "粤I12345",  # I and O are never used
        "粤O12345",
        "粤BI2345",
        "粤B1234O",
        "粤B1234",  # too short
        "粤B123456",  # regular plate too long; not new-energy (no D/F)
        "粤BD123456",  # 9 characters
        "粤BA12345",  # 8 characters but A is not a new-energy marker
        "粤BD1234A",  # new-energy small car must end in four digits
        "粤B1234AD",  # new-energy large vehicle: five digits then D/F
    ],
)
def test_normalize_plate_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="invalid_plate"):
        normalize_plate(raw)


def test_display_plate_inserts_the_middle_dot() -> None:
    assert display_plate("粤B12345") == "粤B·12345"
    assert display_plate("粤BD12345") == "粤B·D12345"
    assert display_plate(normalize_plate(display_plate("粤B12345"))) == "粤B·12345"


# --- VINs ---------------------------------------------------------------------------------------


def test_vin_check_digit_matches_the_textbook_example() -> None:
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit("11111111111111111") == "1"
    assert normalize_vin("1M8GDM9AXKP042788") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize("n", [0, 1, 7, 42, 12345678, 99999999])
def test_generated_vins_are_valid(n: int) -> None:
    vin = make_vin(n)
    assert len(vin) == 17
    assert normalize_vin(vin) == vin


def test_normalize_vin_upper_cases_and_strips_spaces() -> None:
    assert normalize_vin(" 1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"
    assert normalize_vin("1M8GD M9AXK P042788") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize("wrong", ["0", "1", "5", "9"])
def test_normalize_vin_rejects_a_wrong_check_digit(wrong: str) -> None:
    vin = "1M8GDM9A" + wrong + "KP042788"
    with pytest.raises(ValueError, match="invalid_vin_check_digit"):
        normalize_vin(vin)


def test_every_other_check_character_is_rejected() -> None:
    vin = make_vin(4242)
    for ch in "0123456789X":
        candidate = vin[:8] + ch + vin[9:]
        if ch == vin[8]:
            assert normalize_vin(candidate) == vin
        else:
            with pytest.raises(ValueError, match="invalid_vin_check_digit"):
                normalize_vin(candidate)


@pytest.mark.parametrize("letter", ["I", "O", "Q", "i", "o", "q"])
def test_normalize_vin_rejects_i_o_q(letter: str) -> None:
    vin = make_vin(1)
    with pytest.raises(ValueError, match="^invalid_vin$"):
        normalize_vin(vin[:3] + letter + vin[4:])


@pytest.mark.parametrize("length", [0, 1, 16, 18, 20])
def test_normalize_vin_rejects_wrong_length(length: int) -> None:
    raw = (make_vin(3) * 2)[:length]
    with pytest.raises(ValueError, match="^invalid_vin$"):
        normalize_vin(raw)


@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_vin_check_digit_is_the_character_at_position_nine(n: int) -> None:
    vin = make_vin(n)
    assert vin[8] == vin_check_digit(vin)


def test_normalize_vin_accepts_full_width() -> None:
    vin = make_vin(7)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in vin)  # Ａ… and ０…
    assert normalize_vin(full_width.lower()) == vin
