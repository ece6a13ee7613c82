"""Preventive measures moved here from the complaints app: state only, the tables keep their names
and rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["preventivemeasure", "measureevent", "measureoverdue"]


def move_content_types(apps, schema_editor):
    # Permissions and history point at content types: relabel them instead of creating new ones.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="complaints", model__in=MOVED).exclude(
        model__in=ContentType.objects.filter(app_label="prevention").values("model")
    ).update(app_label="prevention")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="prevention", model__in=MOVED).update(app_label="complaints")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("csat", "0002_roles"),
        ("complaints", "0007_next_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='PreventiveMeasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('category', models.CharField(choices=[('sales', '销售'), ('repair', '维修'), ('parts', '配件'), ('finance', '财务'), ('staff', '客服/综合部员工'), ('other', '其他')], max_length=20, verbose_name='投诉类别')),
                ('problem', models.TextField(verbose_name='问题')),
                ('root_cause', models.TextField(blank=True, verbose_name='根本原因')),
                ('measure', models.TextField(verbose_name='预防措施')),
                ('due_date', models.DateField(verbose_name='完成期限')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('awaiting_approval', '待总经理审批'), ('approved', '已批准'), ('in_progress', '实施中'), ('done', '已完成'), ('verified', '综合部已验证'), ('rejected', '已驳回')], default='draft', max_length=20, verbose_name='状态')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='审批时间')),
                ('comment', models.TextField(blank=True, verbose_name='审批意见')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('verified_at', models.DateTimeField(blank=True, null=True, verbose_name='验证时间')),
                ('overdue_at', models.DateTimeField(blank=True, null=True, verbose_name='逾期时间')),
                ('cause', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='measures', to='complaints.causecode', verbose_name='原因')),
                ('complaints', models.ManyToManyField(blank=True, related_name='measures', to='complaints.complaint', verbose_name='相关投诉')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提出人')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审批人')),
                ('owner_department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measures', to='csat.department', verbose_name='责任部门')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measures', to='csat.store', verbose_name='门店')),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='验证人')),
            ],
            options={
                'verbose_name': '预防措施',
                'verbose_name_plural': '预防措施',
                'ordering': ['-created_at'],
                'db_table': 'complaints_preventivemeasure',
                'indexes': [models.Index(fields=['store', 'status'], name='complaints__store_i_ca8fff_idx')],
            },
        ),
        migrations.CreateModel(
            name='MeasureOverdue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                ('measure', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='overdue', to='prevention.preventivemeasure', verbose_name='预防措施')),
            ],
            options={
                'verbose_name': '预防措施逾期',
                'verbose_name_plural': '预防措施逾期',
                'db_table': 'complaints_measureoverdue',
            },
        ),
        migrations.CreateModel(
            name='MeasureEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(max_length=30, verbose_name='动作')),
                ('from_status', models.CharField(blank=True, max_length=20, verbose_name='原状态')),
                ('to_status', models.CharField(blank=True, max_length=20, verbose_name='新状态')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='prevention.preventivemeasure', verbose_name='预防措施')),
            ],
            options={
                'verbose_name': '预防措施记录',
                'verbose_name_plural': '预防措施记录',
                'db_table': 'complaints_measureevent',
                'ordering': ['created_at', 'id'],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(move_content_types, restore_content_types, elidable=False),
    ]
