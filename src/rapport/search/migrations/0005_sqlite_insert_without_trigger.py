"""SQLite: fill the FTS5 tables from `index._insert` rather than from an insert trigger.

FTS5 writes out its buffered terms at each statement a trigger runs, so every row
inserted through the trigger became a segment of its own to merge: a bulk index of
100,000 contacts ran at 160 rows a second. The delete and update triggers stay (they
keep cascades right and cost nothing like it).
"""

from django.db import migrations

UP = ["DROP TRIGGER IF EXISTS search_entry_ai"]
DOWN = [
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, title_key, body_key)
        VALUES (new.id, new.title_key, new.body_key);
        INSERT INTO search_title_fts(rowid, title_key) VALUES (new.id, new.title_key);
    END""",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_postgres_words")]

    operations = [migrations.RunPython(_run(UP), _run(DOWN))]
