# Each version's xlsx moves from one column into pieces of 256 kB, so that a build or a download
# never holds a whole file; existing versions are copied piece by piece before the column goes.

import django.db.models.deletion
from django.db import migrations, models

CHUNK_BYTES = 256 * 1024


def copy_files_into_chunks(apps, schema_editor):
    MonthlyReport = apps.get_model("reports", "MonthlyReport")
    MonthlyReportChunk = apps.get_model("reports", "MonthlyReportChunk")
    for pk in MonthlyReport.objects.values_list("pk", flat=True).iterator():
        data = bytes(MonthlyReport.objects.values_list("xlsx", flat=True).get(pk=pk) or b"")
        for seq, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            MonthlyReportChunk.objects.create(report_id=pk, seq=seq, data=data[start : start + CHUNK_BYTES])
        MonthlyReport.objects.filter(pk=pk).update(xlsx_size=len(data))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthlyreport",
            name="xlsx_size",
            field=models.PositiveBigIntegerField(default=0, verbose_name="Excel 文件大小（字节）"),
        ),
        migrations.CreateModel(
            name="MonthlyReportChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="reports.monthlyreport",
                    ),
                ),
            ],
            options={
                "verbose_name": "月度报表文件分块",
                "verbose_name_plural": "月度报表文件分块",
                "constraints": [models.UniqueConstraint(fields=("report", "seq"), name="report_chunk_once")],
            },
        ),
        migrations.RunPython(copy_files_into_chunks, migrations.RunPython.noop),
        migrations.RemoveField(model_name="monthlyreport", name="xlsx"),
    ]
