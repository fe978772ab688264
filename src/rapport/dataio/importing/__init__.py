"""Running an import: stream the file, check every row, write in batches, all or nothing.

`run` is what the background task (and the CLI) calls. The whole write happens in one
transaction, batch after batch, so a run that fails or is cancelled leaves nothing behind:
no half of the rows, no companies or labels created for rows that never landed. Between
batches the run reports progress and looks for a cancel request through a channel that
lives outside that transaction (`channel`). `preview` plans the first rows exactly as the
run would, without writing, so the errors it shows are the errors the run reports.
"""

from __future__ import annotations

import csv
import gc
import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.activity import record_activity
from rapport.core.errors import DomainError, Invalid
from rapport.core.models import Activity, Membership
from rapport.core.queries import sqlite_page_cache
from rapport.customers.models import Company, CompanyLabel, Contact, ContactLabel, ContactTeam
from rapport.dataio import reading
from rapport.dataio.importing import ahead, channel, sending
from rapport.dataio.importing.rows import REJECT, Context, Options, Row
from rapport.dataio.importing.writers import importer_for
from rapport.dataio.models import ImportJob, ImportStatus
from rapport.search import index as search_index

logger = logging.getLogger(__name__)

BATCH = 2_000
# Rows from which a run reads and cleans the file in a child process (`ahead.Apart`)
# rather than a thread: starting one costs ~10 ms, and it gives the writer a core.
APART_FROM = 20_000
# SQLite's page cache during a run, in KiB (its default is 2 MiB): see `sqlite_page_cache`.
# 100,000 rows into 1M contacts run as fast with 32 MiB as with 64-256 MiB, and a 1M-row
# import's peak memory (the writer and the child reading the file) stays ~200 MB.
SQLITE_CACHE_KIB = 32_768
PREVIEW_ROWS = 20
# New containers between two sweeps of the garbage collector's youngest generation while
# a run writes (Python's default is 2,000): see `fewer_collections`.
YOUNG_SWEEP = 50_000
# Rows written from which a run refreshes PostgreSQL's statistics of the tables it grew.
ANALYZE_AFTER = 10_000
ANALYZED = {
    "contacts": (Contact, ContactLabel, ContactTeam, Company, Activity),
    "companies": (Company, CompanyLabel, Activity),
}
ENTITY = {"contacts": "contact", "companies": "company"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Cancelled(Exception):
    """Someone asked the run to stop; raised inside the transaction to roll it back."""


@contextmanager
def local_file(name: str) -> Iterator[Path]:
    """A path to the stored upload: the file itself on disk storage, else a temp copy."""
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:
        path = None
    if path is not None:
        if not path.exists():
            raise Invalid(_("The uploaded file is no longer there: upload it again."), field="file")
        yield path
        return
    suffix = Path(name).suffix
    with default_storage.open(name, "rb") as src, tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        shutil.copyfileobj(src, tmp)
        tmp.flush()
        yield Path(tmp.name)


def context_for(job: ImportJob, actor: Membership, headers: list[str]) -> Context:
    return Context.load(
        workspace=job.workspace,
        actor=actor,
        entity=ENTITY[job.entity],
        mapping={int(i): key for i, key in job.mapping.items()},
        headers=headers,
        options=Options.of(job.options),
    )


def preview(job: ImportJob, actor: Membership, limit: int = PREVIEW_ROWS) -> list[Row]:
    """The first `limit` rows as the run would treat them (nothing is written); each row
    has its `action` and, when rejected, `reason` as the rejected-rows file words it."""
    with local_file(job.file) as path:
        sniffed = reading.sniff(path, filename=job.filename)
        ctx = context_for(job, actor, sniffed.headers)
        rows = [ctx.clean(n, cells) for n, cells in islice(reading.iter_rows(path, sniffed), limit)]
    importer_for(ctx).plan(rows, lock=False)
    for row in rows:
        row.reason = ctx.reason(row.errors) if row.action == REJECT else ""
    return rows


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula, made inert (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


class Rejects:
    """The rejected rows as a CSV (row number, reason, the row's own cells), written as the
    run goes and stored only if the run commits."""

    def __init__(self, job: ImportJob, headers: list[str]):
        self.job = job
        folder = Path(settings.VAR_DIR) / "imports" / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in save/discard)
            "w", encoding="utf-8-sig", newline="", suffix=".csv", dir=folder, delete=False
        )
        self.writer = csv.writer(self.file)
        self.writer.writerow([_("Row"), _("Reason"), *headers])
        self.count = 0

    def add(self, number: int, reason: str, cells: list[str]) -> None:
        self.writer.writerow([number, reason, *(neutralise(c) for c in cells)])
        self.count += 1

    def save(self) -> str:
        self.file.close()
        path = Path(self.file.name)
        try:
            if not self.count:
                return ""
            name = f"imports/{self.job.workspace_id}/{self.job.pk}-{uuid.uuid4().hex}-rejected.csv"
            with open(path, "rb") as f:
                return default_storage.save(name, File(f))
        finally:
            path.unlink(missing_ok=True)

    def discard(self) -> None:
        self.file.close()
        Path(self.file.name).unlink(missing_ok=True)


