"""An import notes what it writes for search inside its transaction (`index.defer`) and
indexes it right after the commit (`index.catch_up`): the rows must be the rows `refresh`
builds, nothing may stay unindexed after a run, and what a run that dies between its
commit and its indexing leaves behind is indexed by the next catch-up."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rapport.customers.models import Contact
from rapport.customers.services import contacts as contact_services
from rapport.dataio import importing, services
from rapport.search import index
from rapport.search.models import Entry, Pending
from rapport.search.selectors import search
from tests.dataio.import_factories import csv_bytes, run_import

pytestmark = pytest.mark.django_db

HEAD = ["First Name", "Last Name", "E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value",
        "Phone 2 - Value", "Job Title", "Company"]  # fmt: skip
ROWS = [
    ["Ada", "Lovelace", "ada@example.com", "ada@work.test", "+44 20 7946 0000", "", "CTO", "X"],
    ["Łukasz", "Żółkiewski", "lukasz@example.pl", "", "0612 345 678", "+48 601 234 567", "", ""],
    ["", "", "nobody@example.com", "", "", "", "", ""],
    ["Zoë", "", "", "", "06-1234 5678", "", "Buyer", ""],
    ["", "Van 't Hof", "", "", "", "", "", "Brouwerij 't IJ"],
    ["Jan-Willem", "O’Brien", "JW@Example.NL", "", "", "", "Head of everything " * 6, ""],
]


def _entries(workspace):
    return sorted(
        Entry.objects.filter(workspace=workspace, kind="contact").values_list(
            "object_id", "title", "subtitle", "title_key", "body_key"
        )
    )


def test_imported_contacts_are_indexed_as_refresh_indexes_them(workspace, admin):
    job = run_import(admin, [HEAD, *ROWS])
    assert job.created == len(ROWS), job.error

    stored = _entries(workspace)
    ids = list(Contact.objects.filter(workspace=workspace).values_list("pk", flat=True))
    Entry.objects.filter(workspace=workspace, kind="contact").delete()
    index.refresh(workspace.pk, "contact", ids)

    assert stored == _entries(workspace)
    assert len(stored) == len(ROWS)


def test_imported_contacts_are_found_by_name_email_and_phone_digits(workspace, admin):
    run_import(admin, [HEAD, *ROWS])

    def titles(query):
        return sorted(h.title for h in search(workspace=workspace, actor=admin, query=query))

    assert titles("lukasz") == ["Łukasz Żółkiewski"]
    assert titles("work.test") == ["Ada Lovelace"]
    assert titles("601 234") == ["Łukasz Żółkiewski"]
    assert titles("nobody") == ["nobody@example.com"]


def _queued(actor, rows):
    """A started import that has not run yet (the caller runs it)."""
    upload = SimpleUploadedFile("people.csv", csv_bytes(rows), content_type="text/csv")
    return services.import_submit(
        workspace=actor.workspace, actor=actor, entity="contacts", upload=upload, enqueue=False
    )


def _titles(workspace, actor, query):
    return sorted(h.title for h in search(workspace=workspace, actor=actor, query=query))


def test_nothing_is_left_noted_after_a_run(workspace, admin):
    run_import(admin, [HEAD, *ROWS])

    assert not Pending.objects.exists()
    assert Entry.objects.filter(workspace=workspace, kind="contact").count() == len(ROWS)


def test_a_run_notes_its_rows_in_its_transaction_and_catch_up_indexes_them(workspace, admin):
    job = importing.run(_queued(admin, [HEAD, *ROWS]).pk, catch_up=False)
    assert job.status == "done", job.error

    noted = Pending.objects.filter(workspace_id=workspace.pk, kind="contact")
    assert sorted(i for ids in noted.values_list("ids", flat=True) for i in ids) == sorted(
        Contact.objects.values_list("pk", flat=True)
    )
    assert _titles(workspace, admin, "lukasz") == []  # in the lists, not yet in search

    assert index.catch_up(workspace.pk) == len(ROWS) + 2  # and two companies

    assert not Pending.objects.exists()
    assert _titles(workspace, admin, "lukasz") == ["Łukasz Żółkiewski"]


def test_a_run_that_dies_after_its_commit_leaves_its_rows_for_the_next_catch_up(
    workspace, admin, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(index, "refresh", crash)
    job = run_import(admin, [HEAD, *ROWS])
    monkeypatch.undo()

    assert job.status == "done"
    assert job.created == len(ROWS)
    assert sum(len(ids) for ids in Pending.objects.values_list("ids", flat=True)) == len(ROWS) + 2
    assert _titles(workspace, admin, "lukasz") == []

    call_command("search_catchup", "--workspace", workspace.slug)

    assert not Pending.objects.exists()
    assert _titles(workspace, admin, "lukasz") == ["Łukasz Żółkiewski"]


def test_catch_up_drops_what_was_deleted_meanwhile(workspace, admin):
    job = importing.run(_queued(admin, [HEAD, *ROWS]).pk, catch_up=False)
    assert job.status == "done", job.error
    gone = Contact.objects.get(first_name="Zoë")
    contact_services.contact_delete(workspace=workspace, actor=admin, contact_id=gone.pk)

    index.catch_up(workspace.pk)

    assert not Pending.objects.exists()
    indexed = set(Entry.objects.filter(kind="contact").values_list("object_id", flat=True))
    assert gone.pk not in indexed
    assert len(indexed) == len(ROWS) - 1


def test_catch_up_of_one_workspace_leaves_the_others(workspace, other_workspace):
    index.defer(workspace.pk, "contact", [1, 2])
    index.defer(other_workspace.pk, "contact", [3])

    assert index.catch_up(workspace.pk) == 2

    assert list(Pending.objects.values_list("workspace_id", "ids")) == [(other_workspace.pk, [3])]


def test_catch_up_goes_batch_by_batch_and_reports_progress(workspace, admin):
    job = importing.run(_queued(admin, [HEAD, *ROWS]).pk, catch_up=False)
    assert job.status == "done", job.error
    seen = []

    index.catch_up(workspace.pk, batch_size=4, progress=seen.append)

    assert seen == [2, 8]  # a noted batch at a time: two companies, then six contacts
    assert Entry.objects.filter(workspace=workspace).count() == 8


def test_defer_refuses_an_unknown_kind(workspace):
    with pytest.raises(LookupError):
        index.defer(workspace.pk, "no-such-kind", [1])


def test_the_command_refuses_an_unknown_workspace(db):
    with pytest.raises(CommandError):
        call_command("search_catchup", "--workspace", "nope")


def test_the_command_fails_when_noted_rows_stay_stuck(workspace):
    Pending.objects.create(workspace_id=workspace.pk, kind="contact", ids=["not an id"])

    with pytest.raises(CommandError, match="1 noted rows failed"):
        call_command("search_catchup")
