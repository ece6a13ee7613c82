"""The production stack (gunicorn + celery worker + celery beat on PostgreSQL and Redis) starts and serves.

Runs ``scripts/stack_smoke.sh``; needs PostgreSQL and Redis on 127.0.0.1, so it is skipped unless
``CSAT_STACK_SMOKE=1`` (CI sets it).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "stack_smoke.sh"


def test_stack_smoke_script_passes() -> None:
    if os.environ.get("CSAT_STACK_SMOKE") != "1":
        pytest.skip("set CSAT_STACK_SMOKE=1 to run the stack smoke test (needs PostgreSQL and Redis)")
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the stack smoke test"
    # The script uses the virtualenv this test runs in, unless VENV says otherwise.
    env = {**os.environ, "VENV": os.environ.get("VENV", sys.prefix)}
    result = subprocess.run(  # noqa: S603 - fixed script from this repository
        [bash, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"scripts/stack_smoke.sh exited {result.returncode}:\n{output}"
    assert "PASS" in result.stdout, output
