"""Import jobs moved here from the core app: state only, the tables keep their names and rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import intake.models

MOVED = ["importjob", "importchange"]


def move_content_types(apps, schema_editor):
    # Permissions and history point at content types: relabel them instead of creating new ones.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="csat", model__in=MOVED).exclude(
        model__in=ContentType.objects.filter(app_label="intake").values("model")
    ).update(app_label="intake")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="intake", model__in=MOVED).update(app_label="csat")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("csat", "0003_do_not_contact_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("kind", models.CharField(max_length=20, verbose_name="数据类型")),
                ("file", models.FileField(max_length=200, upload_to=intake.models.import_upload_path, verbose_name="文件")),
                ("original_name", models.CharField(blank=True, max_length=200, verbose_name="原文件名")),
                ("status", models.CharField(choices=[("validating", "校验中"), ("preview", "待确认"), ("invalid", "有错误"), ("importing", "导入中"), ("done", "已导入"), ("failed", "导入失败"), ("cancelled", "已取消")], default="validating", max_length=20, verbose_name="状态")),
                ("total_rows", models.PositiveIntegerField(default=0, verbose_name="总行数")),
                ("processed_rows", models.PositiveIntegerField(default=0, verbose_name="已处理行数")),
                ("created_count", models.PositiveIntegerField(default=0, verbose_name="新增")),
                ("updated_count", models.PositiveIntegerField(default=0, verbose_name="更新")),
                ("unchanged_count", models.PositiveIntegerField(default=0, verbose_name="未变化")),
                ("rejected_count", models.PositiveIntegerField(default=0, verbose_name="错误行")),
                ("errors", models.JSONField(blank=True, default=list, verbose_name="错误明细")),
                ("message", models.CharField(blank=True, max_length=300, verbose_name="说明")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                ("confirmed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="确认人")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="上传人")),
                ("store", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="imports", to="csat.store", verbose_name="门店")),
            ],
            options={
                "verbose_name": "数据导入",
                "verbose_name_plural": "数据导入",
                "db_table": "csat_importjob",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ImportChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("model", models.CharField(max_length=40, verbose_name="对象类型")),
                ("object_id", models.BigIntegerField(verbose_name="对象 ID")),
                ("natural_key", models.CharField(max_length=60, verbose_name="业务主键")),
                ("changes", models.JSONField(default=dict, verbose_name="变更")),
                ("job", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="changes", to="intake.importjob", verbose_name="导入")),
            ],
            options={
                "verbose_name": "导入变更记录",
                "verbose_name_plural": "导入变更记录",
                "db_table": "csat_importchange",
                "indexes": [models.Index(fields=["model", "object_id"], name="csat_import_model_c3ba2a_idx")],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(move_content_types, restore_content_types, elidable=False),
    ]
