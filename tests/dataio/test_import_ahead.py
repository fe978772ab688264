"""The read-ahead of an import, on a thread (`Ahead`) and in a forked child (`Apart`):
items in order, errors where they belong, no database, the job's language, and nothing
left running when the writer stops early."""

import itertools
import multiprocessing
import os
import signal
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils.translation import gettext

from rapport.core.errors import Invalid
from rapport.customers.models import Contact
from rapport.dataio.importing.ahead import Ahead, Apart, ChildTraceback, forking
from tests.customers.factories import make_contact

# The test process runs threads (pytest-xdist's); the children forked here only make items.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)
FORK = "fork" in multiprocessing.get_all_start_methods()
KINDS = [Ahead, pytest.param(Apart, marks=pytest.mark.skipif(not FORK, reason="no fork"))]


@pytest.fixture(params=KINDS, ids=["thread", "process"])
def kind(request):
    return request.param


def _nothing_left_running() -> bool:
    threads = any(t.name == "import-read-ahead" for t in threading.enumerate())
    return not threads and not multiprocessing.active_children()


def test_items_arrive_in_order(kind):
    with kind(lambda: iter(range(50))) as ahead:
        assert list(ahead) == list(range(50))


def test_an_error_in_the_reader_is_raised_to_the_writer_after_the_items_before_it(kind):
    def make():
        yield 1
        yield 2
        raise ValueError("row 3 could not be read")

    got = []

    def drain():
        with kind(make) as ahead:
            got.extend(ahead)

    with pytest.raises(ValueError, match="row 3"):
        drain()
    assert got == [1, 2]
    assert _nothing_left_running()


def test_a_domain_error_keeps_its_field_and_words(kind):
    def make():
        raise Invalid("The file is not UTF-8.", field="file")
        yield

    with pytest.raises(Invalid) as caught, kind(make) as ahead:
        list(ahead)
    assert (caught.value.message, caught.value.field) == ("The file is not UTF-8.", "file")


def test_a_writer_that_stops_early_stops_the_reader(kind):
    with kind(itertools.count) as ahead:
        for item in ahead:
            if item == 3:
                break
    assert _nothing_left_running()


def test_the_writer_raising_stops_the_reader(kind):
    def write():
        with kind(itertools.count) as ahead:
            for _item in ahead:
                raise KeyError("cancelled")

    with pytest.raises(KeyError):
        write()
    assert _nothing_left_running()


def test_the_thread_stays_at_most_its_queue_ahead():
    produced = itertools.count()

    with Ahead(lambda: produced) as ahead:
        for item in ahead:
            if item == 3:
                break
    assert next(produced) <= 3 + 2 + 2  # at most the queue's depth and one in hand ahead


@pytest.mark.django_db
def test_the_reader_may_not_query_the_database(kind):
    def make():
        yield Contact.objects.count()

    with pytest.raises(RuntimeError, match="must not query"), kind(make) as ahead:
        list(ahead)


def test_no_fork_beside_another_thread():
    # A thread holding a lock at the fork would leave it held in the child for good.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forking()
    finally:
        stop.set()
        other.join()


@pytest.mark.skipif(not FORK, reason="no fork")
@pytest.mark.django_db(transaction=True)
def test_the_child_leaves_the_parents_connection_working(member):
    # The child holds a copy of the open connection (on PostgreSQL, its socket): ending
    # it must not close the session the import's transaction lives in.
    connection.ensure_connection()
    with Apart(lambda: iter(range(3))) as ahead:
        assert list(ahead) == [0, 1, 2]
    assert Contact.objects.filter(workspace=member.workspace).count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.skipif(not FORK, reason="no fork")
@pytest.mark.django_db(transaction=True)
def test_a_refused_query_in_the_child_sends_nothing_on_the_parents_connection(member):
    # A server-side cursor's query is refused too, before the child holds a connection:
    # on the inherited one its cleanup would have talked to the parent's session.
    make_contact(member, first_name="Ada")
    with transaction.atomic():
        make_contact(member, first_name="Alan")  # inside the parent's transaction

        def make():
            yield [c.first_name for c in Contact.objects.iterator(chunk_size=10)]

        pg = connection.vendor == "postgresql"
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
        with pytest.raises(RuntimeError, match="must not query"), Apart(make) as ahead:
            list(ahead)
        if pg:  # the last statement of the parent's session, as another session sees it
            assert _elsewhere(_last_query, pid) == "SELECT pg_backend_pid()"
        names = sorted(Contact.objects.values_list("first_name", flat=True))
    assert names == ["Ada", "Alan"]


def _last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def _elsewhere(fn, *args):
    """`fn(*args)` on another thread, hence on a connection of its own."""
    result = []

    def target():
        try:
            result.append(fn(*args))
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    return result[0]


@pytest.mark.skipif(not FORK, reason="no fork")
def test_the_childs_stack_is_the_cause_of_its_error():
    def check_row_seven():
        return 1 / 0

    def make():
        yield check_row_seven()

    with pytest.raises(ZeroDivisionError) as caught, Apart(make) as ahead:
        list(ahead)
    assert isinstance(caught.value.__cause__, ChildTraceback)
    assert "check_row_seven" in str(caught.value.__cause__)


@pytest.mark.skipif(not FORK, reason="no fork")
def test_an_error_that_cannot_be_rebuilt_arrives_in_words():
    class RowError(Exception):
        def __init__(self, row, why):
            super().__init__(f"row {row}: {why}")

    def make():
        raise RowError(4, "bad date")
        yield

    with pytest.raises(RuntimeError, match="RowError: row 4: bad date"), Apart(make) as ahead:
        list(ahead)


@pytest.mark.skipif(not FORK, reason="no fork")
def test_a_child_killed_half_way_is_an_error_not_a_short_file():
    def make():
        yield 1
        os.kill(os.getpid(), signal.SIGKILL)
        yield 2

    got = []
    with pytest.raises(RuntimeError, match="ended unexpectedly"), Apart(make) as ahead:
        got.extend(ahead)
    assert got == [1]


@pytest.mark.skipif(not FORK, reason="no fork")
def test_an_error_that_does_not_pickle_still_arrives_in_words():
    class Odd(Exception):
        def __reduce__(self):
            raise TypeError("no pickling")

    def make():
        raise Odd("row 9 is odd")
        yield

    with pytest.raises(RuntimeError, match="Odd: row 9 is odd"), Apart(make) as ahead:
        list(ahead)


def test_the_reader_speaks_the_job_language(kind):
    with kind(lambda: iter([gettext("Enter a valid email address.")]), language="pl") as ahead:
        (message,) = list(ahead)
    assert message != "Enter a valid email address."
    assert "e-mail" in message.lower()
