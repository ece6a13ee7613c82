"""Issue #22: two low-score reasons of the training deck read like field service (a construction
site, an engineer driving out), not a 4S store. The codes stay the source's (reports, the API and
imports use them); the labels say what they mean in a dealership. Labels an admin already edited are
left alone; reverting restores the deck's words."""

from django.db import migrations

# code: (the deck's words, the deck's English), (a 4S store's words, English)
WORDING = {
    "site_far": (("工地距离远", "site far away"), ("救援或上门服务距离远", "far for roadside or at-home service")),
    "engineer_busy": (
        ("工程师忙未及时到场", "engineer busy"),
        ("技师忙未及时处理", "technician busy, not handled in time"),
    ),
}


def _relabel(apps, forward: bool) -> None:
    ReasonCode = apps.get_model("callbacks", "ReasonCode")
    for code, (deck, store) in WORDING.items():
        old, new = (deck, store) if forward else (store, deck)
        ReasonCode.objects.filter(code=code, label=old[0]).update(label=new[0], label_en=new[1])


def forwards(apps, schema_editor):
    _relabel(apps, True)


def backwards(apps, schema_editor):
    _relabel(apps, False)


class Migration(migrations.Migration):
    dependencies = [("callbacks", "0005_alter_survey_remarks")]

    operations = [migrations.RunPython(forwards, backwards)]