def _actor(job: ImportJob) -> Membership:
    actor = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=job.workspace_id, user_id=job.created_by_id)
        .first()
    )
    if actor is None:
        raise Invalid(_("The member who started this import is no longer in the workspace."))
    return actor


def run(
    job_id: int,
    *,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    batch_size: int = BATCH,
    catch_up: bool = True,
) -> ImportJob | None:
    """Run a queued import to its end: done, failed or cancelled. A job that is not queued
    (cancelled before it started, or taken by another worker) is left alone.

    The search index of what the run wrote is made right after its commit
    (`search.index.catch_up`; `catch_up=False` leaves that to the caller, as the bench
    does to time the two apart). When this returns the rows are searchable, except any
    that an edit held at that moment or whose indexing failed: those stay noted for the
    next catch-up."""
    job = ImportJob.objects.select_related("workspace", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    if job.status == ImportStatus.QUEUED and channel.cancel_requested(job):
        _end(job, ImportStatus.CANCELLED, processed=0, only_from=ImportStatus.QUEUED)
        channel.forget(job.pk)
        job.refresh_from_db()
        return job
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        total=None,
        processed=0,
        created=0,
        updated=0,
        skipped=0,
        rejected=0,
        error="",
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.status = ImportStatus.RUNNING
    side = channel.open_channel(job.pk)
    progress = {"processed": 0}
    language = job.created_by.language if job.created_by else settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            _run(job, side, progress, on_progress, batch_size)
    except Cancelled:
        _end(job, ImportStatus.CANCELLED, processed=progress["processed"])
    except DomainError as exc:
        _end(job, ImportStatus.FAILED, processed=progress["processed"], error=exc.message)
    except Exception:
        logger.exception("import %s failed", job.pk)
        with translation.override(language):
            message = _("The import stopped on an unexpected error. Nothing was imported.")
        _end(job, ImportStatus.FAILED, processed=progress["processed"], error=message)
    finally:
        side.close()
    job.refresh_from_db()
    if catch_up and job.status == ImportStatus.DONE:
        _index(job)
    return job


def _analyze(job: ImportJob) -> None:
    """Fresh planner statistics after a big import on PostgreSQL, as the docs advise after
    any bulk load. Until autovacuum gets to it, a table that grew from a few rows to a
    million still looks small to the planner, which then read the whole workspace for
    each batch of the catch-up (and the lists picked plans for a small table)."""
    if connection.vendor != "postgresql" or job.created + job.updated < ANALYZE_AFTER:
        return
    tables = [m._meta.db_table for m in ANALYZED[job.entity]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _index(job: ImportJob) -> None:
    """Make the committed rows searchable. The job is done whatever happens here: what
    is left unindexed stays noted for the next catch-up (any import's, or `rapport
    manage search_catchup`)."""
    try:
        _analyze(job)
        if search_index.catch_up(job.workspace_id) >= search_index.COMPACT_AFTER:
            search_index.compact()  # searchable already; this keeps search fast
    except Exception:
        logger.exception(
            "import %s: indexing for search failed; left for the next catch-up", job.pk
        )


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector sweeps its young objects every 2,000 new
    containers; an import makes dozens a row (cells, values, tuples), so it swept every
    few dozen rows, 5-10% of the writer's time for nothing: the rows form no cycles but a
    repeated row's link to the row it repeats, freed at the batch's end by the next
    sweep. Fewer sweeps while a run writes (and in the child it forks, which inherits
    the setting), the usual ones after the last run of the process ends (runs on threads
    of one process overlap: the first raises, the last puts back)."""
    with _sweeps["lock"]:
        if not _sweeps["runs"]:
            _sweeps["before"] = gc.get_threshold()
            gc.set_threshold(YOUNG_SWEEP, *_sweeps["before"][1:])
        _sweeps["runs"] += 1
    try:
        yield
    finally:
        with _sweeps["lock"]:
            _sweeps["runs"] -= 1
            if not _sweeps["runs"]:
                gc.set_threshold(*_sweeps["before"])


_sweeps: dict = {"lock": threading.Lock(), "runs": 0, "before": None}


def _run(job, side, progress, on_progress, batch_size) -> None:
    actor = _actor(job)
    with local_file(job.file) as path:
        sniffed = reading.sniff(path, filename=job.filename)
        if sniffed.headers != job.headers:
            raise Invalid(_("The file's columns changed since they were mapped."), field="file")
        total = reading.count_rows(path, sniffed)
        ImportJob.objects.filter(pk=job.pk).update(total=total)
        rejects = Rejects(job, sniffed.headers)
        try:
            with (
                fewer_collections(),
                sqlite_page_cache(SQLITE_CACHE_KIB),
                transaction.atomic(durable=True),
            ):
                counts = _write(
                    job,
                    actor,
                    path,
                    sniffed,
                    total,
                    side,
                    rejects,
                    progress,
                    on_progress,
                    batch_size,
                )
                if side.cancelled():
                    raise Cancelled
                finished = timezone.now()
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.DONE,
                    total=progress["processed"],
                    processed=progress["processed"],
                    finished_at=finished,
                    rejected_file=rejects.save(),
                    **counts,
                )
                record_activity(
                    workspace=job.workspace,
                    actor=actor,
                    verb="import.done",
                    target=job,
                    target_type="import",
                    summary=job.filename,
                    changes={name: [None, n] for name, n in counts.items()},
                )
        except BaseException:
            rejects.discard()
            raise
    # The rows are in; the upload is no longer needed (and holds personal data).
    default_storage.delete(job.file)
    ImportJob.objects.filter(pk=job.pk).update(file="")


def _write(job, actor, path, sniffed, total, side, rejects, progress, on_progress, batch_size):
    ctx = context_for(job, actor, sniffed.headers)
    importer = importer_for(ctx)

    def cleaned() -> Iterator[list[Row]]:
        for batch in _batches(reading.iter_rows(path, sniffed), batch_size):
            yield [ctx.clean(number, cells) for number, cells in batch]

    def packed() -> Iterator[list[tuple]]:
        for rows in cleaned():
            yield [row.pack() for row in rows]

    language = translation.get_language()
    if total >= APART_FROM and ahead.forking():
        reader = ahead.Apart(packed, language=language)
        unpack = Row.unpack
    else:
        reader, unpack = ahead.Ahead(cleaned, language=language), None
    update = ctx.options.on_duplicate == "update"
    with reader as batches, sending.sending(connection) as sender:
        held: frozenset = frozenset()  # the keys of the batch the sender has not got yet
        for batch in batches:
            if side.cancelled():
                raise Cancelled
            rows = [unpack(item) for item in batch] if unpack else batch
            if sender is not None:
                sender.wait()  # the batch before last is in the database
                if update and held and any(r.key in held for r in rows):
                    sender.flush()  # an update reads the row it repeats: send it first
                    held = frozenset()
            _write_batch(importer, ctx, rows, rejects, side, progress, on_progress, sender, held)
            if sender is not None:
                held = importer.written_keys(rows)
    return dict(importer.counts)


def _write_batch(importer, ctx, rows, rejects, side, progress, on_progress, sender, held):
    """Plan and write one batch. With a sender (PostgreSQL), the last batch's inserts are
    sent once this one has read what it needs, and go to the server while this one is
    made (`sending`)."""
    importer.plan(rows, lock=True, held=held)
    if sender is not None:
        sender.release()
    importer.apply(rows)
    for row in rows:
        if row.action == REJECT:
            rejects.add(row.number, ctx.reason(row.errors), row.cells)
    progress["processed"] += len(rows)
    progress.update(importer.counts)
    side.report(progress)
    if on_progress is not None:
        on_progress(dict(progress))


def _end(job: ImportJob, status: str, *, processed: int, error: str = "", only_from=None) -> None:
    """Record how a run ended without rows: nothing was written, so no counts."""
    qs = ImportJob.objects.filter(pk=job.pk)
    if only_from:
        qs = qs.filter(status=only_from)
    ended = qs.update(
        status=status,
        error=error,
        finished_at=timezone.now(),
        processed=processed,
        created=0,
        updated=0,
        skipped=0,
        rejected=0,
        rejected_file="",
    )
    if ended:
        actor = Membership.objects.filter(
            workspace_id=job.workspace_id, user_id=job.created_by_id
        ).first()
        record_activity(
            workspace=job.workspace,
            actor=actor,
            verb=f"import.{status}",
            target=job,
            target_type="import",
            summary=job.filename,
            changes={"error": [None, error]} if error else None,
        )
