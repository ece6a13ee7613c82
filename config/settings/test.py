"""The test suite: fast hashing, tasks run eagerly unless a test starts a real worker."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, INSTALLED_APPS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "zh-hans"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests serve static files through the finders; no collected folder is needed.
STATIC_ROOT = None
# The load generator's own tests need its app.
CSAT_BENCH = True
if "bench" not in INSTALLED_APPS and (BASE_DIR / "bench" / "apps.py").exists():
    INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

# A second database stands in for the PostgreSQL replica in the router's tests (csat.db): a plain
# copy of the primary's settings under another name, migrated like it; the router sends reads there
# only where a test turns ``CSAT_READ_REPLICA`` on.
DATABASES["replica"] = {
    **DATABASES["default"],
    "NAME": (
        str(BASE_DIR / "db-replica.sqlite3")
        if DATABASES["default"]["ENGINE"].endswith("sqlite3")
        else f"{DATABASES['default']['NAME']}_replica"
    ),
    "TEST": {},
}
CSAT_READ_REPLICA = False
CSAT_REPLICA_IS_STANDIN = True
