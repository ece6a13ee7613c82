"""Preventive measures now belong to the prevention app (prevention.0001): drop them from this
app's state only; no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_next_due"),
        ("prevention", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MeasureEvent"),
                migrations.DeleteModel(name="MeasureOverdue"),
                migrations.DeleteModel(name="PreventiveMeasure"),
            ]
        )
    ]
