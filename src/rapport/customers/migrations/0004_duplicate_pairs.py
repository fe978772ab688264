"""A group of two records names both on its row, so a page tests a pair without reading its
member rows (see `duplicate_page`). Groups of the last scan get them here, so pages stay
fast until the next scan replaces them."""

from django.db import migrations, models

# Both databases: a pair has exactly two member rows (only groups over MAX_MEMBERS keep
# fewer ids than their size).
FILL_PAIRS = """
UPDATE customers_duplicategroup SET
    first = (SELECT MIN(m.record_id) FROM customers_duplicatemember m
             WHERE m.group_id = customers_duplicategroup.id),
    second = (SELECT MAX(m.record_id) FROM customers_duplicatemember m
              WHERE m.group_id = customers_duplicategroup.id)
WHERE size = 2
"""


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_drop_redundant_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="duplicategroup",
            name="first",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="duplicategroup",
            name="second",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunSQL(FILL_PAIRS, reverse_sql=migrations.RunSQL.noop),
    ]
