"""Québec's official list of municipalities (issue 27): MRCs, the municipality's geographic code,
designation and MRC, other names (aliases), and the folded search key. Nullable or with a database
default, so the running release's INSERTs still work; 0004 fills them, 0005 makes code and MRC
compulsory.

On PostgreSQL, pg_trgm and a trigram index on both search keys serve the forgiving place search
(service_points.places: similar names, "Trois Riviere" → Trois-Rivières). The extension is
trusted since PostgreSQL 13: the database owner may create it."""

import django.core.validators
import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# service_points.places' similarity search: `search_name % text` and similarity() ordering.
TRIGRAM_INDEXES = {
    "municipality_search_trgm": "service_points_municipality",
    "alias_search_trgm": "service_points_municipalityalias",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index, table in TRIGRAM_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_name gin_trgm_ops)"
            )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):

    dependencies = [
        ('midi_regions', '0001_initial'),  # the regions; not later ones: undoing those keeps this list
        ('service_points', '0002_host_type_label'),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name='MunicipalityAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('kind', models.CharField(choices=[('former', 'former municipality'), ('sector', 'borough or sector'), ('renamed', 'former name'), ('english', 'English name')], max_length=10, verbose_name='kind')),
                ('search_name', models.CharField(db_index=True, editable=False, max_length=120)),
            ],
            options={
                'verbose_name': 'other name of a municipality',
                'verbose_name_plural': 'other names of municipalities',
                'ordering': ['name'],
            },
        ),
        migrations.AlterModelOptions(
            name='municipality',
            options={'ordering': ['name', 'code'], 'verbose_name': 'municipality', 'verbose_name_plural': 'municipalities'},
        ),
        migrations.AddField(
            model_name='municipality',
            name='code',
            field=models.CharField(max_length=5, null=True, unique=True, validators=[django.core.validators.RegexValidator('^[0-9]{5}$', 'Enter the five-digit geographic code.')], verbose_name='geographic code'),
        ),
        migrations.AddField(
            model_name='municipality',
            name='designation',
            field=models.CharField(blank=True, db_default='', max_length=60, verbose_name='designation'),
        ),
        migrations.AddField(
            model_name='municipality',
            name='search_name',
            field=models.CharField(db_default='', db_index=True, editable=False, max_length=120),
        ),
        migrations.AlterField(
            model_name='municipality',
            name='geonames_id',
            field=models.PositiveIntegerField(blank=True, null=True, unique=True, verbose_name='GeoNames id'),
        ),
        migrations.CreateModel(
            name='Mrc',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=3, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='mrcs', to='midi_regions.administrativeregion', verbose_name='administrative region')),
            ],
            options={
                'verbose_name': 'MRC or equivalent territory',
                'verbose_name_plural': 'MRCs and equivalent territories',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='municipality',
            name='mrc',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='municipalities', to='service_points.mrc', verbose_name='MRC or equivalent territory'),
        ),
        migrations.AddField(
            model_name='municipalityalias',
            name='municipality',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='service_points.municipality', verbose_name='municipality'),
        ),
        migrations.AddConstraint(
            model_name='municipalityalias',
            constraint=models.UniqueConstraint(fields=('search_name', 'municipality'), name='alias_unique_per_municipality'),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
