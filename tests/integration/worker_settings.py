"""Settings of the Celery worker that tests/integration/test_celery_worker.py starts.

The test settings, but with a real broker (no eager tasks) and the test database of the pytest run
that started the worker, both passed in by the test through the environment.
"""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = os.environ["CSAT_WORKER_BROKER_URL"]
DATABASES["default"]["NAME"] = os.environ["CSAT_WORKER_DB_NAME"]
