"""The full-text structures beside `search_entry`, for the database in use.

SQLite: an FTS5 table with the `trigram` tokenizer over the two folded keys, its content
read from `search_entry` (external content) and kept in step by triggers, so every write
to the table, the ORM's cascades included, updates it in the same transaction.

PostgreSQL: pg_trgm's GIN index over the two keys, led by `workspace_id` (btree_gin), so
`LIKE '% lov%'` and the word-similarity operators are index scans within a workspace.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_key, body_key,
        content='search_entry', content_rowid='id',
        tokenize='trigram', detail='full'
    )""",
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
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    """CREATE INDEX search_entry_trgm ON search_entry
        USING gin (workspace_id, title_key gin_trgm_ops, body_key gin_trgm_ops)""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_entry_trgm"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
