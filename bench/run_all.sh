#!/usr/bin/env bash
# Run every benchmark in bench/ (each appends its numbers to bench/RESULTS.md).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/csat_bench bench/run_all.sh
# Extra arguments are passed to every bench, e.g. bench/run_all.sh --no-record.
# The dealer-group benches (http, report, sweep) need the generated data set first (≈10 min, once):
#   CSAT_BENCH=1 DATABASE_URL=… .venv/bin/python manage.py generate_load [--flush]
# BENCHES="http sweep" bench/run_all.sh runs only bench/http_bench.py and bench/sweep_bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/csat_bench}"
status=0
if [[ -n "${BENCHES:-}" ]]; then
    benches=()
    for name in ${BENCHES}; do benches+=("bench/${name}_bench.py"); done
else
    benches=(bench/*_bench.py)
fi
for bench in "${benches[@]}"; do
    echo "== ${bench}"
    "${PYTHON}" "${bench}" "$@" || status=$?
done
exit "${status}"
