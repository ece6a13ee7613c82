"""Import jobs now belong to the intake app (intake.0001): drop them from this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("csat", "0003_do_not_contact_index"),
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportChange"),
                migrations.DeleteModel(name="ImportJob"),
            ]
        )
    ]
