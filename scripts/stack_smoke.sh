#!/usr/bin/env bash
# Smoke test of the production stack without Docker: the same processes docker-compose.yml runs
# (gunicorn web, celery worker, celery beat with the DatabaseScheduler) against a real PostgreSQL
# and Redis on 127.0.0.1, with production settings.
#
#   bash scripts/stack_smoke.sh
#
# Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on 127.0.0.1:6379.
# Overridable: VENV (default <repo>/.venv), SMOKE_PORT (default 18765, or any free port),
# PGHOST/PGPORT/PGUSER, SMOKE_DB (default csat_smoke_<pid>), SMOKE_REDIS_URL, SMOKE_BUDGET,
# SMOKE_KEEP_LOGS=1.
# Creates a fresh database and drops it again; every process it starts is stopped on exit.
# Exits 0 when every check passed, non-zero otherwise; bounded: SMOKE_BUDGET (150 s) for the checks
# plus at most ~10 s to stop.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGOPTIONS="-c client_min_messages=warning" PGCONNECT_TIMEOUT=5
DB="${SMOKE_DB:-csat_smoke_$$}"
NODE="smoke$$@$(hostname)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/csat-smoke.XXXXXX")"
STARTED=$SECONDS
DEADLINE=$((SECONDS + ${SMOKE_BUDGET:-150}))  # for all the checks; stopping takes at most ~10 s more
PIDS=()
DB_CREATED=0

