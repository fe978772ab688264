"""After bulk writes, SQLite's full-text tables are merged back into few segments: many
small ones made every prefix query read them all (p95 85 ms instead of 16 ms at 1M)."""

import pytest
from django.db import connection

from rapport.search import index
from rapport.search.selectors import search
from tests.customers.factories import make_contact

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ("search_fts", "search_title_fts")


def _pages(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}_data")
        return cursor.fetchone()[0]


def _automerge(pages: int) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES('automerge', {pages})")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 segments are SQLite's")
def test_compact_merges_the_segments_that_many_small_writes_left(owner):
    # Without FTS5's own merging every committed write stays a segment of its own. The
    # shadow tables outlive the test's flush, and earlier tests' segments may be merged
    # with ours on the way (FTS5 merges a level at 16 segments): start from one segment.
    _automerge(0)
    try:
        index.compact()
        merged = [_pages(table) for table in TABLES]
        people = [
            make_contact(owner, first_name=f"Ada{n}", email=f"a{n}@x.test") for n in range(10)
        ]
        before = [_pages(table) for table in TABLES]
        assert before[0] >= merged[0] + 10  # a segment (a page at least) per write
        assert before[1] >= merged[1] + 10

        index.compact()

        after = [_pages(table) for table in TABLES]
        assert after[0] < before[0]
        assert after[1] < before[1]
        found = search(workspace=owner.workspace, actor=owner, query="ada3")
        assert people[3].pk in {h.id for h in found}
        index.compact()  # nothing left to merge: returns at once
        assert [_pages(table) for table in TABLES] == after
    finally:
        _automerge(4)  # FTS5's default


def test_compact_is_harmless_where_there_is_nothing_to_do(db):
    index.compact()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 segments are SQLite's")
@pytest.mark.parametrize("many", [True, False], ids=["many", "few"])
def test_a_big_delete_merges_the_tombstones_it_leaves(owner, monkeypatch, many):
    # Each forgotten row leaves a tombstone every search reads past: after a big delete
    # (here "big" is 3 rows) a task merges the segments once the delete commits (the
    # tests run tasks at once).
    from rapport.customers.services.bulk import contact_bulk

    monkeypatch.setattr(index, "COMPACT_AFTER", 3 if many else 1_000)
    _automerge(0)
    try:
        people = [make_contact(owner, first_name=f"Bo{n}", email=f"b{n}@x.test") for n in range(6)]
        index.compact()
        before = _pages("search_fts")

        contact_bulk(
            workspace=owner.workspace,
            actor=owner,
            ids=[p.pk for p in people[:4]],
            action="delete",
        )

        after = _pages("search_fts")
        assert after <= before if many else after > before  # else a tombstone segment more
        found = {h.id for h in search(workspace=owner.workspace, actor=owner, query="bo")}
        assert found == {people[4].pk, people[5].pk}
    finally:
        _automerge(4)
