"""The outgoing mail server comes from the environment, and a silent one cannot hang a worker.

Read in a fresh interpreter, as the production container does (tests/csat/test_settings_hardening.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.csat.test_settings_hardening import _settings

EMAIL = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
]
UNSET = dict.fromkeys(EMAIL, "")  # docker-compose passes every variable through, empty when unset


def test_production_defaults_to_the_console_and_a_bounded_smtp_timeout() -> None:
    prod = _settings(
        "config.settings.production", EMAIL, **{**UNSET, "EMAIL_BACKEND": "", "EMAIL_TIMEOUT": ""}
    )
    assert prod["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert (prod["EMAIL_HOST"], prod["EMAIL_PORT"]) == ("localhost", 25)
    assert prod["EMAIL_USE_TLS"] is False and prod["EMAIL_USE_SSL"] is False
    # Django's default is None: a server that accepts and never answers held the worker for ever.
    assert prod["EMAIL_TIMEOUT"] == 10


def test_production_reads_the_smtp_server_from_the_environment() -> None:
    prod = _settings(
        "config.settings.production",
        EMAIL,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.cn",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="csat@example.cn",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="true",
        EMAIL_USE_SSL="false",
        EMAIL_TIMEOUT="4.5",
        DEFAULT_FROM_EMAIL="客户部 <csat@example.cn>",
    )
    assert prod == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.cn",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "csat@example.cn",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 4.5,
        "DEFAULT_FROM_EMAIL": "客户部 <csat@example.cn>",
    }


def test_tls_and_ssl_together_are_refused_at_start() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _settings("config.settings.production", EMAIL, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive" in failed.value.stderr


def test_the_compose_stack_passes_the_mail_settings_through() -> None:
    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    environment = compose["x-app"]["environment"]
    assert set(EMAIL) <= set(environment)
    assert environment["EMAIL_TIMEOUT"] == "${EMAIL_TIMEOUT:-10}"
