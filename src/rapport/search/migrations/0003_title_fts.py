"""SQLite: a second FTS5 table over the titles alone.

A column filter (`title_key : "…"`) still walks the doclist of every row holding the
trigrams in any column: searching a word that every email contains ("example") read a
million rows to find the few titles with it. A table of titles alone has short doclists
for such words. The triggers now keep both tables in step.
"""

from django.db import migrations

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_au",
    """CREATE VIRTUAL TABLE search_title_fts USING fts5(
        title_key,
        content='search_entry', content_rowid='id',
        tokenize='trigram', detail='full'
    )""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, title_key, body_key)
        VALUES (new.id, new.title_key, new.body_key);
        INSERT INTO search_title_fts(rowid, title_key) VALUES (new.id, new.title_key);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_key, body_key)
        VALUES ('delete', old.id, old.title_key, old.body_key);
        INSERT INTO search_title_fts(search_title_fts, rowid, title_key)
        VALUES ('delete', old.id, old.title_key);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_key, body_key)
        VALUES ('delete', old.id, old.title_key, old.body_key);
        INSERT INTO search_title_fts(search_title_fts, rowid, title_key)
        VALUES ('delete', old.id, old.title_key);
        INSERT INTO search_fts(rowid, title_key, body_key)
        VALUES (new.id, new.title_key, new.body_key);
        INSERT INTO search_title_fts(rowid, title_key) VALUES (new.id, new.title_key);
    END""",
    "INSERT INTO search_title_fts(search_title_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TABLE IF EXISTS search_title_fts",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, title_key, body_key)
        VALUES (new.id, new.title_key, new.body_key);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_key, body_key)
        VALUES ('delete', old.id, old.title_key, old.body_key);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_key, body_key)
        VALUES ('delete', old.id, old.title_key, old.body_key);
        INSERT INTO search_fts(rowid, title_key, body_key)
        VALUES (new.id, new.title_key, new.body_key);
    END""",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(_run(SQLITE_UP), _run(SQLITE_DOWN))]
