"""Areas: the GSS code optional (unique when given), need indicators named by the council (the IMD 2019 score
and rank become two of them, values moved), retirement, and the areas' history."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


# Copied, not imported: a migration must not change when the model module does.
IMD = ("imd", "IMD 2019 average score", "Index of Multiple Deprivation 2019, average score of the area's LSOAs.", True)
IMD_RANK = ("imd_rank", "IMD 2019 rank of average score", "Rank of the average score among English local authorities (1 = most deprived).", False)


def move_imd_to_indicators(apps, schema_editor):
    Area = apps.get_model("core", "Area")
    AreaIndicator = apps.get_model("core", "AreaIndicator")
    areas = list(Area.objects.all())
    for field, (key, name, description, higher) in (("imd_score", IMD), ("imd_rank", IMD_RANK)):
        scored = [a for a in areas if getattr(a, field) is not None]
        if not scored:
            continue
        AreaIndicator.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "higher_is_more_need": higher}
        )
        for area in scored:
            area.indicators = {**(area.indicators or {}), key: str(getattr(area, field))}
    Area.objects.bulk_update(areas, ["indicators"])


def move_indicators_to_imd(apps, schema_editor):
    from decimal import Decimal

    Area = apps.get_model("core", "Area")
    for area in Area.objects.all():
        values = area.indicators or {}
        area.imd_score = Decimal(values["imd"]) if values.get("imd") not in (None, "") else None
        area.imd_rank = int(values["imd_rank"]) if values.get("imd_rank") not in (None, "") else None
        area.save(update_fields=["imd_score", "imd_rank"])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_roles_and_council_row'),
    ]

    operations = [
        migrations.CreateModel(
            name='AreaIndicator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='Letters, digits, - and _ only, such as imd: how option sets and spreadsheets name the indicator.', max_length=40, unique=True, verbose_name='short name')),
                ('name', models.CharField(help_text='For example: IMD 2019 average score.', max_length=120, unique=True)),
                ('description', models.TextField(blank=True, help_text='Where the figures come from and what they measure.')),
                ('higher_is_more_need', models.BooleanField(default=True, help_text='Only such indicators are offered as need weights in allocation options (an IMD score is; an IMD rank is not).', verbose_name='a higher value means more need')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='area',
            name='indicators',
            field=models.JSONField(blank=True, default=dict, help_text='Need indicator values: AreaIndicator.key → the value as decimal text.'),
        ),
        migrations.RunPython(move_imd_to_indicators, move_indicators_to_imd),
        migrations.RemoveField(
            model_name='area',
            name='imd_rank',
        ),
        migrations.RemoveField(
            model_name='area',
            name='imd_score',
        ),
        migrations.AddField(
            model_name='area',
            name='retired_on',
            field=models.DateField(blank=True, help_text='From this date the area is offered for no new allocation; its history stays.', null=True),
        ),
        migrations.AlterField(
            model_name='area',
            name='gss_code',
            field=models.CharField(blank=True, help_text='The official code where the area has one (9 characters, such as E07000001); leave blank otherwise.', max_length=9, null=True, unique=True, validators=[django.core.validators.RegexValidator('^[EWSN]\\d{8}$', 'Enter a 9-character GSS code (a letter and 8 digits, such as E08000001).')], verbose_name='GSS code'),
        ),
        migrations.AlterField(
            model_name='area',
            name='kind',
            field=models.CharField(choices=[('district', 'An area the council allocates to'), ('county', "The council's whole area")], default='district', max_length=10),
        ),
        migrations.CreateModel(
            name='HistoricalArea',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('gss_code', models.CharField(blank=True, db_index=True, help_text='The official code where the area has one (9 characters, such as E07000001); leave blank otherwise.', max_length=9, null=True, validators=[django.core.validators.RegexValidator('^[EWSN]\\d{8}$', 'Enter a 9-character GSS code (a letter and 8 digits, such as E08000001).')], verbose_name='GSS code')),
                ('name', models.CharField(max_length=120)),
                ('kind', models.CharField(choices=[('district', 'An area the council allocates to'), ('county', "The council's whole area")], default='district', max_length=10)),
                ('population', models.PositiveIntegerField(blank=True, null=True)),
                ('indicators', models.JSONField(blank=True, default=dict, help_text='Need indicator values: AreaIndicator.key → the value as decimal text.')),
                ('retired_on', models.DateField(blank=True, help_text='From this date the area is offered for no new allocation; its history stays.', null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical area',
                'verbose_name_plural': 'historical areas',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
