"""Several catch-ups at once (a worker per import, an operator's cron) index every noted
record once and leave nothing noted. They commit for real: each runs on its own
connection, on PostgreSQL at the same moment (on SQLite one after the other, see
`tests.concurrency`)."""

import pytest

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
