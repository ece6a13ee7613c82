"""Demo data: seed_demo and the per-app seeders. The top of the import graph: it may use every app,
and nothing imports it (except the load generator in bench/, which is not shipped)."""
