#!/usr/bin/env bash
# Back up the csat PostgreSQL database into one compressed custom-format dump (pg_dump -Fc),
# and the uploaded files (MEDIA_ROOT: signed agreements, import files) into OUTPUT.media.tar.gz.
#
#   scripts/backup.sh [OUTPUT]            # default: backups/csat-<YYYYmmdd-HHMMSS>.dump
#
# MEDIA_ROOT is the app's variable (default: media/ in the project); in the Docker stack it is the
# "media" volume.
# The database comes from DATABASE_URL (postgres://user:password@host:port/dbname), the same
# variable the app reads. The dump is consistent (one snapshot) while the app keeps running.
# Restore it with scripts/restore.sh; scripts/backup_restore_check.sh proves the round trip.
# PG_DUMP_EXTRA_ARGS adds pg_dump options (word-split), e.g. "--exclude-table-data=axes_accesslog".
# In the Docker stack:  docker compose exec -T postgres pg_dump -Fc -U csat csat > csat.dump
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the postgres:// URL of the database to back up}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTPUT="${1:-$ROOT/backups/csat-$(date +%Y%m%d-%H%M%S).dump}"
mkdir -p "$(dirname "$OUTPUT")"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"

# Write to a temporary name first: a failed dump never leaves a file that looks complete.
TMP="$OUTPUT.partial"
trap 'rm -f "$TMP"' EXIT
# shellcheck disable=SC2086  # PG_DUMP_EXTRA_ARGS is a list of options
pg_dump --format=custom --no-owner --no-privileges ${PG_DUMP_EXTRA_ARGS:-} --file="$TMP" --dbname="$DATABASE_URL"
pg_restore --list "$TMP" >/dev/null  # the archive is readable
mv "$TMP" "$OUTPUT"
chmod 600 "$OUTPUT"  # personal data: readable by the backup owner only
echo "$OUTPUT"
"$ROOT/scripts/media_archive.sh" backup "${MEDIA_ROOT:-$ROOT/media}" "$OUTPUT.media.tar.gz"
