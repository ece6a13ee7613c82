#!/usr/bin/env bash
# Prove a backup can be restored: dump a database with scripts/backup.sh, restore it with
# scripts/restore.sh into a scratch database on the same server, and compare the row count of
# every table, and the uploaded files (MEDIA_ROOT) restored into a scratch folder with the
# originals (path + sha256). Exits 0 when all counts and files match, 1 on any mismatch (or a missing/extra table),
# 2 on a usage error; the scratch database and the dump are removed on exit.
#
#   scripts/backup_restore_check.sh [SOURCE_URL]     # default: $DATABASE_URL
#
# The connecting role needs CREATEDB (the scratch database is <source>_restorecheck_<pid>).
set -euo pipefail

SOURCE="${1:-${DATABASE_URL:-}}"
case "$SOURCE" in
    postgres://* | postgresql://*) ;;
    *) echo "backup_restore_check.sh: give a postgres:// URL (argument or DATABASE_URL)" >&2; exit 2 ;;
esac
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" PGOPTIONS="-c client_min_messages=warning"

# postgres://user@host:port/dbname?options -> the same URL naming the scratch database.
query=""
case "$SOURCE" in *\?*) query="?${SOURCE#*\?}" ;; esac
base="${SOURCE%%\?*}"
source_db="${base##*/}"
scratch_db="$(printf '%.40s' "$source_db")_restorecheck_$$"
SCRATCH="${base%/*}/$scratch_db$query"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/csat-restorecheck.XXXXXX")"
CREATED=0
cleanup() {
    if [ "$CREATED" = 1 ]; then
        psql -q -d "$SOURCE" -c "DROP DATABASE IF EXISTS \"$scratch_db\" WITH (FORCE)" >/dev/null 2>&1 \
            || echo "warning: could not drop scratch database $scratch_db" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# One row "schema.table|count" per table of the database, sorted.
counts() {
    local sql
    sql="$(psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "
        SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', schemaname || '.' || tablename,
                                 schemaname, tablename), ' UNION ALL ' ORDER BY schemaname, tablename)
        FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
    [ -n "$sql" ] || return 0
    psql -X -At -F '|' -v ON_ERROR_STOP=1 -d "$1" -c "$sql" | sort
}

DATABASE_URL="$SOURCE" "$HERE/backup.sh" "$WORK/source.dump" >/dev/null
# Counted after the dump finished: run the check when nothing writes (or expect a mismatch).
counts "$SOURCE" >"$WORK/source.counts"

psql -q -X -v ON_ERROR_STOP=1 -d "$SOURCE" -c "CREATE DATABASE \"$scratch_db\"" >/dev/null
CREATED=1
RESTORE_MEDIA_ROOT="$WORK/media" "$HERE/restore.sh" "$WORK/source.dump" "$SCRATCH" >/dev/null
counts "$SCRATCH" >"$WORK/restored.counts"
MEDIA_SOURCE="${MEDIA_ROOT:-$HERE/../media}"
mkdir -p "$WORK/media"
[ -d "$MEDIA_SOURCE" ] || MEDIA_SOURCE="$WORK/media"  # no uploads: nothing to compare
media_ok=1
"$HERE/media_archive.sh" compare "$MEDIA_SOURCE" "$WORK/media" || media_ok=0

tables=$(wc -l <"$WORK/source.counts")
rows=$(awk -F'|' '{s += $2} END {print s + 0}' "$WORK/source.counts")
if diff -u --label source "$WORK/source.counts" --label restored "$WORK/restored.counts" \
    && [ "$media_ok" = 1 ]; then
    echo "backup/restore check: OK - $tables tables, $rows rows, every count matches"
else
    echo "backup/restore check: FAILED - row counts or uploaded files differ (see above)" >&2
    exit 1
fi
