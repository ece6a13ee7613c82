"""A laptop: DEBUG on unless told otherwise, SQLite and the embedded broker by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# Mail on a laptop goes to files in .mail/ (one per message), not into the console between the log
# lines; EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend prints them again.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".mail"))  # noqa: F405

# runserver serves each request in a new thread, so a kept connection is never reused: with
# CONN_MAX_AGE > 0 every request left one PostgreSQL backend open. Keep none unless the environment
# asks for it explicitly (a real server using these settings).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)  # noqa: F405
