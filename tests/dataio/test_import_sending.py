"""The import's sender (PostgreSQL): a batch's inserts go to the server from a thread while
the writer makes the next batch; an error there fails the run, and nothing is sent after
the run's transaction ends."""

import pytest
from django.db import IntegrityError, connection, transaction

from rapport.core.models import Category
from rapport.customers.models import Contact, ContactLabel
from rapport.dataio import importing, services
from rapport.dataio.importing import sending, sql
from rapport.dataio.importing.writers import CONTACT_COLUMNS, LINK_COLUMNS, ContactImporter
from rapport.dataio.models import ImportJob
from tests.customers.factories import make_contact
from tests.dataio.import_factories import draft, table_counts

HEAD = ["First name", "Last name", "Email", "Phone", "Company"]

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the sender is PostgreSQL's (SQLite writes inline)"
)


def _queued(actor, rows, **options):
    job = draft(actor, rows)
    if options:
        services.import_update(
            workspace=actor.workspace, actor=actor, job_id=job.pk, options=options
        )
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    return job


@pytest.mark.django_db
def test_a_repeat_of_the_batch_not_sent_yet_is_skipped(member):
    # Batches of two: the row repeating "p0" comes while the batch that has it is still
    # held by the sender, so the database cannot know it yet.
    rows = [HEAD] + [[f"P{i}", "", f"p{i % 3}@x.test", "", ""] for i in range(9)]
    job = importing.run(_queued(member, rows).pk, batch_size=2)

    assert (job.status, job.created, job.skipped) == ("done", 3, 6)
    names = Contact.objects.filter(workspace=member.workspace).order_by("first_name")
    assert [c.first_name for c in names] == ["P0", "P1", "P2"]


@pytest.mark.django_db
def test_an_update_of_the_batch_not_sent_yet_reads_it_after_sending_it(member):
    rows = [HEAD, ["Ada", "One", "ada@x.test", "", ""], ["Bo", "", "bo@x.test", "", ""]]
    rows += [["Ada", "Two", "ada@x.test", "+31 20 123 4567", ""]]
    job = importing.run(_queued(member, rows, on_duplicate="update").pk, batch_size=2)

    assert (job.status, job.created, job.updated) == ("done", 2, 1)
    ada = Contact.objects.get(workspace=member.workspace, email="ada@x.test")
    assert (ada.first_name, ada.last_name, ada.phone, ada.version) == (
        "Ada",
        "Two",
        "+31 20 123 4567",
        2,
    )