log() { printf '[smoke %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
fail() {
    log "FAIL: $*"
    for f in "$WORK"/*.log; do
        [ -e "$f" ] || continue
        echo "----- last lines of $(basename "$f") -----"
        tail -n 40 "$f"
    done
    exit 1
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # Each background process leads its own process group (setsid): stop the whole group.
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local running=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
        [ "$running" = 1 ] || break
        sleep 0.2
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$DB_CREATED" = 1 ]; then
        psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "warning: could not drop database $DB"
    fi
    if [ "${SMOKE_KEEP_LOGS:-0}" = 1 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
    if [ "$rc" = 0 ]; then log "PASS ($((SECONDS - STARTED))s)"; else log "exit $rc ($((SECONDS - STARTED))s)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in the background in its own process group, output to $WORK/NAME.log.
start() {
    local name=$1
    shift
    setsid "$@" >"$WORK/$name.log" 2>&1 </dev/null &
    PIDS+=("$!")
}

# alive: every background process is still running.
alive() {
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done
}

# budget N: N seconds, or what is left before the overall deadline when that is sooner (at least 1).
budget() {
    local left=$((DEADLINE - SECONDS))
    [ "$left" -ge 1 ] || left=1
    if [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}

# within SECONDS CMD...: retry CMD until it succeeds (0) or SECONDS have passed (1); fails the
# smoke test at once when one of the background processes has died.
within() {
    local end=$((SECONDS + $(budget "$1")))
    shift
    while :; do
        alive || fail "a background process exited early"
        "$@" && return 0
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.5
    done
}

# fetch URL OUTFILE: prints the HTTP status (000 when unreachable), body to OUTFILE, headers to OUTFILE.h.
fetch() {
    "$PY" - "$1" "$2" <<'PY'
import sys, urllib.error, urllib.request

url, out = sys.argv[1], sys.argv[2]
try:
    resp = urllib.request.urlopen(urllib.request.Request(url), timeout=5)
except urllib.error.HTTPError as exc:
    resp = exc
except OSError:
    print("000")
    sys.exit(0)
with open(out, "wb") as fh:
    fh.write(resp.read())
with open(out + ".h", "w") as fh:
    fh.write("".join(f"{k}: {v}\n" for k, v in resp.headers.items()))
print(resp.status)
PY
}

# Web's own probe (as docker-compose.yml's): database and broker; beat is checked once it runs.
healthy() { [ "$(fetch "$BASE/healthz?skip=beat" "$WORK/healthz")" = 200 ]; }
# The full probe: database, broker, and beat's last run (django_celery_beat) recent.
all_healthy() { [ "$(fetch "$BASE/healthz" "$WORK/healthz-all")" = 200 ]; }
pong() {
    timeout "$(budget 10)" "$PY" -m celery -A config inspect ping -d "$NODE" --timeout 2 >"$WORK/ping.out" 2>&1 \
        && grep -q pong "$WORK/ping.out"
}
task_done() { grep -q "Task celery.accumulate\[$TASK_ID\] succeeded" "$WORK/worker.log"; }
beat_started() {
    grep -q 'beat: Starting' "$WORK/beat.log" \
        && grep -q 'scheduler -> django_celery_beat.schedulers.DatabaseScheduler' "$WORK/beat.log"
}
schedule_synced() {
    [ "$(psql -At -d "$DB" -c "SELECT count(*) FROM django_celery_beat_periodictask
                               WHERE name = 'enforce-deadlines'" 2>/dev/null)" = 1 ]
}

[ -x "$PY" ] || fail "no Python at $PY (set VENV)"
cd "$ROOT"

# --- production-like environment ------------------------------------------------------------
PORT="${SMOKE_PORT:-18765}"
if ! "$PY" -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1])))" "$PORT" 2>/dev/null; then
    PORT="$("$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")"
fi
BASE="http://127.0.0.1:$PORT"
export DJANGO_SETTINGS_MODULE=config.settings.production
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export REDIS_URL="${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/15}"
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false
export DEBUG=false
export MEDIA_ROOT="$WORK/media"
export PYTHONUNBUFFERED=1

# --- services this script needs ---------------------------------------------------------------
"$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3, socket_timeout=3).ping()" \
    "$REDIS_URL" 2>/dev/null || fail "Redis at $REDIS_URL is not reachable"

log "creating database $DB on $PGHOST:$PGPORT"
psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null \
    || fail "PostgreSQL at $PGHOST:$PGPORT is not reachable as $PGUSER"
psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null || fail "cannot create $DB"
DB_CREATED=1

log "migrate"
timeout "$(budget 45)" "$PY" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1 || fail "migrate failed"
log "collectstatic"
timeout "$(budget 30)" "$PY" manage.py collectstatic --noinput >"$WORK/collectstatic.log" 2>&1 || fail "collectstatic failed"

# --- the three processes of docker-compose.yml ------------------------------------------------
log "starting gunicorn on $BASE, a celery worker ($NODE) and celery beat"
start web "$PY" -m gunicorn config.wsgi -w 2 -b "127.0.0.1:$PORT" --timeout 30 \
    --control-socket "$WORK/gunicorn.ctl"
start worker "$PY" -m celery -A config worker --loglevel=INFO --concurrency=1 -n "$NODE"
start beat "$PY" -m celery -A config beat --loglevel=INFO \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler

# --- web --------------------------------------------------------------------------------------
within 45 healthy || fail "/healthz did not answer 200"  # gunicorn boots its workers first
grep -q '"database": *true' "$WORK/healthz" && grep -q '"broker": *true' "$WORK/healthz" \
    || fail "/healthz body: $(cat "$WORK/healthz")"
log "ok: GET /healthz?skip=beat -> 200 $(cat "$WORK/healthz")"

status="$(fetch "$BASE/accounts/login/" "$WORK/login.html")"
[ "$status" = 200 ] || fail "/accounts/login/ answered $status"
log "ok: GET /accounts/login/ -> 200"
grep -qiE "^content-security-policy: .*default-src 'self'" "$WORK/login.html.h" || fail "no CSP header on the login page"
grep -qiE '^x-request-id: [0-9a-f]{32}$' "$WORK/login.html.h" || fail "no X-Request-ID header on the login page"
log "ok: CSP and X-Request-ID headers"
# Production logs are JSON lines with a request id (python-json-logger).
grep -q '^{"time": .*"request_id": ' "$WORK/web.log" || fail "web.log has no JSON log line with a request_id"
log "ok: web logs JSON lines with request_id"

# Every stylesheet the login page links must be served by whitenoise (hashed manifest names).
mapfile -t CSS < <(grep -oE 'href="/static/[^"]+\.css"' "$WORK/login.html" | sed -E 's/^href="|"$//g')
[ "${#CSS[@]}" -gt 0 ] || fail "the login page links no stylesheet"
printf '%s\n' "${CSS[@]}" | grep -q '^/static/bootstrap/css/bootstrap\.min\.[0-9a-f]\{12\}\.css$' \
    || fail "the login page does not link a hashed bootstrap.min.css: ${CSS[*]}"
for css in "${CSS[@]}"; do
    status="$(fetch "$BASE$css" "$WORK/asset.css")"
    [ "$status" = 200 ] || fail "$css answered $status"
    grep -qi '^content-type: text/css' "$WORK/asset.css.h" || fail "$css is not served as text/css"
    log "ok: GET $css -> 200 text/css"
done

# --- worker -----------------------------------------------------------------------------------
within 20 pong || fail "the worker does not answer inspect ping: $(cat "$WORK/ping.out")"
log "ok: celery inspect ping -> pong from $NODE"

# A task goes through the Redis queue and is executed (celery.accumulate is built in and harmless).
timeout "$(budget 15)" "$PY" -m celery -A config call celery.accumulate --args='[7, 3]' >"$WORK/call.out" 2>&1 \
    || fail "celery call failed: $(cat "$WORK/call.out")"
TASK_ID="$(tail -n 1 "$WORK/call.out" | tr -d '[:space:]')"
within 15 task_done || fail "task $TASK_ID sent through $REDIS_URL was not executed by the worker"
log "ok: task $TASK_ID queued through Redis and executed by the worker"

# --- beat -------------------------------------------------------------------------------------
within 15 beat_started || fail "celery beat did not start with the DatabaseScheduler"
log "ok: celery beat started with django_celery_beat's DatabaseScheduler"
# Beat syncs CELERY_BEAT_SCHEDULE (config/settings/base.py) into django_celery_beat's tables.
within 10 schedule_synced || fail "beat did not store the schedule entry enforce-deadlines in the database"
log "ok: the beat schedule is stored in the database (enforce-deadlines)"
# On a fresh database beat sends (and records) the every-minute sweep one interval after it starts.
within 90 all_healthy || fail "/healthz (with beat) did not answer 200: $(cat "$WORK/healthz-all" 2>/dev/null)"
grep -q '"beat": *{"last_run": *"[^"]*",[^}]*"ok": *true}' "$WORK/healthz-all" || fail "/healthz body: $(cat "$WORK/healthz-all")"
log "ok: GET /healthz -> 200 $(cat "$WORK/healthz-all")"

alive || fail "a process exited during the checks"
log "all checks passed; stopping"
