"""PostgreSQL: the import's COPYs go to the server from a thread, while the writer makes
the next batch.

A run on PostgreSQL spent as long waiting for the server (COPY, the foreign-key checks)
as making rows in Python, one after the other. Here the writer's inserts of a batch are
held (`hold`), handed to a sender thread once the next batch has asked the database what
it needs (`release`), and sent while the writer builds that next batch; the writer waits
for them (`wait`) before its next question. Both threads use the run's one connection, so
everything stays in the run's one transaction: psycopg's connection lock takes their
statements one at a time, and `wait` keeps the writer's questions from seeing a batch
half sent.

The foreign keys stay checked at the commit, as Django declares them (deferred). Checked
by each statement instead, they measured no faster here, and their row locks (KEY SHARE
on the workspace, the companies, labels and teams the rows name) would be held from the
first batch to the commit, blocking every edit that locks one of those rows for update.
A statement the server refuses on the sender (a NOT NULL, a unique index) fails the run:
the writer raises that error at its next step.

Ids for `RETURNING` come from the table's sequence in blocks (`ids`), so building a batch
asks the database nothing at all in the common case.

Leaving the `Sender` (an error, a cancel) drops what was not sent and waits for the
statement in flight, so nothing reaches the connection after the run's transaction ends.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DatabaseError

from rapport.dataio.importing import sql

ID_BLOCK = 10_000  # ids drawn from a sequence at once
_active: contextvars.ContextVar[Sender | None] = contextvars.ContextVar("import_sender")
_STOP = object()


def active() -> Sender | None:
    """The sender of the run on this thread, if any."""
    return _active.get(None)


class Sender:
    def __init__(self, connection):
        self.connection = connection  # Django's
        self.raw = connection.connection  # psycopg's: the one the thread writes on
        self.held: list[tuple[str, list[str], Sequence]] = []
        self.jobs: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.dropping = False
        self._pools: dict[str, deque[int]] = {}
        self._thread = threading.Thread(target=self._send, name="import-sender", daemon=True)

    # --- the writer's side -----------------------------------------------------------------

    def hold(self, statement: str, types: list[str], rows: Sequence) -> None:
        """`COPY … FROM STDIN` of `rows` (binary, of `types`), to send at the next
        `release`."""
        self.raise_error()
        self.held.append((statement, types, rows))

    def release(self) -> None:
        """Start sending what is held, in the order it was held."""
        self.raise_error()
        for job in self.held:
            self.jobs.put(job)
        self.held = []

    def wait(self) -> None:
        """Until everything released is sent; raises the sender's error, if it met one."""
        self.jobs.join()
        self.raise_error()

    def flush(self) -> None:
        self.release()
        self.wait()

    def ids(self, sequence: str, count: int) -> list[int]:
        """`count` new ids of `sequence`, in increasing order."""
        self.raise_error()
        pool = self._pools.setdefault(sequence, deque())
        if len(pool) < count:
            pool.extend(sql.next_ids(sequence, max(count - len(pool), ID_BLOCK)))
        return [pool.popleft() for _ in range(count)]

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    # --- the thread ------------------------------------------------------------------------

    def _send(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is _STOP:
                    return
                if self.error is None and not self.dropping:
                    statement, types, rows = job
                    # Django's wrapper turns psycopg's errors into Django's, as the
                    # writer's own statements raise them.
                    with self.connection.wrap_database_errors, self.raw.cursor() as cursor:
                        sql.copy_rows(cursor, statement, types, rows)
            except BaseException as exc:  # raised in the writer, at its next step
                self.error = exc
            finally:
                self.jobs.task_done()

    def _stop(self, *, ok: bool) -> None:
        if not ok:
            # Drop what is held and queued; the statement in flight ends as it will (the
            # transaction is rolled back after this returns).
            self.held = []
            self.dropping = True
        self.jobs.put(_STOP)
        self._thread.join()


@contextmanager
def sending(connection) -> Iterator[Sender | None]:
    """A `Sender` for the run inside this block (PostgreSQL; None elsewhere). The block
    must sit inside the run's transaction: everything is sent before it ends normally."""
    if connection.vendor != "postgresql":
        yield None
        return
    connection.ensure_connection()  # the thread writes on psycopg's connection itself
    sender = Sender(connection)
    sender._thread.start()
    token = _active.set(sender)
    try:
        yield sender
        sender.flush()
    except BaseException as exc:
        _active.reset(token)
        sender._stop(ok=False)
        failed = sender.error
        if failed is not None and failed is not exc and isinstance(exc, DatabaseError):
            # The writer's own statement failed only because the sender's had aborted the
            # transaction ("current transaction is aborted"): the sender's is the cause.
            # (Anything else, a cancel above all, stays what it is.)
            failed.add_note(f"(the writer then met: {exc!r})")
            raise failed from None
        raise
    _active.reset(token)
    sender._stop(ok=True)
