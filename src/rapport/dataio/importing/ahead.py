"""Reading and cleaning the next batches while the current one is written.

An import's time is half Python (reading the file, checking each row) and half the
database (inserts and their indexes). Python's sqlite3 and psycopg let go of the GIL
while the database works, so a second thread can read and clean the next batch in that
time. Cleaning needs nothing from the database (`rows.Context.clean` checks against what
`Context.load` read before the run), so the thread never opens a connection: any query
it tried would fail loudly (`_no_queries`) rather than run outside the import's
transaction.

The queue holds at most `DEPTH` batches (and the thread one more it is cleaning), so
memory stays flat however long the file is; an error in the thread (a malformed file)
is raised in the writer where it would have been raised without the thread, after the
batches before it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.utils import translation

DEPTH = 2
_END = object()


class Ahead:
    """Iterate `make()`'s items, produced by a thread one or two items ahead. Use it as a
    context manager: leaving it (also on an error or a cancel) stops the thread."""

    def __init__(self, make: Callable[[], Iterator[Any]], *, language: str | None = None):
        self._make = make
        self._language = language
        self._queue: queue.Queue = queue.Queue(maxsize=DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="import-read-ahead", daemon=True)

    def __enter__(self) -> Ahead:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, item = self._queue.get()
            if kind is _END:
                return
            if kind is BaseException:
                raise item
            yield item

    def _fill(self) -> None:
        try:
            with translation.override(self._language), connection.execute_wrapper(_no_queries):
                for item in self._make():
                    if not self._put((None, item)):
                        return
        except BaseException as exc:  # handed to the writer, which decides
            self._put((BaseException, exc))
            return
        finally:
            connection.close()  # only if a refused query opened one
        self._put((_END, None))

    def _put(self, entry: tuple) -> bool:
        """Queue `entry`, waiting for room; False once the reader has stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


def _no_queries(execute, sql, params, many, context):
    raise RuntimeError("The import's read-ahead thread must not query the database.")
