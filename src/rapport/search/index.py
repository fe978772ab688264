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
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import connection, transaction

from rapport.core.queries import one_of
from rapport.search import registry
from rapport.search.fold import key, words
from rapport.search.models import Entry, Pending

BATCH = 2_000
logger = logging.getLogger(__name__)

# Records per transaction of a catch-up: larger than a writer's batch, since each commit
# (and on SQLite each new FTS5 segment) has a fixed cost.
CATCH_UP_BATCH = 10_000
# Records indexed in bulk (an import's catch-up, a reindex) from which SQLite's full-text
# tables are merged afterwards (`compact`).
COMPACT_AFTER = 10_000
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


def pending_rows(workspace_id: int, kind: str, ids: Iterable[int]) -> list[tuple]:
    """The `Pending` rows (workspace_id, kind, ids) that note these records, for a bulk
    writer that inserts them itself (the import sends its inserts from a thread)."""
    registry.get(kind)  # an unknown kind is a programming error, said loudly
    return [(workspace_id, kind, chunk) for chunk in _batches(ids)]


def defer(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Note these records for the next `catch_up`, in the caller's transaction: they are
    indexed after it commits (and not at all if it rolls back). One row per `BATCH` ids."""
    rows = [(w, k, json.dumps(chunk)) for w, k, chunk in pending_rows(workspace_id, kind, ids)]
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
    per transaction, and return how many records were indexed.

    Each record is locked before it is read (`_lock`), as its writers lock it before
    they change it and re-index it, so an edit or a delete racing a catch-up leaves the
    index as the record ends. A catch-up never waits for a record another transaction
    holds: it notes it again and tries it once more at the end, then leaves it for the
    next catch-up. Several catch-ups may run at once: on PostgreSQL each takes the noted
    rows the others have not locked. A noted row that fails on its own is logged and
    left in place without holding up the rows behind it; `Stuck` is raised at the end."""
    scope = Pending.objects.order_by("pk")
    if workspace_id is not None:
        scope = scope.filter(workspace_id=workspace_id)
    if connection.vendor == "postgresql":
        scope = scope.select_for_update(skip_locked=True)
    per_transaction = max(1, batch_size // BATCH)  # a noted row holds up to BATCH ids
    skip: list[int] = []  # noted rows that failed, or that this run noted again
    stuck: list[int] = []
    done = 0

    def one_transaction(pending) -> bool:
        nonlocal done
        with transaction.atomic():
            rows = pending.values_list("pk", "workspace_id", "kind", "ids")[:per_transaction]
            rows = list(rows)
            if not rows:
                return False
            failed, renoted, held = _index_noted(rows)
        stuck.extend(failed)
        skip.extend(failed + renoted)
        done += sum(len(ids) for pk, _ws, _kind, ids in rows if pk not in failed) - held
        if progress is not None:
            progress(done)
        return True

    while one_transaction(scope.exclude(pk__in=skip)):
        pass
    # Once more for the records that were held: what still is stays noted for later.
    retry = [pk for pk in skip if pk not in stuck]
    while retry and one_transaction(scope.filter(pk__in=retry).exclude(pk__in=stuck)):
        pass
    if stuck:
        raise Stuck(stuck, done)
    return done


def compact() -> None:
    """SQLite: merge the full-text tables' segments, a short transaction at a time.

    Each transaction that writes to an FTS5 table leaves a segment of its own, and the
    automatic merging keeps up with a form's writes but not with a bulk one: after a
    1,000,000-row seed and an import the prefix queries read so many segments that the
    p95 of a search went from 16 ms to 85 ms (the bare MATCH from 1 ms to 100 ms).
    `merge` with a negative count merges whatever segments there are, 2,000 pages per
    transaction (about a second at most), so writers wait a moment, never the whole
    ~20 s a 1M-row index takes; it ends when a round has nothing left to do."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL's GIN indexes fold their pending entries in on their own
    for table in ("search_fts", "search_title_fts"):
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                raw = connection.connection
                before = raw.total_changes
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES('merge', -2000)")
                changed = raw.total_changes - before
            if changed < 2:  # FTS5's sign that there was nothing to merge
                break


class Stuck(Exception):
    """Noted rows a catch-up could not index (each logged); the others were indexed."""

    def __init__(self, pks: list[int], done: int):
        super().__init__(f"{len(pks)} noted rows could not be indexed (ids {pks[:10]})")
        self.pks, self.done = pks, done


def _index_noted(rows: list[tuple]) -> tuple[list[int], list[int], int]:
    """Index the records of these noted rows and delete the rows, in a savepoint.
    Returns the noted rows that failed (tried one by one when several fail together;
    left in place), the rows noting again the records another transaction holds, and
    how many records those hold."""
    try:
        with transaction.atomic():
            groups: dict[tuple[int, str], list[int]] = defaultdict(list)
            for _pk, ws, kind, ids in rows:
                groups[ws, kind].extend(ids)
            indexed = registry.indexed()
            renoted, held_count = [], 0
            for (ws, kind), ids in groups.items():
                if kind not in indexed:  # a kind no longer indexed has nothing to catch up
                    continue
                held = _lock(indexed[kind], ws, ids)
                refresh(ws, kind, [pk for pk in ids if pk not in held])
                if held:
                    note = Pending.objects.create(workspace_id=ws, kind=kind, ids=sorted(held))
                    renoted.append(note.pk)
                    held_count += len(held)
            Pending.objects.filter(pk__in=[row[0] for row in rows]).delete()
        return [], renoted, held_count
    except Exception:
        if len(rows) > 1:
            failed, renoted, held_count = [], [], 0
            for row in rows:
                one_failed, one_renoted, one_held = _index_noted([row])
                failed += one_failed
                renoted += one_renoted
                held_count += one_held
            return failed, renoted, held_count
        logger.exception("search catch-up: noted row %s failed; left for later", rows[0][0])
        return [rows[0][0]], [], 0


def _lock(provider: registry.IndexedProvider, workspace_id: int, ids: list[int]) -> set[int]:
    """Lock these records until the end of the transaction, as their writers do before
    they change and re-index one, and return those another transaction holds (skipped,
    not waited for: a long import holding some must not stall, or deadlock with, a
    catch-up). Records deleted since are neither: `refresh` drops their index rows.
    PostgreSQL only: SQLite's transaction already holds its one write lock. FOR NO KEY
    UPDATE, so links to the records (labels, shares) can still be added meanwhile."""
    if connection.vendor != "postgresql":
        return set()
    records = provider.ids(workspace_id=workspace_id)
    records = records.filter(one_of(records.model, "id", ids)).order_by("pk")
    locked = set(records.select_for_update(no_key=True, skip_locked=True))
    return set(records) - locked


def forget(workspace_id: int, kind: str, ids: Iterable[int]) -> None:
    """Remove these rows from the index. After many (a company deleted with its contacts),
    SQLite's full-text tables are merged by a background task once the caller's
    transaction commits: each removed row leaves a tombstone that every search reads past
    until segments merge (at 1M contacts, 1.1M of them took search's p95 from 16 ms to
    53 ms)."""
    registry.get(kind)  # an unknown kind is a programming error, said loudly
    forgotten = 0
    for chunk in _batches(ids):
        Entry.objects.filter(workspace_id=workspace_id, kind=kind, object_id__in=chunk).delete()
        forgotten += len(chunk)
    if forgotten >= COMPACT_AFTER and connection.vendor == "sqlite":
        transaction.on_commit(_compact_later)


def _compact_later() -> None:
    from rapport.search.tasks import compact_index

    compact_index.enqueue()


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
    if sum(counts.values()) >= COMPACT_AFTER:
        compact()
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
