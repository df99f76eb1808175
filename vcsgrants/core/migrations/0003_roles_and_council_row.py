"""From `migrate`: one Django group per role (named as vcsgrants.core.models.Role's values), and the council
settings' row with its defaults, for administrators to fill in."""

from django.db import migrations

# Copied, not imported: a migration must not change when the model module does.
ROLES = ("admin", "officer", "finance", "cabinet", "partner", "provider", "applicant", "assessor")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    apps.get_model("core", "CouncilSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_council_settings"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
