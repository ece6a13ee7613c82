"""Issue #17: the load generator lives in bench/, which is never shipped, and it refuses to run
unless the bench setting says so (it can delete every store and user with --flush)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from bench import loadgen

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_generate_load_refuses_without_the_bench_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    touched: list[str] = []
    monkeypatch.setattr(loadgen, "flush", lambda: touched.append("flush"))
    monkeypatch.setattr(loadgen, "generate", lambda **kw: touched.append("generate"))
    with override_settings(CSAT_BENCH=False), pytest.raises(CommandError, match="CSAT_BENCH=1"):
        call_command("generate_load", "--flush", "--scale", "0.001", stdout=StringIO())
    assert touched == []


def test_the_bench_app_is_installed_only_when_asked_for() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CSAT_BENCH"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('bench'))"
    plain = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    asked = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "CSAT_BENCH": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert (plain.stdout.split()[-1], asked.stdout.split()[-1]) == ("False", "True")


def test_bench_is_not_in_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "bench" in ignored
