"""An import indexes the contacts it creates from the values it wrote (`index.store`),
not by reading them back: the rows it stores must be the rows `refresh` builds from the
table through the contact provider, or search would find imported contacts differently."""

import pytest

from rapport.customers.models import Contact
from rapport.search import index
from rapport.search.models import Entry
from rapport.search.selectors import search
from tests.dataio.import_factories import run_import

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


def test_store_replaces_the_rows_of_the_same_records(workspace, admin):
    run_import(admin, [HEAD, *ROWS[:1]])
    ada = Contact.objects.get()
    doc = index.registry.Document(object_id=ada.pk, title="Ada L", words=["Ada L"])

    index.store(workspace.pk, "contact", [doc])

    assert list(
        Entry.objects.filter(workspace=workspace, kind="contact").values_list("title", flat=True)
    ) == ["Ada L"]


def test_store_refuses_an_unknown_kind(workspace):
    with pytest.raises(LookupError):
        index.store(workspace.pk, "no-such-kind", [])
