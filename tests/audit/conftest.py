"""The audit tests use the shared world (tests/fixtures.py) and the complaint tests' ticket helper."""

from tests.complaints.conftest import _media, make_complaint  # noqa: F401 - fixtures
