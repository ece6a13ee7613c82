"""API tokens moved to django-rest-knox (expiring, revocable, stored as digests).

The old never-expiring DRF tokens are not carried over: their table is dropped, so a token copied
somewhere before the upgrade stops working and the integration asks ``POST /api/auth/token/`` for a
new one (README, "Upgrading").
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("csat", "0005_alter_customer_remarks")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
