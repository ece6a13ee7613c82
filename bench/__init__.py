"""Benchmarks and the load generator. Never shipped in the image (.dockerignore); installed as a
Django app only when the setting CSAT_BENCH is on (environment CSAT_BENCH=1)."""
