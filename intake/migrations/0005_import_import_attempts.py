from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_import_validation_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="import_attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="导入次数"),
        ),
    ]
