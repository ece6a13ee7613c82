import pytest

from csat.domain.routing import CATEGORY_DEPARTMENT, suggested_department_kind


@pytest.mark.parametrize(
    ("category", "major", "kind"),
    [
        ("sales", False, "sales"),
        ("repair", False, "business"),
        ("repair", True, "service"),
        ("parts", True, "parts"),
        ("finance", False, "finance"),
        ("staff", False, "admin"),
        ("other", False, "business"),
    ],
)
def test_suggested_department(category: str, major: bool, kind: str) -> None:
    assert suggested_department_kind(category=category, major=major) == kind


def test_every_category_has_a_department() -> None:
    assert set(CATEGORY_DEPARTMENT) == {"sales", "repair", "parts", "finance", "staff", "other"}


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown complaint category"):
        suggested_department_kind(category="weather", major=False)
