"""Catch-ups beside each other and beside edits: several at once (a worker per import, an
operator's cron) index every noted record and leave nothing noted; a record another
transaction holds is noted again rather than waited for; a bad noted row stops nothing.
They commit for real: each runs on its own connection, on PostgreSQL at the same moment
(on SQLite one after the other, see `tests.concurrency`)."""

import threading

import pytest
from django.db import connection, connections, transaction

from rapport.customers.models import Contact
from rapport.search import index
from rapport.search.models import Entry, Pending
from tests.concurrency import together
from tests.customers.factories import make_contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_catch_ups_index_every_noted_record_once(owner):
    workspace = owner.workspace
    contacts = [
        make_contact(owner, first_name=f"Person{n}", email=f"p{n}@acme.test") for n in range(40)
    ]
    Entry.objects.filter(workspace=workspace, kind="contact").delete()
    for contact in contacts:  # a noted row each, for the catch-ups to share
        index.defer(workspace.pk, "contact", [contact.pk])
    done = []

    def catch_up():
        done.append(index.catch_up(workspace.pk, batch_size=1))

    assert together([catch_up, catch_up, catch_up]) == []

    assert sum(done) == len(contacts)
    assert not Pending.objects.exists()
    indexed = Entry.objects.filter(workspace=workspace, kind="contact")
    assert sorted(indexed.values_list("object_id", flat=True)) == sorted(c.pk for c in contacts)
    assert set(indexed.values_list("title", flat=True)) == {
        f"Person{n} Lovelace" for n in range(40)
    }


def test_catch_ups_noting_the_same_records_both_finish(owner):
    workspace = owner.workspace
    contacts = [make_contact(owner, first_name=f"P{n}", email=f"q{n}@acme.test") for n in range(30)]
    Entry.objects.filter(workspace=workspace, kind="contact").delete()
    for _ in range(2):  # two imports updating the same records, say
        index.defer(workspace.pk, "contact", [c.pk for c in contacts])

    def catch_up():
        index.catch_up(workspace.pk, batch_size=1)

    assert together([catch_up, catch_up]) == []
    index.catch_up(workspace.pk)  # what one of them found held, if any

    assert not Pending.objects.exists()
    indexed = Entry.objects.filter(workspace=workspace, kind="contact")
    assert sorted(indexed.values_list("object_id", flat=True)) == sorted(c.pk for c in contacts)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks: on SQLite the catch-up's transaction holds the only write lock",
)
def test_a_record_held_by_an_edit_is_left_noted_for_later_not_waited_for(owner):
    workspace = owner.workspace
    held, free = make_contact(owner, first_name="Held"), make_contact(owner, first_name="Free")
    Entry.objects.filter(workspace=workspace, kind="contact").delete()
    index.defer(workspace.pk, "contact", [held.pk, free.pk])
    locked, release = threading.Event(), threading.Event()

    def edit():
        with transaction.atomic():
            list(Contact.objects.filter(pk=held.pk).select_for_update())
            locked.set()
            release.wait(timeout=30)
        connections.close_all()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert locked.wait(timeout=30)
        assert index.catch_up(workspace.pk) == 1  # did not wait for the edit
    finally:
        release.set()
        editor.join(timeout=30)

    assert list(Pending.objects.values_list("ids", flat=True)) == [[held.pk]]
    assert index.catch_up(workspace.pk) == 1
    assert sorted(Entry.objects.values_list("title", flat=True)) == [
        "Free Lovelace",
        "Held Lovelace",
    ]


def test_a_noted_row_that_fails_does_not_hold_up_the_others(owner, caplog):
    workspace = owner.workspace
    ada = make_contact(owner, first_name="Ada")
    Entry.objects.filter(workspace=workspace, kind="contact").delete()
    bad = Pending.objects.create(workspace_id=workspace.pk, kind="contact", ids=["not an id"])
    index.defer(workspace.pk, "contact", [ada.pk])

    with pytest.raises(index.Stuck) as stuck:
        index.catch_up(workspace.pk)

    assert stuck.value.pks == [bad.pk]
    assert stuck.value.done == 1
    assert list(Pending.objects.values_list("pk", flat=True)) == [bad.pk]
    assert list(Entry.objects.values_list("object_id", flat=True)) == [ada.pk]
    assert "left for later" in caplog.text
