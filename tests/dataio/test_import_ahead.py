"""The read-ahead thread of an import: items in order, errors where they belong, no
database, the job's language, and nothing left running when the writer stops early."""

import itertools
import threading

import pytest
from django.utils.translation import gettext

from rapport.customers.models import Contact
from rapport.dataio.importing.ahead import Ahead


def test_items_arrive_in_order():
    with Ahead(lambda: iter(range(50))) as ahead:
        assert list(ahead) == list(range(50))


def test_an_error_in_the_reader_is_raised_to_the_writer_after_the_items_before_it():
    def make():
        yield 1
        yield 2
        raise ValueError("row 3 could not be read")

    got = []

    def drain():
        with Ahead(make) as ahead:
            got.extend(ahead)

    with pytest.raises(ValueError, match="row 3"):
        drain()
    assert got == [1, 2]


def test_a_writer_that_stops_early_stops_the_reader():
    produced = itertools.count()

    with Ahead(lambda: produced) as ahead:
        for item in ahead:
            if item == 3:
                break
    assert not any(t.name == "import-read-ahead" for t in threading.enumerate())
    assert next(produced) <= 3 + 2 + 2  # at most the queue's depth and one in hand ahead


def test_the_writer_raising_stops_the_reader():
    def write():
        with Ahead(itertools.count) as ahead:
            for _item in ahead:
                raise KeyError("cancelled")

    with pytest.raises(KeyError):
        write()
    assert not any(t.name == "import-read-ahead" for t in threading.enumerate())


@pytest.mark.django_db
def test_the_reader_may_not_query_the_database():
    def make():
        yield Contact.objects.count()

    with pytest.raises(RuntimeError, match="must not query"), Ahead(make) as ahead:
        list(ahead)


def test_the_reader_speaks_the_job_language():
    with Ahead(lambda: iter([gettext("Enter a valid email address.")]), language="pl") as ahead:
        (message,) = list(ahead)
    assert message != "Enter a valid email address."
    assert "e-mail" in message.lower()
