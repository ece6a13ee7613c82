"""The shared-record tests use the shared world (tests/fixtures.py) with the store-A accounts:
``agent_a``, ``ccm_a``, ``hq`` … without e-mail addresses."""

from tests.fixtures import ACCOUNTS_A, accounts_fixture

accounts = accounts_fixture(ACCOUNTS_A)
