"""The index's own interface: refresh and forget by ids (as the importer and merge call
them), the rebuild command, and the bench seed leaving its rows findable."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rapport.core.models import Membership
from rapport.customers.models import Company, Contact
from rapport.customers.seed import seed_bench
from rapport.search import index
from rapport.search.models import Entry
from rapport.search.selectors import search
from tests.customers.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def titles(actor, query):
    found = search(workspace=actor.workspace, actor=actor, query=query)
    return sorted(h.title for h in found if h.type in ("contact", "company"))


def _bulk_contacts(workspace, names):
    """Rows written behind the services' back, as a bulk import does before it calls
    refresh once for the batch."""
    return Contact.objects.bulk_create(
        Contact(workspace=workspace, first_name=first, last_name=last) for first, last in names
    )


def test_refresh_indexes_a_batch_written_in_bulk(workspace, owner):
    rows = _bulk_contacts(workspace, [("Bulk", f"Person{i}") for i in range(2500)])
    assert titles(owner, "person2499") == []
    index.refresh(workspace.pk, "contact", [r.pk for r in rows])
    assert titles(owner, "person2499") == ["Bulk Person2499"]
    assert Entry.objects.filter(workspace=workspace, kind="contact").count() == 2500


def test_refresh_replaces_the_row_and_drops_ids_that_no_longer_exist(workspace, owner):
    contact = make_contact(owner, first_name="Before", last_name="Edit")
    Contact.objects.filter(pk=contact.pk).update(first_name="After")
    index.refresh(workspace.pk, "contact", [contact.pk])
    assert titles(owner, "before") == []
    assert titles(owner, "after") == ["After Edit"]
    Contact.objects.filter(pk=contact.pk).delete()
    index.refresh(workspace.pk, "contact", [contact.pk, 987654321])
    assert Entry.objects.filter(workspace=workspace).count() == 0


def test_forget_drops_the_rows_of_one_kind_only(workspace, owner):
    contact = make_contact(owner, first_name="Same", last_name="Number")
    company = make_company(owner, name="Same Number Ltd")
    index.forget(workspace.pk, "company", [company.pk, contact.pk])
    assert titles(owner, "same") == ["Same Number"]


def test_an_unknown_kind_is_a_programming_error(workspace):
    with pytest.raises(LookupError):
        index.refresh(workspace.pk, "spaceship", [1])
    with pytest.raises(LookupError):
        index.forget(workspace.pk, "spaceship", [1])


def test_rows_of_another_workspace_are_never_touched(workspace, owner, other_workspace, outsider):
    mine = make_contact(owner, first_name="Mine", last_name="Only")
    make_contact(outsider, first_name="Theirs", last_name="Only")
    index.refresh(other_workspace.pk, "contact", [mine.pk])  # not theirs to index
    index.forget(other_workspace.pk, "contact", [mine.pk])
    assert titles(owner, "only") == ["Mine Only"]
    assert titles(outsider, "only") == ["Theirs Only"]


def test_the_command_rebuilds_a_workspace_from_its_records(workspace, owner, capsys):
    _bulk_contacts(workspace, [("Never", "Indexed")])
    Company.objects.create(workspace=workspace, name="Quiet Company")
    stale = make_contact(owner, first_name="Stale", last_name="Row")
    Contact.objects.filter(pk=stale.pk).delete()  # the index still has it
    call_command("search_reindex", "--workspace", workspace.slug)
    assert "indexed 1 contact, 1 company" in capsys.readouterr().out
    assert titles(owner, "never") == ["Never Indexed"]
    assert titles(owner, "quiet") == ["Quiet Company"]
    assert titles(owner, "stale") == []


def test_the_command_refuses_an_unknown_workspace_or_kind(workspace):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("search_reindex", "--workspace", "nope")
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("search_reindex", "--kind", "spaceship")


def test_the_bench_seed_leaves_every_row_findable():
    result = seed_bench(contacts=120, workspace_slug="bench-search", seed=3, batch_size=50)
    ws = result.workspace
    assert Entry.objects.filter(workspace=ws, kind="contact").count() == 120
    assert Entry.objects.filter(workspace=ws, kind="company").count() == result.companies
    contact = Contact.objects.filter(workspace=ws).order_by("pk").last()
    owner = Membership.objects.select_related("workspace", "user").get(workspace=ws, role="owner")
    found = search(workspace=ws, actor=owner, query=contact.email)
    assert [h.id for h in found][:1] == [contact.pk]


def test_the_full_text_structures_exist_for_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'")
        else:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'search_entry_trgm'")
        assert cursor.fetchone()[0] == 1


def test_a_very_long_word_is_indexed_by_its_start(workspace, owner):
    make_company(owner, name="A" * 150, domain="b" * 60 + "." + "c" * 60 + ".example")
    assert titles(owner, "a" * 40) == ["A" * 150]
    assert titles(owner, "b" * 40) == ["A" * 150]
