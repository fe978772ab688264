"""Reads of import jobs. A job is visible to the member who made it and to admins; for
anyone else it does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.core.models import Membership, Workspace
from rapport.dataio.importing import channel
from rapport.dataio.models import ImportJob, ImportStatus


def import_visible(*, workspace: Workspace, actor: Membership) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.filter(workspace=workspace)
    if not actor.is_admin:
        qs = qs.filter(created_by_id=actor.user_id)
    return qs


def import_get(
    *, workspace: Workspace, actor: Membership, job_id: int, for_update: bool = False
) -> ImportJob:
    qs = import_visible(workspace=workspace, actor=actor).select_related("created_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    job = qs.filter(pk=job_id).first()
    if job is None:
        raise NotFound("Import not found.")
    return job


@dataclass(frozen=True)
class Progress:
    status: str
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    rejected: int

    @property
    def fraction(self) -> float:
        """0..1: done rows of the total (1 once finished, 0 before it is counted)."""
        if self.status == ImportStatus.DONE:
            return 1.0
        if not self.total:
            return 0.0
        return min(1.0, self.processed / self.total)

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


def import_progress(*, job: ImportJob) -> Progress:
    """Where the job stands, with a running job's live counters (see `importing.channel`)."""
    counts = channel.read_progress(job)
    return Progress(status=job.status, total=job.total, **counts)


def import_cancelling(*, job: ImportJob) -> bool:
    return job.status == ImportStatus.RUNNING and channel.cancel_requested(job)


def import_samples(*, job: ImportJob, rows: int = 5, per_column: int = 3) -> list[list[str]]:
    """Up to `per_column` values of each column from the file's first `rows` rows, for
    the mapping page (a column is easier to place when you see what is in it)."""
    from itertools import islice

    from rapport.dataio import reading
    from rapport.dataio.importing import local_file

    samples: list[list[str]] = [[] for _ in job.headers]
    with local_file(job.file) as path:
        sniffed = reading.sniff(path, filename=job.filename)
        for _number, cells in islice(reading.iter_rows(path, sniffed), rows):
            for i, cell in enumerate(cells[: len(samples)]):
                cell = cell.strip()
                if cell and len(samples[i]) < per_column:
                    samples[i].append(cell[:60])
    return samples
