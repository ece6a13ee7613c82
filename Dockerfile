# csat: one image for web (gunicorn), worker (celery worker) and beat (celery beat).
# Build: docker build -t csat .        Run the whole stack: docker compose up
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production

# uv comes from PyPI (pinned, same version as dev.py), not from a container registry.
RUN pip install "uv==0.13.9" \
    && groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/media \
    && chown -R app:app /app

WORKDIR /app
# Numeric, so a runtime that enforces runAsNonRoot can verify it.
USER 1000:1000

# Dependencies first (this layer is rebuilt only when the lock changes): exactly what uv.lock pins.
COPY --chown=app:app pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY --chown=app:app . .

# Static files are collected at build time (whitenoise serves them); the key and hosts are
# build-only placeholders, the real ones come from the environment at run time.
RUN SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "-w", "2", "-b", "0.0.0.0:8000"]
