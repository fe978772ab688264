"""Progress and the cancel flag of a running import, outside the run's transaction.

The run writes every row inside one transaction, so nothing it writes there can be seen
before it ends. The polling page still needs "12,000 of 100,000" and a canceller needs a
way to say stop. Where that travels depends on the database:

- PostgreSQL: a second connection in autocommit updates the job row's counters and reads
  its `cancel_requested` column, which the canceller sets with an ordinary UPDATE. The
  run's own transaction never touches the job row until its last statement, so neither
  side waits on the other's row lock.
- SQLite: the run holds the database's only write lock for its whole length, so no other
  connection can write the job row. Progress goes to a small JSON file under
  `VAR_DIR/imports/run/` (replaced atomically), the cancel flag is a file beside it.
  SQLite lives on one machine, so a file is as shared as the database is.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from rapport.dataio.models import ImportJob

COUNTERS = ("processed", "created", "updated", "skipped", "rejected")


def _dir() -> Path:
    """Per database, so that two installs (or test runs) sharing a var dir never read each
    other's flags; an in-memory database belongs to one process, so its pid is added."""
    name = str(connection.settings_dict["NAME"])
    if "memory" in name:
        name += f"-{os.getpid()}"
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = Path(settings.VAR_DIR) / "imports" / "run" / key
    path.mkdir(parents=True, exist_ok=True)
    return path


def _uses_files() -> bool:
    return connection.vendor != "postgresql"


class Channel:
    def report(self, progress: dict[str, int]) -> None:
        raise NotImplementedError

    def cancelled(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        pass


class FileChannel(Channel):
    def __init__(self, job_id: int):
        self.job_id = job_id
        self.progress = _dir() / f"{job_id}.json"
        self.flag = _dir() / f"{job_id}.cancel"

    def report(self, progress: dict[str, int]) -> None:
        part = self.progress.with_suffix(".part")
        part.write_text(json.dumps(progress))
        os.replace(part, self.progress)  # readers see the old file or the new, never half

    def cancelled(self) -> bool:
        return self.flag.exists()

    def close(self) -> None:
        self.progress.unlink(missing_ok=True)
        self.flag.unlink(missing_ok=True)


class SideConnectionChannel(Channel):
    def __init__(self, job_id: int):
        self.job_id = job_id
        # Not registered in `connections`: nothing else may run on it by accident.
        main = connections[DEFAULT_DB_ALIAS]
        self.db = type(main)(dict(main.settings_dict), alias="import-progress")
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        sets = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in COUNTERS)
        self.update_sql = f"UPDATE {table} SET {sets} WHERE id = %s"
        self.cancel_sql = f"SELECT cancel_requested FROM {table} WHERE id = %s"

    def report(self, progress: dict[str, int]) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(self.update_sql, [progress.get(n, 0) for n in COUNTERS] + [self.job_id])

    def cancelled(self) -> bool:
        with self.db.cursor() as cursor:
            cursor.execute(self.cancel_sql, [self.job_id])
            row = cursor.fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self.db.close()


def open_channel(job_id: int) -> Channel:
    return FileChannel(job_id) if _uses_files() else SideConnectionChannel(job_id)


def request_cancel(job: ImportJob) -> None:
    """Ask a running (or queued) import to stop; it rolls back at its next batch."""
    if _uses_files():
        (_dir() / f"{job.pk}.cancel").touch()
    else:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)


def cancel_requested(job: ImportJob) -> bool:
    if _uses_files():
        return (_dir() / f"{job.pk}.cancel").exists()
    return ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def read_progress(job: ImportJob) -> dict[str, int]:
    """The running job's latest counters (the job row's own on PostgreSQL)."""
    progress = {name: getattr(job, name) for name in COUNTERS}
    if _uses_files() and job.status == "running":
        try:
            progress.update(json.loads((_dir() / f"{job.pk}.json").read_text()))
        except (OSError, ValueError):
            pass  # not started writing yet
    return progress


def forget(job_id: int) -> None:
    """Remove what a finished run left behind (SQLite's files; nothing on PostgreSQL)."""
    if _uses_files():
        FileChannel(job_id).close()