@pytest.mark.django_db(transaction=True)
def test_a_row_a_foreign_key_refuses_fails_the_run_and_leaves_nothing(member, monkeypatch):
    """Keys are checked at the commit on both databases (the link is sent by the sender
    on PostgreSQL): the commit fails and the run fails whole."""
    make_contact(member, first_name="Old", email="old@x.test", label_ids=[])
    before = table_counts(member.workspace)
    real = ContactImporter.label_ids
    missing = (Category.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 999

    def label_ids(self, row, ids):
        return [missing] if row.number == 15 else real(self, row, ids)

    monkeypatch.setattr(ContactImporter, "label_ids", label_ids)
    rows = [HEAD] + [[f"P{i}", "", f"p{i}@x.test", "", ""] for i in range(30)]

    job = importing.run(_queued(member, rows).pk, batch_size=10)

    assert job.status == "failed"
    assert job.error == "The import stopped on an unexpected error. Nothing was imported."
    assert table_counts(member.workspace) == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_leaving_on_an_error_sends_nothing_more(member):
    contact = make_contact(member, email="ada@x.test", label_ids=[])
    label = Category.objects.create(workspace=member.workspace, kind="labels", name="Sent later")
    rows = [(member.workspace_id, contact.pk, label.pk)]

    seen = []

    def run():
        with transaction.atomic(), sending.sending(connection) as sender:
            seen.append(sending.active() is sender)
            sql.insert(ContactLabel, LINK_COLUMNS, rows)  # held, never released
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        run()

    assert seen == [True]
    assert sending.active() is None
    assert not ContactLabel.objects.filter(contact=contact).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_senders_error_comes_back_to_the_writer_as_djangos(member):
    contact = make_contact(member, email="ada@x.test", label_ids=[])

    def run():
        with transaction.atomic(), sending.sending(connection) as sender:
            sql.insert(ContactLabel, LINK_COLUMNS, [(member.workspace_id, contact.pk, None)])
            sender.release()
            sender.wait()

    with pytest.raises(IntegrityError, match="null value"):
        run()

    # The transaction is gone, the connection answers again.
    assert Contact.objects.filter(pk=contact.pk).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_held_inserts_are_sent_in_order_when_the_block_ends(member):
    first = make_contact(member, email="x@x.test", label_ids=[])
    base = sql.defaults(Contact, CONTACT_COLUMNS) | {
        "workspace": member.workspace_id,
        "created_at": first.created_at,
        "updated_at": first.created_at,
    }
    rows = [tuple((base | {"email": f"p{i}@x.test"})[n] for n in CONTACT_COLUMNS) for i in range(3)]
    with transaction.atomic(), sending.sending(connection):
        ids = sql.insert(Contact, CONTACT_COLUMNS, rows, returning=True)
        label = Category.objects.create(
            workspace=member.workspace, kind="labels", name="Sent later"
        )
        # The links name contacts held in the same block: sent after them.
        sql.insert(ContactLabel, LINK_COLUMNS, [(member.workspace_id, pk, label.pk) for pk in ids])
        assert not Contact.objects.filter(pk__in=ids).exists()  # not sent yet

    assert ids == sorted(ids)
    assert ids[0] > first.pk
    assert (
        sorted(ContactLabel.objects.filter(category=label).values_list("contact_id", flat=True))
        == ids
    )


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 2])
def test_an_update_may_name_a_company_the_run_creates(member, batch_size):
    """The new company is still held by the sender when the update points the contact at
    it: keys are checked at the commit, when everything is sent."""
    make_contact(member, first_name="Ada", email="ada@x.test", label_ids=[])
    rows = [HEAD, ["Bo", "", "bo@x.test", "", "Old Co"], ["Ada", "", "ada@x.test", "", "New Co"]]

    job = importing.run(_queued(member, rows, on_duplicate="update").pk, batch_size=batch_size)

    assert (job.status, job.created, job.updated) == ("done", 1, 1)
    ada = Contact.objects.select_related("company").get(email="ada@x.test")
    assert ada.company.name == "New Co"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_senders_error_is_the_one_raised_when_the_writer_fails_after_it(member):
    contact = make_contact(member, email="ada@x.test", label_ids=[])

    def run():
        with transaction.atomic(), sending.sending(connection) as sender:
            sql.insert(ContactLabel, LINK_COLUMNS, [(member.workspace_id, contact.pk, None)])
            sender.release()
            sender.jobs.join()  # the COPY failed; the writer does not know yet
            Contact.objects.count()  # "current transaction is aborted"

    with pytest.raises(IntegrityError, match="null value") as raised:
        run()

    assert "the writer then met" in "".join(raised.value.__notes__)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_cancel_stays_a_cancel_when_the_sender_had_failed(member):
    contact = make_contact(member, email="ada@x.test", label_ids=[])

    def run():
        with transaction.atomic(), sending.sending(connection) as sender:
            sql.insert(ContactLabel, LINK_COLUMNS, [(member.workspace_id, contact.pk, None)])
            sender.release()
            sender.jobs.join()
            raise importing.Cancelled

    with pytest.raises(importing.Cancelled):
        run()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_running_import_does_not_lock_the_rows_it_points_at(member):
    """Keys checked at the commit take their row locks there: mid-run, an edit may still
    lock the workspace, a label and a company that imported rows point at."""
    from tests.customers.factories import make_company
    from tests.dataio.test_import_atomic import _elsewhere

    company = make_company(member, name="Acme")
    label = Category.objects.create(workspace=member.workspace, kind="labels", name="Tag 1")
    head = ["First name", "Email", "Company", "Labels"]
    rows = [head] + [[f"P{i}", f"p{i}@x.test", "Acme", "Tag 1"] for i in range(30)]
    job = _queued(member, rows)
    locked = []

    def lock_them():
        from rapport.core.models import Workspace
        from rapport.customers.models import Company

        with transaction.atomic():
            Workspace.objects.select_for_update(nowait=True).get(pk=member.workspace_id)
            Category.objects.select_for_update(nowait=True).get(pk=label.pk)
            Company.objects.select_for_update(nowait=True).get(pk=company.pk)
        return True

    def on_progress(state):
        if state["processed"] == 20:
            locked.append(_elsewhere(lock_them))

    job = importing.run(job.pk, batch_size=10, on_progress=on_progress)

    assert job.status == "done"
    assert locked == [True]
    assert ContactLabel.objects.filter(category=label).count() == 30
