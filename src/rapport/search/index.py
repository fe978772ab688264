"""Keeping the search index current. Writers call these inside their transaction.

`refresh` (re)indexes the given rows of one kind ("contact", "company", …) from the
database; `forget` drops them. Both take ids, so a bulk import calls them once per batch.
They run in the writer's transaction on purpose: the index is in the same database, so
it commits and rolls back with the records and a search never sees a half-done write.

A bulk writer (the import) instead notes its records with `defer` inside its
transaction and calls `catch_up` after the commit: the records are in the lists at once
and in search moments later, and the index work no longer holds the import's
transaction (and SQLite's write lock) open. What a crash leaves noted, the next
`catch_up` indexes.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import connection, transaction

from rapport.core.queries import one_of
from rapport.search import registry
from rapport.search.fold import key, words
from rapport.search.models import Entry, Pending

BATCH = 2_000
# Records per transaction of a catch-up: larger than a writer's batch, since each commit
# (and on SQLite each new FTS5 segment) has a fixed cost.
CATCH_UP_BATCH = 10_000
# Longer words are cut: no one types more, and PostgreSQL refuses lexemes over 2 kB.
MAX_WORD = 100


def _batches(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    it = iter(sorted({int(i) for i in ids}))
    while chunk := list(islice(it, size)):
        yield chunk


def row_for(workspace_id: int, kind: str, doc: registry.Document) -> tuple:
    """The index row of one document: the columns of `INSERT_SQL`, in order."""
    title_words = [w[:MAX_WORD] for w in words(*doc.words)]
    seen = set(title_words)
    other = [w[:MAX_WORD] for w in words(*doc.other) if w not in seen]
    return (
        workspace_id,
        kind,
        doc.object_id,
        doc.title[:300],
        doc.subtitle[:300],
        key(title_words),
        key(other),
    )


COLUMNS = "workspace_id, kind, object_id, title, subtitle, title_key, body_key"
INSERT_SQL = f"INSERT INTO search_entry ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"


def _insert(rows: list[tuple]) -> None:
    # Plain tuples through executemany: building a model instance per row cost more than
    # the insert itself when a million rows are (re)indexed.
    if not rows:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no statement per row (the GIN indexes still cost what they cost).
            with cursor.cursor.copy(f"COPY search_entry ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        if connection.vendor != "sqlite":
            cursor.executemany(INSERT_SQL, rows)
            return
        # The rows get ids above the current highest (AUTOINCREMENT, and no other writer
        # while this transaction holds SQLite's write lock): their FTS5 entries are made
        # by one INSERT … SELECT each, since FTS5 behind an insert trigger wrote out a
        # segment per row (160 rows/s at 100,000 contacts).
        cursor.execute("SELECT coalesce(max(id), 0) FROM search_entry")
        (last,) = cursor.fetchone()
        cursor.executemany(INSERT_SQL, rows)
        cursor.execute(
            "INSERT INTO search_fts(rowid, title_key, body_key) "
            "SELECT id, title_key, body_key FROM search_entry WHERE id > %s",
            [last],
        )
        cursor.execute(
            "INSERT INTO search_title_fts(rowid, title_key) "
            "SELECT id, title_key FROM search_entry WHERE id > %s",
            [last],
        )


def refresh(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Index or re-index these rows; ids whose record no longer exists are dropped."""
    provider = registry.get(kind)
    for chunk in _batches(ids):
        docs = provider.documents(workspace_id=workspace_id, ids=chunk)
        rows = [row_for(workspace_id, kind, doc) for doc in docs]
        with transaction.atomic():
            # Replaced rather than updated: a new id puts the record first among equally
            # good matches (results are newest first within a tier of relevance).
            Entry.objects.filter(workspace_id=workspace_id, kind=kind).filter(
                one_of(Entry, "object_id", chunk)
            ).delete()
            _insert(rows)


def defer(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Note these records for the next `catch_up`, in the caller's transaction: they are
    indexed after it commits (and not at all if it rolls back). One row per `BATCH` ids."""
    registry.get(kind)  # an unknown kind is a programming error, said loudly
    rows = [(workspace_id, kind, json.dumps(chunk)) for chunk in _batches(ids) if chunk]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_pending (workspace_id, kind, ids) VALUES (%s, %s, %s)", rows
            )


def catch_up(
    workspace_id: int | None = None,
    *,
    batch_size: int = CATCH_UP_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Index what `defer` noted (of one workspace, or all), about `batch_size` records
    per transaction, and return how many records were indexed. Several callers may run
    at once: on PostgreSQL each takes the noted rows the others have not locked; SQLite
    has one writer anyway."""
    pending = Pending.objects.order_by("pk")
    if workspace_id is not None:
        pending = pending.filter(workspace_id=workspace_id)
    if connection.vendor == "postgresql":
        pending = pending.select_for_update(skip_locked=True)
    per_transaction = max(1, batch_size // BATCH)  # a noted row holds up to BATCH ids
    indexed = registry.indexed()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(pending.values_list("pk", "workspace_id", "kind", "ids")[:per_transaction])
            if not rows:
                return done
            groups: dict[tuple[int, str], list[int]] = defaultdict(list)
            for _pk, ws, kind, ids in rows:
                groups[ws, kind].extend(ids)
            for (ws, kind), ids in groups.items():
                if kind in indexed:  # a kind no longer indexed has nothing to catch up
                    refresh(ws, kind, ids)
            Pending.objects.filter(pk__in=[row[0] for row in rows]).delete()
        done += sum(len(row[3]) for row in rows)
        if progress is not None:
            progress(done)


def forget(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Remove these rows from the index."""
    registry.get(kind)  # an unknown kind is a programming error, said loudly
    for chunk in _batches(ids):
        Entry.objects.filter(workspace_id=workspace_id, kind=kind, object_id__in=chunk).delete()


def reindex(
    *,
    workspace_id: int,
    kinds: Iterable[str] | None = None,
    progress: Callable[[str, int], None] | None = None,
    batch_size: int = 5_000,
) -> dict[str, int]:
    """Rebuild the index of a workspace from its records, kind by kind, in batches of
    ids, one transaction each, so memory stays flat at any size and search keeps
    answering meanwhile (each batch replaces its own range of ids). Returns the number
    of rows indexed per kind."""
    counts: dict[str, int] = {}
    for kind, provider in registry.indexed().items():
        if kinds is not None and kind not in kinds:
            continue
        entries = Entry.objects.filter(workspace_id=workspace_id, kind=kind)
        done = last = 0
        while True:
            ids = provider.ids(workspace_id=workspace_id).filter(pk__gt=last).order_by("pk")
            chunk = list(ids[:batch_size])
            if not chunk:
                break
            docs = provider.documents(workspace_id=workspace_id, ids=chunk)
            rows = [row_for(workspace_id, kind, d) for d in docs]
            with transaction.atomic():
                entries.filter(object_id__gt=last, object_id__lte=chunk[-1]).delete()
                _insert(rows)
            last = chunk[-1]
            done += len(chunk)
            if progress:
                progress(kind, done)
        entries.filter(object_id__gt=last).delete()  # records deleted since the last build
        counts[kind] = done
    _optimize()
    return counts


def _optimize() -> None:
    """After a rebuild: merge SQLite's FTS5 segments so queries read fewer b-trees, or let
    PostgreSQL's VACUUM clear the replaced rows and merge the GIN pending lists (every
    query scans those until autovacuum gets round to it) and refresh the statistics."""
    if connection.in_atomic_block:
        return  # inside a caller's transaction (a test): nothing big enough to matter
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in ("search_fts", "search_title_fts"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) search_entry")
