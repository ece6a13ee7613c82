"""Create one auth group per role with its model permissions (the admin and reports rely on them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Role → (app_label, codename prefix, model) triples; view_* for readers, more for writers.
ROLE_PERMISSIONS = {
    "agent": ["view_store", "view_department", "view_customer", "change_customer", "view_vehicle", "change_vehicle",
              "view_salesdelivery", "view_servicevisit"],
    "customer_care_manager": ["view_store", "view_department", "view_staffprofile", "view_customer", "add_customer",
                              "change_customer", "view_vehicle", "add_vehicle", "change_vehicle",
                              "view_salesdelivery", "add_salesdelivery", "change_salesdelivery",
                              "view_servicevisit", "add_servicevisit", "change_servicevisit",
                              "view_calendaroverride"],
    "department_manager": ["view_store", "view_department", "view_customer", "view_vehicle", "view_salesdelivery",
                           "view_servicevisit"],
    "general_manager": ["view_store", "view_department", "view_staffprofile", "view_customer", "view_vehicle",
                        "view_salesdelivery", "view_servicevisit", "view_calendaroverride"],
    "admin_assessor": ["view_store", "view_department", "view_staffprofile", "view_customer", "view_vehicle",
                       "view_salesdelivery", "view_servicevisit", "view_calendaroverride", "add_calendaroverride",
                       "change_calendaroverride", "delete_calendaroverride"],
    "staff": ["view_store", "view_department", "view_customer", "view_vehicle"],
    "group_viewer": ["view_store", "view_department", "view_customer", "view_vehicle", "view_salesdelivery",
                     "view_servicevisit"],
}


def create_role_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="csat", codename__in=codenames))


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("csat", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
