"""Indexes for "ends with" searches (the last digits of a mobile, a plate's or a VIN's tail): a
prefix match on the reversed column (csat.selectors.customer_search). PostgreSQL only: SQLite on a
laptop reads its few thousand rows either way and has no such expression indexes by default."""

from django.db import migrations

INDEXES = [
    ("customer_mobile_tail_idx", "csat_customer", "mobile"),
    ("vehicle_plate_tail_idx", "csat_vehicle", "plate"),
    ("vehicle_vin_tail_idx", "csat_vehicle", "vin"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} ((reverse("{column}"::text)) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("csat", "0011_store_service_phone")]

    operations = [migrations.RunPython(create, drop)]
