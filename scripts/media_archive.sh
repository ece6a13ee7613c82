#!/usr/bin/env bash
# Uploaded files (MEDIA_ROOT: signed complaint agreements, import files) next to the database dump.
#
#   scripts/media_archive.sh backup  MEDIA_ROOT ARCHIVE   # tar.gz of the folder, atomic, mode 600
#   scripts/media_archive.sh restore ARCHIVE MEDIA_ROOT   # unpack into the folder (created if needed)
#   scripts/media_archive.sh compare DIR_A DIR_B          # exit 1 unless both hold the same files
#
# scripts/backup.sh writes <dump>.media.tar.gz with it, scripts/restore.sh unpacks it, and
# scripts/backup_restore_check.sh compares the restored files with the originals (path + sha256).
set -euo pipefail

usage() { sed -n '2,9p' "$0" >&2; exit 2; }

# One "sha256  ./path" line per file, sorted: the same list for the same files.
listing() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

case "${1:-}" in
    backup)
        [ $# -eq 3 ] || usage
        source_dir="$2" archive="$3"
        mkdir -p "$(dirname "$archive")"
        tmp="$archive.partial"
        trap 'rm -f "$tmp"' EXIT
        if [ -d "$source_dir" ]; then
            tar -czf "$tmp" -C "$source_dir" .
        else  # no upload yet: an empty archive, so a restore knows there was nothing
            tar -czf "$tmp" -T /dev/null
        fi
        tar -tzf "$tmp" >/dev/null  # the archive is readable
        mv "$tmp" "$archive"
        chmod 600 "$archive"  # personal data: readable by the backup owner only
        echo "$archive"
        ;;
    restore)
        [ $# -eq 3 ] || usage
        archive="$2" target="$3"
        [ -r "$archive" ] || { echo "media_archive.sh: cannot read $archive" >&2; exit 2; }
        mkdir -p "$target"
        tar -xzf "$archive" -C "$target" --no-same-owner
        echo "restored $archive into $target"
        ;;
    compare)
        [ $# -eq 3 ] || usage
        if diff -u --label "$2" <(listing "$2") --label "$3" <(listing "$3"); then
            echo "media check: OK - $(listing "$2" | wc -l) files, every checksum matches"
        else
            echo "media check: FAILED - files differ (see above)" >&2
            exit 1
        fi
        ;;
    *) usage ;;
esac
