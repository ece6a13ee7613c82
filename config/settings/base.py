"""Settings shared by every environment; values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    TIME_ZONE=(str, "Asia/Shanghai"),
    REDIS_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-" + "x" * 32)
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens with an expiry, revocable (csat.tokens)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "bootstrap",
    "axes",
    "csp",
    "csat",
    "intake",
    "callbacks",
    "complaints",
    "prevention",
    "crisis",
    "reports",
    "surveylinks",
    "simple_history",
    "audit",
    "demo",
]

# The load generator (bench/) is a tool, never shipped: its app is installed only when asked for,
# and only where its folder exists (it is not in the image).
CSAT_BENCH = env.bool("CSAT_BENCH", default=False)
if CSAT_BENCH and (BASE_DIR / "bench" / "apps.py").exists():
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "csat.middleware.RequestIdMiddleware",
    "csat.middleware.RequestSizeLimitMiddleware",  # 413 before a too-large body is read
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "csat.middleware.NullCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "csat.idempotency.IdempotencyMiddleware",  # Idempotency-Key on the API's creating POSTs
    "simple_history.middleware.HistoryRequestMiddleware",  # who made each audited change
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# Django's form renderer with the common widgets drawn in Python, same markup (issue #25).
FORM_RENDERER = "csat.form_renderer.FastWidgetRenderer"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csat.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file on a laptop: wait for locks instead of failing.
    # A transaction that reads before it writes cannot wait (SQLite refuses the upgrade at once,
    # "database is locked"), so each one takes the write lock when it begins; WAL lets the
    # pages read while a write is under way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: at dealer-group scale a dashboard's aggregate crosses jit_above_cost and spends more
    # time compiling (~120 ms of 220 ms on the bench) than it saves; the pages want short queries.
    # No parallel plans either: a page's month figures (~1,000 rows) got a parallel worker whose
    # start-up (~5 ms) was most of the query, and on a small server web workers share the cores.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c max_parallel_workers_per_gather=0"
    )
    # Keep each worker's connection between requests: opening one per request cost ~20 ms (a
    # PostgreSQL backend fork), more than most pages' queries. Checked before reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica for the report figures (issue #25; the stale-read rules are in
# csat/db.py and docs/scaling.md). Unset: everything reads the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db("DATABASE_REPLICA_URL"),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
    }
CSAT_READ_REPLICA = "replica" in DATABASES
DATABASE_ROUTERS = ["csat.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# In the database, their reads spared by the cache (csat/sessions.py says what a cache outage costs).
SESSION_ENGINE = "csat.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 10)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

# Sign-in lock-out (django-axes): too many failures for one username from one address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked-out sign-in stops here
    "csat.backends.ProfileModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address comes from csat.security.client_ip: X-Forwarded-For is trusted only for
# TRUSTED_PROXY_COUNT proxies (0 = none, so a direct client cannot spoof it; 1 behind one proxy).
# (django-ipware, which axes' AXES_IPWARE_* settings configure, is not installed: the callable decides.)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "csat.security.client_ip"
AXES_USERNAME_CALLABLE = "csat.security.client_username"  # cut to axes' 255-character column

# Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Uploads are served only through views that check access (csat.uploads), never from MEDIA_URL.
# "" (default): Django streams the file; "X-Accel-Redirect" (nginx: an `internal` location at
# PROTECTED_MEDIA_PREFIX aliasing MEDIA_ROOT) or "X-Sendfile" (Apache/lighttpd) hand it to the server.
PROTECTED_MEDIA_HEADER = env("PROTECTED_MEDIA_HEADER", default="")
PROTECTED_MEDIA_PREFIX = env("PROTECTED_MEDIA_PREFIX", default="/protected-media/")
# Request size (issue #21): refused by Content-Length before the body is read
# (csat.middleware.RequestSizeLimitMiddleware), and by the reverse proxy (docker-compose.yml,
# client_max_body_size = the largest limit below). 12 MB: a 10 MB signed agreement and its form.
MAX_REQUEST_BYTES = 12 * 1024 * 1024
# Attachments of tickets and crisis cases (issue #22; csat.uploads.validate_attachment): photos,
# PDF, call recordings, each at most this size (within MAX_REQUEST_BYTES with its form).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The DMS import: intake.reading.MAX_UPLOAD_BYTES (30 MB) and the multipart form around it.
MAX_REQUEST_BYTES_BY_PATH = {"/imports/": 31 * 1024 * 1024, "/api/import/": 31 * 1024 * 1024}
# Uploaded files above 2.5 MB go to a temporary file, not memory; a non-file body (form fields,
# JSON) is capped at 2.5 MB (Django's default: an over-long text is refused long before that).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",  # "Authorization: Token …", as before (CONTRACT)
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "csat.apis.filtering.FilterBackend",  # date-time and id filters bounded
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "csat.apis.pagination.Pagination",
    # JSON nested deeper than 64 levels is a 400, not a RecursionError (csat.apis.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "csat.apis.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "csat.apis.schema.AutoSchema",
    "EXCEPTION_HANDLER": "csat.exceptions.api_exception_handler",
}
# API tokens (django-rest-knox): only a digest is stored; each expires API_TOKEN_TTL_HOURS after it
# was issued (default 30 days) and ends on a password change, a deactivation or a sign-out.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "csat API",
    "DESCRIPTION": "Customer care for car dealerships: stores, customers, callbacks, complaints, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from drf-spectacular-sidecar: no CDN on a closed intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "csat.models.core.DepartmentKind",
        "ComplaintKindEnum": "complaints.models.Kind",
        "DeadlineKindEnum": "complaints.models.DeadlineKind",
        "ImportKindEnum": "intake.columns.KIND_CHOICES",
        "ComplaintStatusEnum": "complaints.models.Status",
        "ImportStatusEnum": "intake.models.ImportJob.Status",
        "CrisisTypeEnum": "crisis.models.CrisisType",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "SurveyTypeEnum": "callbacks.models.SurveyType",
        "SurveyChannelEnum": "callbacks.models.Channel",
        "CallbackStatusEnum": "callbacks.models.TaskStatus",
        "MeasureStatusEnum": "prevention.models.MeasureStatus",
        "GradeEnum": "callbacks.models.Grade",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise an embedded filesystem broker (no service needed).
REDIS_URL = env("REDIS_URL")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Time limits (seconds; prefork workers, as in docker-compose — the laptop's solo pool cannot
# enforce them): a task stuck on a network call that never returns ends instead of holding its
# worker for ever. The soft limit raises SoftTimeLimitExceeded in the task (a delivery records it as
# a failed attempt and is retried); the hard one kills the process. Every sweep and send takes
# seconds, far below the default; the long tasks get their own limits below.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=10 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
LONG_TASK_TIME_LIMITS = {
    # The group's and every store's monthly report, one after another: ~1 min for the group of 50
    # stores and 1.5 min for 200 (docs/scaling.md) plus seconds per store; built at night.
    "reports.tasks.build_monthly_report": (3 * 3600, 3 * 3600 + 15 * 60),
    # A DMS file of 100,000+ rows (at most 30 MB): ~40 s to import on PostgreSQL under load
    # (bench/RESULTS.md), a few minutes on a laptop's SQLite; validation reads every row as well.
    "intake.tasks.validate_import": (3600, 3600 + 10 * 60),
    "intake.tasks.run_import": (3600, 3600 + 10 * 60),
    # Hourly: expiry and the five-dimension sample over every active customer of the group; the
    # grade suggestion of every unsolved ticket, one ticket (a few queries) at a time.
    "callbacks.tasks.generate_callback_tasks": (45 * 60, 50 * 60),
    "complaints.tasks.refresh_grades": (45 * 60, 50 * 60),
}
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": soft, "time_limit": hard}
    for name, (soft, hard) in LONG_TASK_TIME_LIMITS.items()
}
# Per-queue workers for a large group (docs/scaling.md): with CSAT_TASK_QUEUES on, the deadline
# sweeps, imports, reports and notification deliveries each go to their own queue, so a 2-minute
# group report never delays a deadline; each queue then needs a worker (`celery worker -Q ...`).
# Off (the default): one queue, which one worker serves — a store or a laptop.
# django-ratelimit (the public survey page, the SMS reply webhook): when the cache is unreachable the
# customer still gets the page — the links are single-use tokens; a limit is a second line.
RATELIMIT_FAIL_OPEN = True
CSAT_TASK_QUEUES = env.bool("CSAT_TASK_QUEUES", default=False)
TASK_QUEUE_OF_MODULE = {
    "complaints.tasks": "deadlines",
    "crisis.tasks": "deadlines",
    "prevention.tasks": "deadlines",
    "callbacks.tasks": "deadlines",
    "intake.tasks": "imports",
    "reports.tasks": "reports",
    "csat.tasks": "notifications",
    "surveylinks.tasks": "notifications",
}
if CSAT_TASK_QUEUES:
    CELERY_TASK_ROUTES = {f"{module}.*": {"queue": queue} for module, queue in TASK_QUEUE_OF_MODULE.items()}
# Celery's consumer, surviving a broker restart (config/worker.py; found by bench/soak.py).
CELERY_WORKER_CONSUMER = "config.worker:Consumer"
# Write each periodic task's last_run_at as soon as it is sent: /healthz reads beat's liveness there.
CELERY_BEAT_SYNC_EVERY = 1
# A Redis that accepts connections and never answers must not hang a request: every broker and
# cache call gives up after REDIS_TIMEOUT_SECONDS (connect and read), a publish is retried once at
# most, and after a failure the process leaves Redis alone for REDIS_COOLDOWN_SECONDS (a failed
# publish is re-queued by beat, a cache read is computed live). Above kombu's 1 s BRPOP poll, which
# the worker's reads must outlast.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=2.0)
REDIS_COOLDOWN_SECONDS = env.float("REDIS_COOLDOWN_SECONDS", default=30.0)
_REDIS_SOCKETS = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
REDIS_CACHE_OPTIONS = {**_REDIS_SOCKETS}
REDIS_BROKER_TRANSPORT_OPTIONS = {
    **_REDIS_SOCKETS,
    # kombu's connection retries (None = forever): one retry, no long back-off.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY = True  # the worker reconnects (up to 100 times); publishing is bounded
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    BROKER_DIR = Path(env("BROKER_DIR", default=str(BASE_DIR / ".broker")))
    for _sub in ("out", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # A file cache is shared by web and worker processes (import progress), unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BROKER_DIR / "cache"),
        }
    }

# The one place the periodic schedule is defined (django-celery-beat syncs it into its tables).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every minute: warn before and record breaches of complaint deadlines.
    "enforce-deadlines": {"task": "complaints.tasks.enforce_deadlines", "schedule": 60.0},
    # Hourly at :15: the grade suggestion of unsolved tickets follows the facts (days open, repairs).
    "refresh-complaint-grades": {
        "task": "complaints.tasks.refresh_grades",
        "schedule": crontab(minute=15),
    },
    # Every minute: mark overdue crisis actions (once each) and notify.
    "crisis-actions": {"task": "crisis.tasks.sweep_crisis_actions", "schedule": 60.0},
    # Every 5 minutes: import jobs whose task was lost (broker down when queued, worker killed)
    # and that have not moved for 15 minutes are queued again (idempotent; issue #21).
    "requeue-stalled-imports": {"task": "intake.tasks.requeue_stalled_imports", "schedule": 300.0},
    # Every 15 minutes: early-warning patterns in the data (each fires once per record).
    "warning-signals": {"task": "crisis.tasks.sweep_warning_signals", "schedule": 900.0},
    # Daily at 08:30: one digest per store of its new grade-D warning signals (sent once per day).
    "warning-signal-digest": {
        "task": "crisis.tasks.send_signal_digest",
        "schedule": crontab(minute=30, hour=8),
    },
    # Daily at 08:00: overdue preventive measures, notified once each.
    "preventive-measures": {
        "task": "complaints.tasks.sweep_preventive_measures",  # defined in prevention.tasks (name kept)
        "schedule": crontab(minute=0, hour=8),
    },
    # Daily at 03:00: forget API idempotency keys older than 24 hours.
    "idempotency-keys": {"task": "csat.tasks.expire_idempotency_keys", "schedule": crontab(minute=0, hour=3)},
    # Every 5 minutes: queue again the notifications whose publish failed (Redis down or silent).
    "requeue-deliveries": {"task": "csat.tasks.requeue_deliveries", "schedule": 300.0},
    # Hourly, on the hour: create callback tasks for new deliveries and service visits.
    "generate-callback-tasks": {
        "task": "callbacks.tasks.generate_callback_tasks",
        "schedule": crontab(minute=0),
    },
    # Every 5 minutes: survey links due (after the quiet hours, or the delay after a task's creation).
    "survey-links": {"task": "surveylinks.tasks.send_due_links", "schedule": 300.0},
    # 28th at 06:00: this month's report, so departments have it before the 30th (DOMAIN §7). Again
    # at 12:00 and 18:00 and on the 29th, for the reasons of the closed month's entry below: those
    # runs find the month's run keys taken and do nothing, unless 06:00 on the 28th was missed.
    "monthly-report-current": {
        "task": "reports.tasks.build_monthly_report",
        "schedule": crontab(minute=0, hour="6,12,18", day_of_month="28,29"),
        "kwargs": {"which": "current"},
    },
    # 1st at 02:00: the closed month's final report, built and published once. Again every six
    # hours until the 3rd: those runs find the month's run keys taken and do nothing, unless the
    # 1st's was missed — the broker refused the send (beat does not send an entry again), or beat
    # was down over it while the entry had no last run (a new, restored or re-enabled row: beat's
    # start then counts as its last run).
    "monthly-report-closed": {
        "task": "reports.tasks.build_monthly_report",
        "schedule": crontab(minute=0, hour="2,8,14,20", day_of_month="1-3"),
        "kwargs": {"which": "previous"},
    },
}

# Outgoing mail. An empty variable counts as unset (docker-compose passes each one through).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="") or "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="") or "csat@localhost"
# The SMTP server, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env("EMAIL_HOST", default="") or "localhost"
EMAIL_PORT = int(env("EMAIL_PORT", default="") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one of them")
# Seconds each SMTP connect and read may take: a server that accepts the connection and never
# answers fails the delivery (tried again later) instead of holding a worker for ever (Django: None).
EMAIL_TIMEOUT = float(env("EMAIL_TIMEOUT", default="") or 10)
# A notification e-mail or robot message not sent this many hours after it was written (mail server
# or robot down, retried hourly by beat's re-queue) is given up for good (csat.notifications).
DELIVERY_GIVE_UP_HOURS = env.int("DELIVERY_GIVE_UP_HOURS", default=48)
# Where django.core.mail.backends.filebased.EmailBackend writes (e.g. the soak test's mail check).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)

# Business settings (DOMAIN.md marks these as settings).
CSAT = {
    "OFFICE_HOURS": (env("OFFICE_START", default="08:30"), env("OFFICE_END", default="17:30")),
    "SATISFACTION_TARGET": 90,
    "REACH_RATE_MIN": 0.5,
    "SURVEY_RATE_MIN": 0.6,
    "SALES_CALLBACK_DELAY_DAYS": 3,
    "SERVICE_CALLBACK_DELAY_DAYS": 3,
    "CALLBACK_EXPIRY_DAYS": 15,
    "SURVEY_QUIET_DAYS": 90,
    "COMPLAINT_RATE_TARGET_SERVICE_PER_MILLE": 1.0,
    "COMPLAINT_RATE_TARGET_SALES_PER_MILLE": 0.5,
    # The periodic five-dimension survey reaches every active customer about once a quarter, spread
    # over the quarter's working days; at most this many of its calls per agent and working day.
    "FIVE_DIMENSION_CALLS_PER_AGENT_DAY": 20,
    "RECURRENCE_THRESHOLD": 3,  # same category + cause this often …
    "RECURRENCE_WINDOW_DAYS": 90,  # … within this many days is a recurring problem
    # The report dashboard shows cached figures up to this old before refreshing them in the
    # background (reports/dashboard.py; 0: computed live on every view).
    "REPORT_DASHBOARD_FRESH_SECONDS": env.int("REPORT_DASHBOARD_FRESH_SECONDS", default=300),
    # After a failed call (no answer, busy) the task leaves the queue and "领取下一个任务" this long.
    "RETRY_AFTER_MINUTES": env.int("CALLBACK_RETRY_AFTER_MINUTES", default=120),
    # A step's countdown turns amber in the last share of its time (0.25: the last 25 %, issue #22).
    "COUNTDOWN_AMBER_SHARE": env.float("COUNTDOWN_AMBER_SHARE", default=0.25),
    # A report rate or average from fewer answers than this says "样本不足" beside it (issue #22).
    "REPORT_MIN_SAMPLE": env.int("REPORT_MIN_SAMPLE", default=5),
    # The site's public address, for the links in e-mails and group-robot messages (issue #19).
    "SITE_URL": env("SITE_URL", default="http://127.0.0.1:8000"),
}

# Click-to-dial (issue #22): the telephony system's dial URL with {extension} (the agent's, on the
# staff profile) and {number} (the customer's mobile), e.g.
# "http://cti.local/dial?ext={extension}&number={number}". Empty: off (agents dial by hand).
CTI_DIAL_URL_TEMPLATE = env("CTI_DIAL_URL_TEMPLATE", default="")

# One-time survey links by SMS/WeChat (issue #24).
SURVEYLINKS = {
    "EXPIRY_DAYS": env.int("SURVEY_LINK_EXPIRY_DAYS", default=7),
    # An open task still not surveyed this long after it was created gets a link (0: never).
    "INVITE_AFTER_HOURS": env.int("SURVEY_LINK_INVITE_AFTER_HOURS", default=48),
    # An answer after an agent already reached the customer: kept as a second survey, or refused.
    "ALLOW_SECOND_SURVEY": env.bool("SURVEY_LINK_ALLOW_SECOND_SURVEY", default=False),
    # Where the customer's phone opens the link (the public address of this site).
    "BASE_URL": env("SURVEY_LINK_BASE_URL", default="http://127.0.0.1:8000"),
    # Requests per window: one token, and one address over all tokens.
    "RATE_PER_TOKEN": (30, 600),
    "RATE_PER_ADDRESS": (120, 600),
    # SMS: "none" (nothing leaves; development and demo), "aliyun" or "tencent".
    "PROVIDER": env("SMS_PROVIDER", default="none"),
    "ENDPOINT": env("SMS_ENDPOINT", default=""),
    "ACCESS_KEY_ID": env("SMS_ACCESS_KEY_ID", default=""),
    "ACCESS_KEY_SECRET": env("SMS_ACCESS_KEY_SECRET", default=""),
    "SDK_APP_ID": env("SMS_SDK_APP_ID", default=""),
    "TEMPLATE_CODE": env("SMS_TEMPLATE_CODE", default="SMS_SURVEY"),
    # The providers' reply webhook /sms/inbound/<aliyun|tencent>/ ("回复 TD 退订"): a shared secret
    # (empty: every reply is refused with 403), checked as "token" (the callback URL registered in
    # the provider's console carries ?token=<secret>) or "hmac" (X-Csat-Signature: sha256=<hex
    # HMAC-SHA256 of the body>, for a gateway that signs).
    "INBOUND_SECRET": env("SMS_INBOUND_SECRET", default=""),
    "INBOUND_AUTH": env("SMS_INBOUND_AUTH", default="token"),
}

# Security headers. CSP (django-csp): only our own origin, no inline script or style; the
# Swagger UI page relaxes styles for itself (config.api). Frames: none at all.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],  # a template needing inline script uses {{ request.csp_nonce }}
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's icons are data: SVGs in its CSS
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# /healthz: beat counts as down when no periodic task was sent for this long (the sweep runs every minute).
HEALTH_BEAT_MAX_AGE = env.int("HEALTH_BEAT_MAX_AGE", default=300)

# Logs: readable lines with the request id (web) or task id (Celery); production writes JSON.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "csat.observability.RequestIdFilter"},
        "refused_host": {"()": "csat.observability.RefusedHostFilter"},
    },
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message", "request_id"],
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "console"}
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A Host header not in ALLOWED_HOSTS (anyone may send one): a warning line, no traceback.
        "django.security.DisallowedHost": {"filters": ["refused_host"]},
    },
}
