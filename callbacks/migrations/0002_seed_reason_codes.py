"""Seed the reason codes for low five-dimension ratings from the source (DOMAIN §2); editable later."""

from django.db import migrations

# code, dimension, label (zh), label (en), position — the wording of five-dimension-satisfaction.zh.txt.
REASON_CODES = [
    ("insufficient_skill", "skill", "服务技能不足", "insufficient skill", 1),
    ("repeat_repair_unfixed", "skill", "多次维修未解决", "repeated repairs without fix", 2),
    ("slow_minor_faults", "skill", "小故障处理效率低", "slow on minor faults", 3),
    ("fault_not_removed", "skill", "未彻底排故", "fault not fully removed", 4),
    ("repair_took_long", "skill", "维修时间长", "repair took long", 5),
    ("poor_attitude", "attitude", "服务态度不好", "poor attitude", 1),
    ("would_not_work", "attitude", "不动手服务", "would not do the work", 2),
    ("did_not_come", "attitude", "不到场", "did not come on site", 3),
    ("few_proactive_visits", "attitude", "服务主动上门少", "few proactive visits", 4),
    ("dragged_out", "attitude", "处理问题拖沓", "dragged the problem out", 5),
    ("pushed_parts_sales", "attitude", "强制客户购买配件", "pushed parts sales", 6),
    ("no_supplier_help", "attitude", "未帮助联系供应商", "did not help contact supplier", 7),
    ("broke_promise", "attitude", "未兑现服务承诺", "broke a service promise", 8),
    ("arrived_late", "timeliness", "到场时间不及时", "arrived late", 1),
    ("no_service_vehicle", "timeliness", "服务车缺乏导致不及时", "no service vehicle", 2),
    ("too_few_staff", "timeliness", "人员少导致不及时", "too few staff", 3),
    ("site_far", "timeliness", "工地距离远", "site far away", 4),
    ("hotline_not_passed_on", "timeliness", "热线未及时通知", "hotline did not pass it on", 5),
    ("engineer_busy", "timeliness", "工程师忙未及时到场", "engineer busy", 6),
    ("not_in_time", "parts", "供应不及时", "not supplied in time", 1),
    ("warehouse_far", "parts", "仓库距离远", "warehouse far", 2),
    ("long_wait", "parts", "发货、等待时间长", "long shipping/wait", 3),
    ("out_of_stock", "parts", "库存不足需从外地或总部调运", "out of stock, transfer from elsewhere/HQ", 4),
    ("wrong_part", "parts", "发错配件", "wrong part sent", 5),
    ("service_image", "overall", "服务形象", "service image", 1),
    ("cumbersome_process", "overall", "流程繁琐、制度", "cumbersome process/rules", 2),
    ("head_office_slow", "overall", "总部处理慢", "head office slow", 3),
    ("general_complaint", "overall", "整体服务抱怨", "general service complaint", 4),
]


def seed(apps, schema_editor):
    ReasonCode = apps.get_model("callbacks", "ReasonCode")
    for code, dimension, label, label_en, position in REASON_CODES:
        ReasonCode.objects.get_or_create(
            code=code,
            defaults={"dimension": dimension, "label": label, "label_en": label_en, "position": position},
        )


def unseed(apps, schema_editor):
    ReasonCode = apps.get_model("callbacks", "ReasonCode")
    ReasonCode.objects.filter(code__in=[row[0] for row in REASON_CODES], surveys__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("callbacks", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
