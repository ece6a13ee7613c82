#!/usr/bin/env bash
# Run every benchmark in bench/ (each appends its numbers to bench/RESULTS.md).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench bench/run_all.sh
# Extra arguments are passed to every bench, e.g. bench/run_all.sh --no-record.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
status=0
for bench in bench/*_bench.py; do
    echo "== ${bench}"
    "${PYTHON}" "${bench}" "$@" || status=$?
done
exit "${status}"
