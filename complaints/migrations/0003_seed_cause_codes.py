"""Seed the editable cause-code list from DOMAIN §2 reason codes plus sales/finance causes of §5."""

from django.db import migrations

from csat.domain.scoring import REASON_CODES

# Dimension reason codes → the complaint category they fall under.
DIMENSION_CATEGORY = {"skill": "repair", "timeliness": "repair", "parts": "parts", "attitude": "staff", "overall": "other"}
EXTRA = {
    "sales": {
        "delivery_delay": "交车延迟",
        "price_dispute": "价格/优惠争议",
        "sales_promise_broken": "销售承诺未兑现",
        "vehicle_defect_at_delivery": "交车时车辆有瑕疵",
        "paperwork_delay": "手续/牌照办理慢",
    },
    "finance": {
        "billing_error": "收费/结算错误",
        "invoice_delay": "发票开具延迟",
        "opaque_pricing": "工时费、配件价格不透明",
    },
}


def seed(apps, schema_editor):
    CauseCode = apps.get_model("complaints", "CauseCode")
    rows = []
    for dimension, codes in REASON_CODES.items():
        for code, (zh, _en) in codes.items():
            rows.append(CauseCode(category=DIMENSION_CATEGORY[dimension], code=code, label=zh))
    for category, codes in EXTRA.items():
        for code, zh in codes.items():
            rows.append(CauseCode(category=category, code=code, label=zh))
    CauseCode.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_prevention")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
