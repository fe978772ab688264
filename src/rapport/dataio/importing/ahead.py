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

A thread only gets the time the database leaves: reading and cleaning a row costs
~19 µs of Python, the writer's own Python ~30 µs more, and both want the GIL. For a
big file `Apart` does the same in a forked child process, which has a core (and a GIL)
of its own; the batches come back pickled through a pipe (~5 µs a row both ways).
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, connections
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


def forking() -> bool:
    """Whether `Apart` may run here: fork exists (Linux, the BSDs, macOS; the child starts
    from the parent's state, the run's `Context`, instead of setting Django up again)
    and this process runs no other thread. A child forked beside other threads inherits
    any lock one of them held at that moment, never to be released (Python warns of it).
    The worker and the CLI run one thread; a threaded server running an import inline
    reads ahead on a thread instead."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon  # which may not start children
    )


class Apart:
    """`Ahead`, in a forked child process.

    The child inherits the parent's database connections, live, in the middle of the
    import's transaction: a byte it sent on one would mix with the parent's (a refused
    query may still send one: closing a server-side cursor asks the server about it).
    So the child first takes them off Django's hands without closing them (`_cut_off`):
    any query there fails before it has a connection. It ends with `os._exit`
    (multiprocessing's way), which closes nothing, so PostgreSQL sees no goodbye on the
    shared socket and SQLite keeps the parent's locks. Items cross the pipe pickled; the
    child blocks while the pipe is full, about one batch ahead of the writer."""

    def __init__(self, make: Callable[[], Iterator[Any]], *, language: str | None = None):
        context = multiprocessing.get_context("fork")
        self._receive, self._send = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_produce,
            args=(make, language, self._send, self._receive),
            name="import-read-ahead",
            daemon=True,
        )

    def __enter__(self) -> Apart:
        self._child.start()
        self._send.close()  # the child's end: the parent would keep the pipe from breaking
        return self

    def __exit__(self, *exc) -> None:
        self._receive.close()  # a child still sending gets a broken pipe and ends
        self._child.join(timeout=5)
        if self._child.is_alive():
            self._child.kill()
            self._child.join()

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                kind, item = pickle.loads(self._receive.recv_bytes())
            except (EOFError, OSError):  # the child died (killed, out of memory), maybe
                self._child.join(timeout=5)  # half way through a message
                code = self._child.exitcode
                message = f"The import's reader ended unexpectedly (exit code {code})."
                raise RuntimeError(message) from None
            if kind == "end":
                return
            if kind == "error":
                raise _rebuilt(*item)
            yield item


class ChildTraceback(Exception):
    """Where an error happened in the child: the cause of the error the writer raises,
    so the log of a failed import shows the child's own stack."""

    def __str__(self) -> str:
        return self.args[0]


def _rebuilt(pickled: bytes | None, words: str, where: str) -> BaseException:
    """The child's error as the parent raises it; in words when it cannot be rebuilt (an
    exception whose constructor wants other arguments than it keeps)."""
    try:
        error = pickle.loads(pickled) if pickled is not None else RuntimeError(words)
    except Exception:
        error = RuntimeError(words)
    error.__cause__ = ChildTraceback(where)
    return error


_inherited: list = []  # the parent's connections, kept from the child's garbage collector


def _cut_off() -> None:
    """In the child: take the inherited connections off Django's hands, unclosed (closing
    one would end the parent's session; collecting one would close it, so they are kept),
    and refuse to open new ones."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited.append(conn.connection)
            conn.connection = None
        conn.connect = _refuse


def _refuse(*args, **kwargs):
    raise RuntimeError(NO_QUERIES)


def _produce(make, language, send, receive) -> None:
    """The child: make the items and send them, then "end" (or the error)."""
    receive.close()  # inherited: while it is open here, a writer gone is never noticed

    def put(kind: str, item) -> None:
        send.send_bytes(pickle.dumps((kind, item), protocol=pickle.HIGHEST_PROTOCOL))

    try:
        _cut_off()  # refuses any query before it reaches a connection
        with translation.override(language):
            for item in make():
                put("item", item)
        put("end", None)
    except (BrokenPipeError, ConnectionResetError):
        return  # the writer stopped reading: nothing is waiting for the rest
    except BaseException as exc:
        try:
            pickled = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an error that does not pickle: its words still arrive
            pickled = None
        try:
            put("error", (pickled, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        except (BrokenPipeError, ConnectionResetError):
            return


NO_QUERIES = "The import's read-ahead thread must not query the database."


def _no_queries(execute, sql, params, many, context):
    raise RuntimeError(NO_QUERIES)
