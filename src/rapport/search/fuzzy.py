"""Typo tolerance where the database has none built in (SQLite).

PostgreSQL finds typos with pg_trgm's word similarity. SQLite has no
such function, so search registers `rapport_near(text, term)` on every SQLite
connection: true when a word of the indexed text is within one edit (two for long
terms) of the term, or starts with something that is. The FTS5 query first narrows the
rows to those sharing a piece of the term that one typo leaves intact, so this runs on
a few candidates, not the table.
"""


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, or `limit + 1` once it is
    certain to exceed `limit` (the rows are cut to the band that can stay within it)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(term: str) -> int:
    return 1 if len(term) < 9 else 2


def near(text: str | None, term: str | None) -> bool:
    """A word of `text` (or its beginning, for a word still being typed) is within the
    allowed edits of `term`."""
    if not text or not term:
        return False
    limit = allowed_edits(term)
    n = len(term)
    for word in text.split():
        if distance(term, word, limit) <= limit:
            return True
        if len(word) > n and distance(term, word[:n], limit) <= limit:
            return True
    return False


def on_connect(sender, connection, **kwargs) -> None:
    """Register `rapport_near` on every new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("rapport_near", 2, near, deterministic=True)
