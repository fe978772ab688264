"""PostgreSQL: GIN indexes over the stored words as lexemes (the title's, and all).

Trigram postings are long for the trigrams every word shares ("  a" for every word that
starts with an a): at a million contacts a LIKE '% ada %' spent 20 ms in the trigram
index alone. The words themselves, as a tsvector built from the stored keys (no text
parser involved, so the lexemes are exactly the folded words), answer whole-word and
word-start (`'ada':*`) queries from posting lists no longer than the matches. The
trigram index stays for matches inside words and for typos.
"""

from django.db import migrations

# The expressions must read exactly as the queries in `selectors._postgres_tier` do.
TITLE_WORDS = "array_to_tsvector(array_remove(string_to_array(title_key, ' '), ''))"
ALL_WORDS = "array_to_tsvector(array_remove(string_to_array(title_key || body_key, ' '), ''))"

UP = [
    f"CREATE INDEX search_entry_title_words ON search_entry USING gin (workspace_id, ({TITLE_WORDS}))",
    f"CREATE INDEX search_entry_words ON search_entry USING gin (workspace_id, ({ALL_WORDS}))",
]
DOWN = [
    "DROP INDEX IF EXISTS search_entry_title_words",
    "DROP INDEX IF EXISTS search_entry_words",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_title_fts")]

    operations = [migrations.RunPython(_run(UP), _run(DOWN))]
