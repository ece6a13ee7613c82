#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a target database.
#
#   scripts/restore.sh DUMP TARGET_URL            # TARGET must exist and be empty (createdb first)
#   scripts/restore.sh --clean DUMP TARGET_URL    # replace what TARGET holds (drops csat's objects)
#
# TARGET_URL is a postgres://user:password@host:port/dbname URL. The restore runs in one
# transaction: it either completes or leaves the target as it was. Stop the web, worker and beat
# processes before restoring over the live database, and run `manage.py migrate` afterwards if the
# code is newer than the dump. The uploaded files saved next to the dump (DUMP.media.tar.gz) are
# unpacked into RESTORE_MEDIA_ROOT (default: MEDIA_ROOT, else media/ in the project).
set -euo pipefail

CLEAN=()
if [ "${1:-}" = "--clean" ]; then
    CLEAN=(--clean --if-exists)
    shift
fi
if [ $# -ne 2 ]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
DUMP="$1"
TARGET="$2"
[ -r "$DUMP" ] || { echo "restore.sh: cannot read $DUMP" >&2; exit 2; }
case "$TARGET" in
    postgres://* | postgresql://*) ;;
    *) echo "restore.sh: TARGET_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"

pg_restore "${CLEAN[@]}" --no-owner --no-privileges --single-transaction --exit-on-error \
    --dbname="$TARGET" "$DUMP"
echo "restored $DUMP"
if [ -r "$DUMP.media.tar.gz" ]; then
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    "$ROOT/scripts/media_archive.sh" restore "$DUMP.media.tar.gz" \
        "${RESTORE_MEDIA_ROOT:-${MEDIA_ROOT:-$ROOT/media}}"
fi
